"""The v2 answers: the map with every process by host, pid and name, links with their two ends
(a missing end null), balancers, filters; the links that appeared or disappeared between two
times; a link's metrics over time."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from aops_utils.contracts.link_tables import TCP_METRICS
from gala_spider.graph import Graph
from gala_spider.model import Endpoint
from gala_spider.model import LbLink
from gala_spider.model import Listener
from gala_spider.model import ProcKey
from gala_spider.model import Sample
from gala_spider.model import TcpLink
from gala_spider.model import proc_id
from gala_spider.picture import Picture


def _end(proc: ProcKey | None, ip: str, port: str | None = None) -> dict[str, Any]:
    end: dict[str, Any] = {"ip": ip}
    if port is not None:
        end["port"] = int(port) if port.isdigit() else port
    if proc is None:
        end.update(process=None, host=None, pid=None, name=None)
    else:
        end.update(process=proc_id(proc), host=proc[0], pid=proc[1], name=proc[2])
    return end


def link_json(link: TcpLink) -> dict[str, Any]:
    _, client_ip, server_ip, port = link.conn
    return {
        "id": link.id,
        "type": "tcp",
        "client": _end(link.client, client_ip),
        "server": _end(link.server, server_ip, port),
        "first_seen": link.seen.first,
        "last_seen": link.seen.last,
        "metrics": dict(zip(TCP_METRICS, link.metrics, strict=True)),
    }


def _balancer_json(lb: LbLink, pic: Picture, listeners: Mapping[Endpoint, Listener]) -> dict[str, Any]:
    fronts = [
        proc_id(link.client)
        for link in pic.links
        if link.client is not None and link.conn[1:] == (lb.client_ip, lb.virtual_ip, lb.virtual_port)
    ]
    back = listeners.get(("", lb.server_ip, lb.server_port))
    on = listeners.get(("", lb.virtual_ip, lb.virtual_port))
    return {
        "id": lb.id,
        "type": lb.table,
        "host": lb.host,
        "process": proc_id(on.proc) if on is not None and on.proc[0] == lb.host else None,
        "client": {"ip": lb.client_ip, "processes": fronts},
        "virtual": {"ip": lb.virtual_ip, "port": lb.virtual_port},
        "server": {
            "ip": lb.server_ip,
            "port": lb.server_port,
            "process": proc_id(back.proc) if back else None,
        },
        "local_ip": lb.local_ip,
        "link_count": lb.link_count,
        "first_seen": lb.seen.first,
        "last_seen": lb.seen.last,
    }


def _matches(link: TcpLink, hosts: set[str], names: set[str]) -> bool:
    ends = [e for e in (link.client, link.server) if e is not None]
    if hosts and not any(e[0] in hosts for e in ends):
        return False
    return not names or any(e[2] in names for e in ends)


def entities(
    pic: Picture, graph: Graph, hosts: Sequence[str] = (), processes: Sequence[str] = ()
) -> dict[str, Any]:
    """The picture as v2 shows it, narrowed to links touching `hosts` and processes named in
    `processes` (each filter when given), and to the processes and hosts at their ends."""
    want_hosts, want_names = set(hosts), set(processes)
    links = [link for link in pic.links if _matches(link, want_hosts, want_names)]
    if want_hosts or want_names:
        ends = {e for link in links for e in (link.client, link.server) if e is not None}
        procs = {
            k: p
            for k, p in pic.procs.items()
            if k in ends
            or ((not want_hosts or k[0] in want_hosts) and (not want_names or k[2] in want_names))
        }
    else:
        procs = pic.procs
    host_names = {k[0] for k in procs}
    lbs = [lb for lb in pic.lbs if not want_hosts or lb.host in want_hosts]
    host_names |= {lb.host for lb in lbs}
    return {
        "hosts": [
            {"name": h, "addresses": sorted(pic.hosts.get(h, ())), **_seen(graph, h)}
            for h in sorted(host_names)
        ],
        "processes": [
            {
                "id": proc_id(k),
                "host": k[0],
                "pid": k[1],
                "name": k[2],
                "first_seen": p.seen.first,
                "last_seen": p.seen.last,
            }
            for k, p in sorted(procs.items())
        ],
        "links": [link_json(link) for link in links],
        "balancers": [_balancer_json(lb, pic, graph.listeners) for lb in lbs],
    }


def _seen(graph: Graph, host: str) -> dict[str, float | None]:
    found = graph.hosts.get(host)
    return {
        "first_seen": found.seen.first if found else None,
        "last_seen": found.seen.last if found else None,
    }


def diff(before: Picture, after: Picture) -> dict[str, list[dict[str, Any]]]:
    """Links on the map at the second time and not the first (appeared), and the other way."""
    old = {link.id: link for link in before.links}
    new = {link.id: link for link in after.links}
    return {
        "appeared": [link_json(new[i]) for i in new if i not in old],
        "disappeared": [link_json(old[i]) for i in old if i not in new],
    }


def series(samples: Sequence[Sample], interval: int) -> list[dict[str, Any]]:
    """One point per bucket: its start, its width, and the summed counters."""
    return [{"t": s.t, "interval": interval, **s.values()} for s in sorted(samples, key=lambda s: s.t)]
