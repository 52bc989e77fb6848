import { describe, expect, it } from 'vitest'

import type { LinkEnd, TopoBalancer, TopoLink, TopoProcess, Topology } from '@/api/topology'

import { choices, formatBytes, formatRtt, rendererFor, toGraph } from './graphData'

function proc(host: string, pid: string, name: string): TopoProcess {
  return { id: `${host}/${pid}/${name}`, host, pid, name, first_seen: 1, last_seen: 2 }
}

function end(ip: string, p: TopoProcess | null, port?: number): LinkEnd {
  return {
    ip,
    ...(port === undefined ? {} : { port }),
    process: p?.id ?? null,
    host: p?.host ?? null,
    pid: p?.pid ?? null,
    name: p?.name ?? null,
  }
}

const METRICS = {
  link_count: 1,
  rx_bytes: 100,
  tx_bytes: 50,
  packets_out: 4,
  packets_in: 3,
  retran_packets: 2,
  lost_packets: 0,
  rtt: 400,
}

function link(id: string, client: LinkEnd, server: LinkEnd): TopoLink {
  return { id, type: 'tcp', client, server, first_seen: 1, last_seen: 2, metrics: METRICS }
}

function topology(parts: Partial<Topology>): Topology {
  const processes = parts.processes ?? []
  const names = [...new Set(processes.map((p) => p.host))]
  return {
    start: 10,
    end: 10,
    ttl: 60,
    hosts: names.map((name) => ({ name, addresses: [], first_seen: 1, last_seen: 2 })),
    processes,
    links: [],
    balancers: [],
    ...parts,
  }
}

const curl = proc('web-1', '10', 'curl')
const nginx = proc('web-1', '11', 'nginx')
const redis = proc('db-1', '12', 'redis')

describe('toGraph', () => {
  it('makes a category and a host node per host, its processes around it in its category', () => {
    const graph = toGraph(topology({ processes: [redis, curl, nginx] }), 'outside')
    expect(graph.categories).toEqual([{ name: 'db-1' }, { name: 'web-1' }])
    const byId = new Map(graph.nodes.map((n) => [n.id, n]))
    expect(byId.get('host:web-1')).toMatchObject({ kind: 'host', name: 'web-1', category: 1 })
    expect(byId.get(curl.id)).toMatchObject({ kind: 'process', name: 'curl[10]', category: 1 })
    expect(byId.get(redis.id)).toMatchObject({ kind: 'process', name: 'redis[12]', category: 0 })
    // Each process is closer to its own host's node than to the other's.
    const distance = (a: string, b: string) => {
      const [p, q] = [byId.get(a), byId.get(b)]
      return Math.hypot((p?.x ?? 0) - (q?.x ?? 0), (p?.y ?? 0) - (q?.y ?? 0))
    }
    expect(distance(curl.id, 'host:web-1')).toBeLessThan(distance(curl.id, 'host:db-1'))
    expect(distance(redis.id, 'host:db-1')).toBeLessThan(distance(redis.id, 'host:web-1'))
    expect(distance(curl.id, nginx.id)).toBeGreaterThan(0)
  })

  it('gives a one-host map of one or two processes a width and a height (else none is drawn)', () => {
    for (const processes of [[curl], [curl, nginx]]) {
      const nodes = toGraph(topology({ processes }), 'outside').nodes
      const span = (of: (n: (typeof nodes)[number]) => number) =>
        Math.max(...nodes.map(of)) - Math.min(...nodes.map(of))
      // Not a rounding error wide: cos(pi / 2) is 6e-17, an extent the chart scales up to nothing.
      expect(span((n) => n.x)).toBeGreaterThan(10)
      expect(span((n) => n.y)).toBeGreaterThan(10)
    }
  })

  it('draws a link from client to server labelled with the port, ends by their processes', () => {
    const map = topology({
      processes: [curl, redis],
      links: [link('a1', end('10.0.0.1', curl), end('10.0.0.2', redis, 6379))],
    })
    const graph = toGraph(map, 'outside')
    expect(graph.edges).toEqual([
      { id: 'a1', source: curl.id, target: redis.id, label: ':6379', kind: 'tcp', curveness: 0 },
    ])
    expect(graph.categories.map((c) => c.name)).not.toContain('outside')
  })

  it('puts ends without a process in the outside category, one node per address and port', () => {
    const map = topology({
      processes: [redis],
      links: [
        link('a1', end('192.0.2.7', null), end('10.0.0.2', redis, 6379)),
        link('a2', end('10.0.0.2', redis), end('192.0.2.9', null, 443)),
        link('a3', end('10.0.0.2', redis), end('192.0.2.9', null, 80)),
        link('a4', end('192.0.2.7', null), end('2001:db8::1', null, 22)),
      ],
    })
    const graph = toGraph(map, 'Addresses without a probe')
    expect(graph.categories.at(-1)).toEqual({ name: 'Addresses without a probe' })
    expect(graph.outside).toBe(1)
    const outside = graph.nodes.filter((n) => n.kind === 'address')
    expect(outside.map((n) => n.name).sort()).toEqual([
      '192.0.2.7',
      '192.0.2.9:443',
      '192.0.2.9:80',
      '[2001:db8::1]:22',
    ])
    expect(new Set(outside.map((n) => n.category))).toEqual(new Set([1]))
    expect(graph.edges.map((e) => [e.source, e.target])).toContainEqual([
      'addr:192.0.2.7',
      redis.id,
    ])
  })

  it('bends the second edge between the same two nodes, either way round', () => {
    const map = topology({
      processes: [curl, nginx],
      links: [
        link('a1', end('127.0.0.1', curl), end('127.0.0.1', nginx, 80)),
        link('a2', end('127.0.0.1', curl), end('127.0.0.1', nginx, 443)),
        link('a3', end('127.0.0.1', nginx), end('127.0.0.1', curl, 8080)),
      ],
    })
    const bent = toGraph(map, 'outside').edges.map((e) => e.curveness)
    expect(bent[0]).toBe(0)
    expect(bent[1]).not.toBe(0)
    expect(bent[2]).not.toBe(0)
    expect(bent[1]).not.toBe(bent[2])
  })

  it('places a balancer on its host between its clients and its real server', () => {
    const lb: TopoBalancer = {
      id: 'lb1',
      type: 'nginx_link',
      host: 'web-1',
      process: nginx.id,
      client: { ip: '10.0.0.1', processes: [curl.id] },
      virtual: { ip: '10.0.0.9', port: '80' },
      server: { ip: '10.0.0.2', port: '8080', process: null },
      local_ip: '10.0.0.9',
      link_count: 3,
      first_seen: 1,
      last_seen: 2,
    }
    const graph = toGraph(topology({ processes: [curl, nginx], balancers: [lb] }), 'outside')
    const node = graph.nodes.find((n) => n.id === 'lb:lb1')
    expect(node).toMatchObject({ kind: 'balancer', name: 'nginx 10.0.0.9:80', category: 0 })
    expect(graph.edges.map((e) => [e.source, e.target, e.label])).toEqual([
      [curl.id, 'lb:lb1', ':80'],
      ['lb:lb1', 'addr:10.0.0.2:8080', ':8080'],
    ])
  })

  it('draws an empty map as nothing', () => {
    expect(toGraph(topology({}), 'outside')).toEqual({
      categories: [],
      outside: null,
      nodes: [],
      edges: [],
    })
  })

  it('chooses canvas for a large map', () => {
    const many = Array.from({ length: 700 }, (_, i) => proc('h', String(i), 'p'))
    expect(rendererFor(toGraph(topology({ processes: many }), 'o'))).toBe('canvas')
    expect(rendererFor(toGraph(topology({ processes: [curl] }), 'o'))).toBe('svg')
  })
})

describe('choices', () => {
  it('lists the hosts and process names once each, sorted', () => {
    const other = proc('web-1', '13', 'curl')
    expect(choices(topology({ processes: [redis, curl, other, nginx] }))).toEqual({
      hosts: ['db-1', 'web-1'],
      processes: ['curl', 'nginx', 'redis'],
    })
  })
})

describe('formatting', () => {
  it('shows bytes in powers of 1024 and rtt in milliseconds', () => {
    expect(formatBytes(950)).toBe('950 B')
    expect(formatBytes(12_595)).toBe('12.3 KB')
    expect(formatBytes(4 * 1024 * 1024)).toBe('4.0 MB')
    expect(formatRtt(12_777)).toBe('12.78 ms')
  })
})
