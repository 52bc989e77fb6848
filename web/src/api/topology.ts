/**
 * gala_spider's v2 routes (`/api/gala-spider/api/v2/...`, docs/topology.md "Routes"): the map
 * as the user may see it at a time or over a window, filtered by hosts and process names, and a
 * link's counters per bucket over time. Times are POSIX seconds.
 */
import { api } from './client'

/** A host of the map: the `hostname` its probe reports, and the addresses its records showed. */
export interface TopoHost {
  name: string
  addresses: string[]
  first_seen: number | null
  last_seen: number | null
}

/** A process: one host, pid and name (`id` is `host/pid/name`). */
export interface TopoProcess {
  id: string
  host: string
  pid: string
  name: string
  first_seen: number
  last_seen: number
}

/** One end of a link: its address, and the process there when a probe reported it (else null). */
export interface LinkEnd {
  ip: string
  /** The server's port (the client end has none, as 21.09). */
  port?: number | string
  process: string | null
  host: string | null
  pid: string | null
  name: string | null
}

export type LinkMetric =
  | 'link_count'
  | 'rx_bytes'
  | 'tx_bytes'
  | 'packets_out'
  | 'packets_in'
  | 'retran_packets'
  | 'lost_packets'
  | 'rtt'
export type LinkMetrics = Record<LinkMetric, number>

/** A TCP link: client process (or address) to the server's address and port (and process). */
export interface TopoLink {
  id: string
  type: 'tcp'
  client: LinkEnd
  server: LinkEnd
  first_seen: number
  last_seen: number
  /** The latest record's counters (the client's view when both ends report). */
  metrics: LinkMetrics
}

/** An lvs/nginx/haproxy link: clients -> virtual address -> real server; unknown ends null. */
export interface TopoBalancer {
  id: string
  type: 'lvs_link' | 'nginx_link' | 'haproxy_link'
  host: string
  process: string | null
  client: { ip: string; processes: string[] }
  virtual: { ip: string; port: string }
  server: { ip: string; port: string; process: string | null }
  local_ip: string
  link_count: number
  first_seen: number
  last_seen: number
}

export interface Topology {
  /** The time shown (`start` = `end`), or the window. */
  start: number
  end: number
  /** Seconds a thing stays on the map after it was last seen. */
  ttl: number
  hosts: TopoHost[]
  processes: TopoProcess[]
  links: TopoLink[]
  balancers: TopoBalancer[]
}

export interface TopologyQuery {
  /** The map as it was then (default: now). */
  timestamp?: number
  /** Everything on the map at some time of [start, end] (both or neither). */
  start?: number
  end?: number
  /** Keep the links touching these hosts (and the processes at their ends). */
  host?: string[]
  /** Keep the links touching processes of these names. */
  process?: string[]
}

function queryString(query: Record<string, number | string | string[] | undefined>): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue
    // A list is the key repeated (`host=a&host=b`), as the route reads it.
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

export function topology(query: TopologyQuery = {}) {
  return api.get<Topology>(`/gala-spider/api/v2/entities${queryString({ ...query })}`)
}

/** One bucket of a link's counters: its start, its width, the summed counters, the mean rtt. */
export interface MetricPoint extends LinkMetrics {
  t: number
  interval: number
}

export function linkMetrics(linkIds: string[], start: number, end: number) {
  return api.get<{
    start: number
    end: number
    links: { link_id: string; points: MetricPoint[] }[]
    unknown: string[]
  }>(`/gala-spider/api/v2/link_metrics${queryString({ link_id: linkIds, start, end })}`)
}
