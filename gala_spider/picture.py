"""The map at one moment (or over a window), as one user may see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from gala_spider.graph import Graph
from gala_spider.model import LbLink
from gala_spider.model import Process
from gala_spider.model import ProcKey
from gala_spider.model import TcpLink
from gala_spider.presence import Presence

# Whether a host (by its name in the records) is the user's.
Owned = Callable[[str], bool]


def everyone(_host: str) -> bool:
    return True


@dataclass
class Picture:
    """What was on the map: links with their two ends, balancers, processes and hosts."""

    links: list[TcpLink] = field(default_factory=list)
    lbs: list[LbLink] = field(default_factory=list)
    procs: dict[ProcKey, Process] = field(default_factory=dict)
    hosts: dict[str, set[str]] = field(default_factory=dict)  # name -> addresses


@dataclass(frozen=True)
class Moment:
    """On the map at `start` (== `end`), or at some time of [start, end]."""

    start: float
    end: float
    latest: bool  # the newest moment: a link's last sighting decides alone

    def holds(self, seen: Presence, ttl: float) -> bool:
        if self.latest:
            return seen.last + ttl >= self.start
        if self.start == self.end:
            return seen.alive_at(self.start, ttl)
        return seen.alive_within(self.start, self.end, ttl)


def _links(graph: Graph, when: Moment, owned: Owned) -> list[TcpLink]:
    ttl = graph.ttl
    shown: list[TcpLink] = []
    supersede: set[tuple[str, str, str, str]] = set()
    inbound: list[TcpLink] = []
    # The newest moment is asked most: its test inlined (a third of the time on 50,000 links).
    since = when.start - ttl if when.latest else None
    for link in graph.links.values():
        if since is not None:
            if link.seen.last < since:
                continue
        elif not when.holds(link.seen, ttl):
            continue
        client, server = link.client, link.server
        if not ((client and owned(client[0])) or (server and owned(server[0]))):
            continue
        if client is None:
            inbound.append(link)
            continue
        supersede.add(link.conn)
        shown.append(link)
    # A connection reported by both ends is the client's link; the server-only one is hidden.
    return shown + [link for link in inbound if link.conn not in supersede]


def take(graph: Graph, when: Moment, owned: Owned = everyone) -> Picture:
    """The picture at `when` of the links touching the user's hosts (and the processes and hosts at
    their two ends). Call with the graph's lock held."""
    ttl = graph.ttl
    pic = Picture(links=_links(graph, when, owned))
    for link in pic.links:
        for end in (link.client, link.server):
            if end is not None and end not in pic.procs and end in graph.procs:
                pic.procs[end] = graph.procs[end]
    for key, proc in graph.procs.items():
        if key not in pic.procs and owned(key[0]) and when.holds(proc.seen, ttl):
            pic.procs[key] = proc
    for lb in graph.lbs.values():
        if owned(lb.host) and when.holds(lb.seen, ttl):
            pic.lbs.append(lb)
    for host in {key[0] for key in pic.procs} | {lb.host for lb in pic.lbs}:
        found = graph.hosts.get(host)
        pic.hosts[host] = set(found.addresses) if found else set()
    return pic
