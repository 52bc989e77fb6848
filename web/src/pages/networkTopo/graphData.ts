/**
 * The v2 topology answer as an ECharts graph: each host a cluster (a host node in the middle,
 * its processes on a ring around it, all in the host's colour category), clusters on a grid,
 * links as arrows client -> server labelled with the server's port. Ends no probe reported
 * (a client known only by its address, a server no process was seen serving) are address nodes
 * of their own cluster. Positions are computed here rather than by a force layout, so the same
 * map is drawn the same way each time and a process stays where it was when the time moves.
 */
import type { LinkEnd, TopoBalancer, TopoLink, TopoProcess, Topology } from '@/api/topology'

export type NodeKind = 'host' | 'process' | 'address' | 'balancer'

export interface GraphNode {
  id: string
  /** The label: `name[pid]`, a host's name, an address. */
  name: string
  kind: NodeKind
  /** Index into `categories`: the host's (or the outside one for addresses). */
  category: number
  x: number
  y: number
  symbolSize: number
  symbol: string
}

export interface GraphEdge {
  id: string
  source: string
  target: string
  /** The server's port, `:6379`, or a balancer's virtual port. */
  label: string
  kind: 'tcp' | 'balancer'
  /** Bent when another edge joins the same two nodes, so both show. */
  curveness: number
}

export interface Graph {
  /** The hosts in name order, then the outside category when an address node exists. */
  categories: { name: string }[]
  /** The index of the outside category, null when every end has a process. */
  outside: number | null
  nodes: GraphNode[]
  edges: GraphEdge[]
}

const PROCESS_SIZE = 14
const HOST_SIZE = 34
// Space between two neighbouring processes on a ring, and between two clusters.
const RING_STEP = 46
const CLUSTER_GAP = 110

export function processLabel(process: { name: string | null; pid: string | null }): string {
  return `${process.name}[${process.pid}]`
}

/** A link's end: its process when a probe reported one, else its address. */
export function endLabel(end: LinkEnd): string {
  return end.process ? processLabel(end) : end.ip
}

function addressOf(ip: string, port?: number | string): string {
  if (port === undefined) return ip
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

interface Cluster {
  key: string
  category: number
  hostNode: GraphNode | null
  members: GraphNode[]
}

function ringRadius(count: number): number {
  if (count <= 1) return count === 1 ? RING_STEP : 0
  return Math.max(RING_STEP, (count * RING_STEP) / (2 * Math.PI))
}

/** Cluster after cluster on a grid of about square shape, each ring around its centre. */
function place(clusters: Cluster[]): void {
  const columns = Math.max(1, Math.ceil(Math.sqrt(clusters.length)))
  const cell =
    2 * Math.max(RING_STEP, ...clusters.map((c) => ringRadius(c.members.length))) + CLUSTER_GAP
  clusters.forEach((cluster, index) => {
    const cx = (index % columns) * cell
    const cy = Math.floor(index / columns) * cell
    if (cluster.hostNode) Object.assign(cluster.hostNode, { x: cx, y: cy })
    const radius = ringRadius(cluster.members.length)
    cluster.members.forEach((node, i) => {
      // From the top left, clockwise: a host's one or two processes then lie on a diagonal, not
      // on its vertical, where a one-host map had no width and the chart drew none of it.
      const angle = (2 * Math.PI * i) / cluster.members.length - (3 * Math.PI) / 4
      node.x = cx + radius * Math.cos(angle)
      node.y = cy + radius * Math.sin(angle)
    })
  })
}

function processNode(process: TopoProcess, category: number): GraphNode {
  return {
    id: process.id,
    name: processLabel(process),
    kind: 'process',
    category,
    x: 0,
    y: 0,
    symbolSize: PROCESS_SIZE,
    symbol: 'circle',
  }
}

/**
 * The graph of `map`; `outside` names the category of address nodes (translated by the page).
 */
export function toGraph(map: Topology, outside: string): Graph {
  const hostNames = [
    ...new Set([
      ...map.hosts.map((h) => h.name),
      ...map.processes.map((p) => p.host),
      ...map.balancers.map((b) => b.host),
    ]),
  ].sort()
  const categoryOf = new Map(hostNames.map((name, index) => [name, index]))
  const clusters = new Map<string, Cluster>()
  const nodes = new Map<string, GraphNode>()
  for (const name of hostNames) {
    const category = categoryOf.get(name) ?? 0
    const hostNode: GraphNode = {
      id: `host:${name}`,
      name,
      kind: 'host',
      category,
      x: 0,
      y: 0,
      symbolSize: HOST_SIZE,
      symbol: 'roundRect',
    }
    clusters.set(name, { key: name, category, hostNode, members: [] })
    nodes.set(hostNode.id, hostNode)
  }
  const processes = [...map.processes].sort(
    (a, b) =>
      a.host.localeCompare(b.host) || a.name.localeCompare(b.name) || a.pid.localeCompare(b.pid),
  )
  for (const process of processes) {
    const cluster = clusters.get(process.host)
    if (!cluster || nodes.has(process.id)) continue
    const node = processNode(process, cluster.category)
    cluster.members.push(node)
    nodes.set(node.id, node)
  }
  const outsideCategory = hostNames.length
  // Drawn only when some end has no process.
  const outsideCluster: Cluster = {
    key: outside,
    category: outsideCategory,
    hostNode: null,
    members: [],
  }
  /** The node of a link end: its process, else an address node (made once per address). */
  function endNode(process: string | null, ip: string, port?: number | string): string {
    if (process !== null && nodes.has(process)) return process
    const id = `addr:${addressOf(ip, port)}`
    if (!nodes.has(id)) {
      const node: GraphNode = {
        id,
        name: addressOf(ip, port),
        kind: 'address',
        category: outsideCategory,
        x: 0,
        y: 0,
        symbolSize: PROCESS_SIZE,
        symbol: 'triangle',
      }
      outsideCluster.members.push(node)
      nodes.set(id, node)
    }
    return id
  }
  const edges: GraphEdge[] = []
  for (const link of map.links) edges.push(linkEdge(link, endNode))
  for (const balancer of map.balancers)
    edges.push(...balancerEdges(balancer, clusters, nodes, endNode))
  bend(edges)
  const ordered = [...clusters.values()]
  const categories = hostNames.map((name) => ({ name }))
  if (outsideCluster.members.length) {
    ordered.push(outsideCluster)
    categories.push({ name: outside })
  }
  place(ordered)
  const outsideIndex = outsideCluster.members.length ? outsideCategory : null
  return { categories, outside: outsideIndex, nodes: [...nodes.values()], edges }
}

type EndNode = (process: string | null, ip: string, port?: number | string) => string

function linkEdge(link: TopoLink, endNode: EndNode): GraphEdge {
  return {
    id: link.id,
    source: endNode(link.client.process, link.client.ip),
    // A server without a process is its address and port: two services of one address differ.
    target: endNode(link.server.process, link.server.ip, link.server.port),
    label: `:${link.server.port ?? ''}`,
    kind: 'tcp',
    curveness: 0,
  }
}

/** A balancer is a node on its host; its clients point at it and it points at its real server. */
function balancerEdges(
  balancer: TopoBalancer,
  clusters: Map<string, Cluster>,
  nodes: Map<string, GraphNode>,
  endNode: EndNode,
): GraphEdge[] {
  const id = `lb:${balancer.id}`
  const cluster = clusters.get(balancer.host)
  if (!nodes.has(id) && cluster) {
    const node: GraphNode = {
      id,
      name: `${balancer.type.replace('_link', '')} ${addressOf(balancer.virtual.ip, balancer.virtual.port)}`,
      kind: 'balancer',
      category: cluster.category,
      x: 0,
      y: 0,
      symbolSize: PROCESS_SIZE + 4,
      symbol: 'diamond',
    }
    cluster.members.push(node)
    nodes.set(id, node)
  }
  const clients = balancer.client.processes.length
    ? balancer.client.processes.map((process) => endNode(process, balancer.client.ip))
    : [endNode(null, balancer.client.ip)]
  const edges: GraphEdge[] = clients.map((source) => ({
    id: `${balancer.id}:in:${source}`,
    source,
    target: id,
    label: `:${balancer.virtual.port}`,
    kind: 'balancer',
    curveness: 0,
  }))
  edges.push({
    id: `${balancer.id}:out`,
    source: id,
    target: endNode(balancer.server.process, balancer.server.ip, balancer.server.port),
    label: `:${balancer.server.port}`,
    kind: 'balancer',
    curveness: 0,
  })
  return edges
}

/** Edges joining the same two nodes (either way) bend by turns, so none hides another. */
function bend(edges: GraphEdge[]): void {
  const seen = new Map<string, number>()
  for (const edge of edges) {
    const key = [edge.source, edge.target].sort().join('\n')
    const count = seen.get(key) ?? 0
    seen.set(key, count + 1)
    if (count > 0) edge.curveness = 0.15 * Math.ceil(count / 2) * (count % 2 ? 1 : -1)
  }
}

// Past this many nodes SVG's one element per shape slows hovering and zooming down.
const SVG_UP_TO = 600

export function rendererFor(graph: Graph): 'svg' | 'canvas' {
  return graph.nodes.length > SVG_UP_TO ? 'canvas' : 'svg'
}

/** Bytes as a reader takes them in: 950 B, 12.3 KB, 4.0 MB (powers of 1024). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`
}

/** rtt in microseconds (tcpi_rtt) as milliseconds with two decimals. */
export function formatRtt(micros: number): string {
  return `${(micros / 1000).toFixed(2)} ms`
}

/** The process names and host names a map holds, for the filters' choices (sorted, unique). */
export function choices(map: Topology): { hosts: string[]; processes: string[] } {
  const hosts = new Set(map.hosts.map((h) => h.name))
  const names = new Set(map.processes.map((p) => p.name))
  for (const p of map.processes) hosts.add(p.host)
  return { hosts: [...hosts].sort(), processes: [...names].sort() }
}
