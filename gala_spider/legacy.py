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
from gala_spider.picture import Picture

TCP = "TCP_LINK"
# Entities already encoded, by id, with what they were made of: a map of 50,000 links is
# answered again from these instead of 500,000 new dicts (bench_topology.py).
Cache = dict[str, tuple[Any, orjson.Fragment]]


def _cached(
    cache: Cache, key: str, made_of: Any, build: Callable[..., dict[str, Any]], *args: Any
) -> orjson.Fragment:
    found = cache.get(key)
    if found is not None and found[0] == made_of:
        return found[1]
    fragment = orjson.Fragment(orjson.dumps(build(*args)))
    cache[key] = (made_of, fragment)
    return fragment


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


def entities(pic: Picture, listeners: Mapping[Endpoint, Listener], cache: Cache | None = None) -> list[Any]:
    """TCP links, processes, balancer links and VMs, in 21.09's order. Only links whose two ends
    are known processes are shown: 21.09's shape has no other kind of end."""
    cache = {} if cache is None else cache
    nodes: dict[str, _Node] = {}
    # 21.09 edge id -> [src, dst, summed counters, rtt weighted sum, weight]
    edges: dict[str, list[Any]] = {}
    for link in pic.links:
        client, server = link.client, link.server
        if client is None or server is None:
            continue
        src, dst = node_id(client), node_id(server)
        edge_id = f"{src}.{dst}.tcp_link"
        m = link.metrics
        weight = max(m[3] + m[4], 1)
        found = edges.get(edge_id)
        if found is None:
            edges[edge_id] = [src, dst, list(m), m[7] * weight, weight]
            node = nodes.get(src) or nodes.setdefault(src, _Node(client[0]))
            node.outgoing.append(edge_id)
            node = nodes.get(dst) or nodes.setdefault(dst, _Node(server[0]))
            node.incoming.append(edge_id)
        else:
            sums = found[2]
            for i in range(7):
                sums[i] += m[i]
            found[3] += m[7] * weight
            found[4] += weight
    out: list[Any] = []
    for edge_id, (src, dst, sums, rtt_sum, weight) in edges.items():
        sums[7] = rtt_sum // weight
        counters = tuple(sums)
        out.append(_cached(cache, edge_id, (src, dst, counters), _tcp_entity, edge_id, src, dst, counters))
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


def _tcp_entity(edge_id: str, src: str, dst: str, sums: tuple[int, ...]) -> dict[str, Any]:
    return {
        "entityid": edge_id,
        "name": edge_id,
        "type": "TCP-LINK",
        "dependeditems": {"calls": {"type": "PROCESS", "id": src}},
        "dependingitems": {"calls": {"type": "PROCESS", "id": dst}},
        "attrs": [
            {"key": k, "value": str(v), "vtype": "string"} for k, v in zip(TCP_METRICS, sums, strict=True)
        ],
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
