"""The 21.09 `get_entities` answer: the shape its web page reads (reference section 2.3, "actual
emitted JSON"), processes grouped by host and name as 21.09 identified them."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

import orjson

from aops_utils.contracts.link_tables import TCP_METRICS
from gala_spider.model import Endpoint
from gala_spider.model import LbLink
from gala_spider.model import Listener
from gala_spider.model import ProcKey
from gala_spider.model import TcpLink
from gala_spider.picture import Picture

TCP = "TCP_LINK"
# Entities already encoded, by id, with what they were made of: a map of 50,000 links is
# answered again from these instead of 500,000 new dicts (bench_topology.py).
# (The third item: a TCP-LINK's JSON up to its counters.)
Cache = dict[str, tuple[Any, orjson.Fragment, bytes]]
# A TCP-LINK's attrs, its counters put in: what orjson makes of _tcp_entity's, made at a twentieth
# of the cost (every link's counters change every round; test_legacy.py holds them equal).
_ATTRS = ",".join('{"key":"' + k + '","value":"%d","vtype":"string"}' for k in TCP_METRICS).encode()


def _cached(
    cache: Cache, key: str, made_of: Any, build: Callable[..., dict[str, Any]], *args: Any
) -> orjson.Fragment:
    found = cache.get(key)
    if found is not None and found[0] == made_of:
        return found[1]
    fragment = orjson.Fragment(orjson.dumps(build(*args)))
    cache[key] = (made_of, fragment, b"")
    return fragment


def _tcp_fragment(cache: Cache, edge_id: str, src: str, dst: str, sums: tuple[int, ...]) -> orjson.Fragment:
    found = cache.get(edge_id)
    head = b""
    if found is not None:
        made_of = found[0]
        if made_of[0] == src and made_of[1] == dst:
            if made_of[2] == sums:
                return found[1]
            head = found[2]
    if not head:
        head = orjson.dumps(_tcp_entity(edge_id, src, dst, None))[: -len(b"]}")]
    fragment = orjson.Fragment(head + _ATTRS % sums + b"]}")
    cache[edge_id] = ((src, dst, sums), fragment, head)
    return fragment


def _summed(metrics: list[tuple[int, ...]]) -> tuple[int, ...]:
    """The counters of an edge of several links: summed, the rtt a mean weighted by segments."""
    sums = [sum(column) for column in zip(*metrics, strict=True)]
    weights = [max(m[3] + m[4], 1) for m in metrics]
    sums[7] = sum(m[7] * w for m, w in zip(metrics, weights, strict=True)) // sum(weights)
    return tuple(sums)


def node_id(proc: ProcKey) -> str:
    """21.09's process id, `host.name`: processes of one name on one host are one node."""
    return f"{proc[0]}.{proc[2]}"


class _Node:
    __slots__ = ("host", "incoming", "lb_runs", "outgoing")

    def __init__(self, host: str) -> None:
        self.host = host
        self.incoming: list[str] = []
        self.outgoing: list[str] = []
        self.lb_runs: list[tuple[str, str]] = []


def _refs(kind: str, ids: list[str]) -> list[dict[str, str]]:
    """References to entities of one `kind` (a process's calls, a VM's runOns)."""
    return [{"type": kind, "id": i} for i in ids]


# A link with what of it may change under the map's lock: its ends and its counters.
Row = tuple[TcpLink, ProcKey | None, ProcKey | None, tuple[int, ...]]


def rows(pic: Picture) -> list[Row]:
    """The picture's links as they are now (call with the map's lock held): an answer made
    after the lock is released is then of one moment, whatever the consumer changes meanwhile."""
    return [(link, link.client, link.server, link.metrics) for link in pic.links]


def entities(
    pic: Picture,
    listeners: Mapping[Endpoint, Listener],
    cache: Cache | None = None,
    now: list[Row] | None = None,
) -> list[Any]:
    """TCP links, processes, balancer links and VMs, in 21.09's order. Only links whose two ends
    are known processes are shown: 21.09's shape has no other kind of end. `now`: the links'
    rows taken under the map's lock (else read from the links, which must then not change)."""
    cache = {} if cache is None else cache
    nodes: dict[str, _Node] = {}
    # 21.09 edge id -> [src, dst, the counters of each of its links...]: most edges are one link,
    # whose counters are the edge's as they are (summed only for the others: a third less time
    # for 50,000 links than summing as they came).
    edges: dict[str, list[Any]] = {}
    for link, client, server, m in rows(pic) if now is None else now:
        if client is None or server is None:
            continue
        # Made once per link and server: a tenth of the time of an answer of 50,000 links.
        ids = link.legacy
        if ids is None or ids[0] is not server:
            src, dst = node_id(client), node_id(server)
            ids = link.legacy = (server, src, dst, f"{src}.{dst}.tcp_link")
        _, src, dst, edge_id = ids
        found = edges.get(edge_id)
        if found is None:
            edges[edge_id] = [src, dst, m]
            node = nodes.get(src) or nodes.setdefault(src, _Node(client[0]))
            node.outgoing.append(edge_id)
            node = nodes.get(dst) or nodes.setdefault(dst, _Node(server[0]))
            node.incoming.append(edge_id)
        else:
            found.append(m)
    out: list[Any] = []
    for edge_id, found in edges.items():
        counters = found[2] if len(found) == 3 else _summed(found[2:])
        out.append(_tcp_fragment(cache, edge_id, found[0], found[1], counters))
    fronts = {link.conn[1:]: link.client for link in pic.links if link.client is not None} if pic.lbs else {}
    balancers = [_balancer(lb, fronts, listeners, nodes) for lb in pic.lbs]
    for nid, node in nodes.items():
        shape = (node.host, tuple(node.incoming), tuple(node.outgoing), tuple(node.lb_runs))
        out.append(_cached(cache, nid, shape, _process_entity, nid, node))
    out += [b for b in balancers if b is not None]
    if len(cache) > 2 * (len(edges) + len(nodes)) + 1000:
        for gone in set(cache) - edges.keys() - nodes.keys():
            cache.pop(gone, None)
    vms: dict[str, list[str]] = {}
    for nid, node in nodes.items():
        vms.setdefault(node.host, []).append(nid)
    for host, procs in vms.items():
        out.append(
            {
                "entityid": host,
                "name": host,
                "type": "VM",
                "dependeditems": {"runOns": _refs("PROCESS", procs)},
                "dependingitems": {},
            }
        )
    return out


def _tcp_entity(edge_id: str, src: str, dst: str, sums: tuple[int, ...] | None) -> dict[str, Any]:
    """A TCP-LINK entity; without `sums`, its attrs empty (see _tcp_fragment, alike)."""
    return {
        "entityid": edge_id,
        "name": edge_id,
        "type": "TCP-LINK",
        "dependeditems": {"calls": {"type": "PROCESS", "id": src}},
        "dependingitems": {"calls": {"type": "PROCESS", "id": dst}},
        "attrs": []
        if sums is None
        else [{"key": k, "value": str(v), "vtype": "string"} for k, v in zip(TCP_METRICS, sums, strict=True)],
    }


def _process_entity(nid: str, node: _Node) -> dict[str, Any]:
    return {
        "entityid": nid,
        "name": nid,
        "type": "PROCESS",
        "dependeditems": {
            "calls": _refs(TCP, node.incoming),
            "runOns": [{"type": kind, "id": i} for i, kind in node.lb_runs],
        },
        "dependingitems": {"calls": _refs(TCP, node.outgoing), "runOns": {"type": "VM", "id": node.host}},
        "attrs": [{"key": "host", "value": node.host, "vtype": "string"}],
    }


def _balancer(
    lb: LbLink,
    fronts: Mapping[tuple[str, str, str], ProcKey],
    listeners: Mapping[Endpoint, Listener],
    nodes: dict[str, _Node],
) -> dict[str, Any] | None:
    """A balancer link when both its ends are known (21.09 crashed when one was not; such a link
    is in the v2 answer, with its missing end null)."""
    front = fronts.get((lb.client_ip, lb.virtual_ip, lb.virtual_port))
    back = listeners.get(("", lb.server_ip, lb.server_port))
    if front is None or back is None:
        return None
    src, dst = node_id(front), node_id(back.proc)
    # The process answering on the virtual address, else 21.09's `<host>.<table prefix>`.
    serving = listeners.get(("", lb.virtual_ip, lb.virtual_port))
    on = (
        node_id(serving.proc)
        if serving and serving.proc[0] == lb.host
        else f"{lb.host}.{lb.table.split('_', 1)[0]}"
    )
    kind = lb.table.upper()
    link_id = f"{src}.{dst}.{lb.table}"
    nodes.setdefault(on, _Node(lb.host)).lb_runs.append((link_id, kind))
    return {
        "entityid": link_id,
        "name": link_id,
        "type": kind,
        "dependeditems": {"calls": {"type": "PROCESS", "id": src}},
        "dependingitems": {"calls": {"type": "PROCESS", "id": dst}, "runOns": {"type": "PROCESS", "id": on}},
    }
