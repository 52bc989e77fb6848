"""A host's neighbours on the topology map, with their abnormal check results in a slice.

gala_spider keeps the map in the document store (aops_utils.contracts.topology names its indices
and fields); this reads it back for diagnosis reports. A neighbour of host H in [start, end] is
another of the user's hosts at the other end of a TCP link that touches H and was on the map at
some moment of the window. The map's hosts are the probes' hostnames; one is a user's host when
its name is the host's name or it showed the host's public_ip as its own (gala_spider's rule for
who sees what). An end no probe reported (a client without a probe, a server not heard from yet)
is matched by its address alone. Only the user's own hosts are neighbours: a link to anything else
is not shown, so no other user's host, name or address reaches the report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from aops_database.services import hosts as host_service
from aops_database.services.abnormal import ABNORMAL_INDEX
from aops_database.services.check_results import RESULT_INDEX
from aops_database.services.check_results import ResultStores
from aops_utils.contracts.checks import Value
from aops_utils.contracts.data_center.diagnosis import MAX_NEIGHBOUR_LINKS
from aops_utils.contracts.data_center.diagnosis import MAX_NEIGHBOUR_RESULTS
from aops_utils.contracts.data_center.diagnosis import MAX_NEIGHBOURS
from aops_utils.contracts.topology import CLIENT
from aops_utils.contracts.topology import CLIENT_HOST
from aops_utils.contracts.topology import CLIENT_IP
from aops_utils.contracts.topology import ENTITIES_INDEX
from aops_utils.contracts.topology import FIRST_SEEN
from aops_utils.contracts.topology import HOST_ADDRESSES
from aops_utils.contracts.topology import HOST_KIND
from aops_utils.contracts.topology import HOST_NAME
from aops_utils.contracts.topology import KIND
from aops_utils.contracts.topology import LAST_SEEN
from aops_utils.contracts.topology import LINKS_INDEX
from aops_utils.contracts.topology import MAX_TTL
from aops_utils.contracts.topology import SCOPE
from aops_utils.contracts.topology import SERVER
from aops_utils.contracts.topology import SERVER_HOST
from aops_utils.contracts.topology import SERVER_IP
from aops_utils.contracts.topology import SERVER_PORT
from aops_utils.contracts.topology import SPANS
from aops_utils.contracts.topology import TCP_KIND
from aops_utils.contracts.topology import TTL
from aops_utils.contracts.topology import is_loopback
from aops_utils.contracts.topology import on_map_within
from aops_utils.db import RelationalStore
from aops_utils.docstore import DocumentStore
from aops_utils.docstore.protocol import Filter
from aops_utils.docstore.protocol import GroupBy
from aops_utils.docstore.protocol import Range
from aops_utils.docstore.protocol import Slice
from aops_utils.docstore.protocol import SortKey
from aops_utils.docstore.protocol import Term
from aops_utils.docstore.protocol import Terms

# What a report's section says (its `status`).
FOUND = "found"  # some neighbours
NONE = "none"  # the map knows the host, but no link of the slice leads to another of the user's hosts
NO_TOPOLOGY = "no_topology"  # the map knows nothing of the host
UNKNOWN_HOST = "unknown_host"  # not one of the user's hosts (deleted since, or never theirs)
FIRST = Slice(0, MAX_NEIGHBOUR_RESULTS)
RESULT_FIELDS = ("check_item", "value", "series", "start", "end", "description", "reason")


@dataclass(frozen=True, slots=True)
class UserHost:
    host_id: str
    host_name: str
    public_ip: str


@dataclass(slots=True)
class Map:
    """The parts of the map the slices need: its hosts' addresses and the links touching them."""

    addresses: dict[str, set[str]]
    links: list[dict[str, Any]]
    # The user's hosts each map host stands for, and the map hosts each user host is.
    owners: dict[str, set[str]] = field(default_factory=dict)

    def users_of_end(self, host: str | None, ip: str, by_ip: dict[str, str]) -> set[str]:
        """The user's hosts (ids) one end of a link is: by the map host, else by its address."""
        if host is not None:
            return self.owners.get(host, set())
        found = by_ip.get(ip) if not is_loopback(ip) else None
        return {found} if found else set()


def neighbours(
    store: RelationalStore,
    docs: DocumentStore,
    results: ResultStores,
    username: str,
    slices: Sequence[tuple[str, float, float]],
) -> list[dict[str, Any]]:
    """One section per (host id, start, end), in order: see the module's docstring."""
    mine = [
        UserHost(r["host_id"], r["host_name"], r["public_ip"])
        for r in host_service.basic_info(store, username, [])
    ]
    by_id = {h.host_id: h for h in mine}
    by_ip = {h.public_ip: h.host_id for h in mine}
    wanted = [by_id[host_id] for host_id in dict.fromkeys(s[0] for s in slices) if host_id in by_id]
    earliest = min((s[1] for s in slices), default=0.0)
    topology = _read_map(docs, mine, wanted, earliest)
    sections = [_section(topology, by_id, by_ip, one) for one in slices]
    _add_results(results, username, sections)
    return [section.json() for section in sections]


def _read_map(docs: DocumentStore, mine: list[UserHost], wanted: list[UserHost], earliest: float) -> Map:
    """The map's hosts, and its TCP links that may touch the wanted hosts since `earliest`."""
    addresses: dict[str, set[str]] = {}
    for hit in docs.search(ENTITIES_INDEX, [Term(KIND, HOST_KIND)]).hits:
        name = hit.source.get(HOST_NAME)
        if isinstance(name, str):
            addresses[name] = {str(a) for a in hit.source.get(HOST_ADDRESSES) or ()}
    topology = Map(addresses, [])
    for name, own in addresses.items():
        topology.owners[name] = {h.host_id for h in mine if h.host_name == name or h.public_ip in own}
    names = tuple(sorted({m for m, users in topology.owners.items() for h in wanted if h.host_id in users}))
    ips = tuple(sorted({h.public_ip for h in wanted if not is_loopback(h.public_ip)}))
    # A link last seen more than the largest ttl before the window was not on the map in it.
    since: list[Filter] = [Term(KIND, TCP_KIND), Range(LAST_SEEN, gte=earliest - MAX_TTL)]
    found: dict[str, dict[str, Any]] = {}
    # The filters of one search are ANDed: one search per way a link can touch the hosts.
    for key, values in ((CLIENT_HOST, names), (SERVER_HOST, names), (CLIENT_IP, ips), (SERVER_IP, ips)):
        if values:
            for hit in docs.search(LINKS_INDEX, [*since, Terms(key, values)], [SortKey(LAST_SEEN)]).hits:
                found[hit.id] = {**hit.source, "id": hit.id}
    topology.links = list(found.values())
    return topology


@dataclass(slots=True)
class _Neighbour:
    host: UserHost
    links: list[dict[str, Any]] = field(default_factory=list)
    abnormal: list[dict[str, Any]] = field(default_factory=list)
    abnormal_count: int = 0

    def json(self) -> dict[str, Any]:
        links = sorted(self.links, key=lambda link: (-link["last_seen"], link["link_id"]))
        return {
            "host_id": self.host.host_id,
            "host_name": self.host.host_name,
            "public_ip": self.host.public_ip,
            "link_count": len(links),
            "links": links[:MAX_NEIGHBOUR_LINKS],
            "abnormal_count": self.abnormal_count,
            "abnormal": self.abnormal,
        }


@dataclass(slots=True)
class _Section:
    host_id: str
    start: float
    end: float
    status: str
    found: dict[str, _Neighbour] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        ranked = sorted(
            self.found.values(), key=lambda n: (-n.abnormal_count, n.host.host_name, n.host.host_id)
        )
        shown = ranked[:MAX_NEIGHBOURS]
        return {
            "status": self.status,
            "text": _text(self.status, len(ranked), len(shown)),
            "total": len(ranked),
            "limit": MAX_NEIGHBOURS,
            "hosts": [n.json() for n in shown],
        }


def _text(status: str, total: int, shown: int) -> str:
    if status == UNKNOWN_HOST:
        return "not one of your hosts: no neighbours are looked up"
    if status == NO_TOPOLOGY:
        return "no topology data: gala-spider has no record of this host (does gala-gopher run there?)"
    if status == NONE:
        return "no link of this host in the slice leads to another of your hosts"
    more = f", the {shown} with the most abnormal results shown" if shown < total else ""
    return f"{total} neighbour{'s' if total != 1 else ''} linked in the slice{more}"


def _section(
    topology: Map, by_id: dict[str, UserHost], by_ip: dict[str, str], one: tuple[str, float, float]
) -> _Section:
    host_id, start, end = one
    host = by_id.get(host_id)
    if host is None:
        return _Section(host_id, start, end, UNKNOWN_HOST)
    known = any(host_id in users for users in topology.owners.values())
    section = _Section(host_id, start, end, NONE)
    inside = {link["id"] for link in topology.links if _on_map(link, start, end)}
    # As gala_spider shows it: a connection seen from both ends is its client's link alone.
    both_ends = {_conn(link) for link in topology.links if link["id"] in inside and link.get(CLIENT)}
    for link in topology.links:
        client_host, server_host = link.get(CLIENT_HOST), link.get(SERVER_HOST)
        client_ip, server_ip = str(link.get(CLIENT_IP) or ""), str(link.get(SERVER_IP) or "")
        clients = topology.users_of_end(client_host, client_ip, by_ip)
        servers = topology.users_of_end(server_host, server_ip, by_ip)
        if host_id in clients:
            others, direction = servers - {host_id}, "outgoing"
        elif host_id in servers:
            others, direction = clients - {host_id}, "incoming"
        else:
            continue
        # An address of the host on a link counts as a sighting of it even without its own probe.
        known = True
        if not others or link["id"] not in inside or (not link.get(CLIENT) and _conn(link) in both_ends):
            continue
        for other in sorted(others):
            entry = section.found.setdefault(other, _Neighbour(by_id[other]))
            entry.links.append(_link(link, direction))
    if section.found:
        section.status = FOUND
    elif not known:
        section.status = NO_TOPOLOGY
    return section


def _on_map(link: dict[str, Any], start: float, end: float) -> bool:
    spans = [[float(s), float(e)] for s, e in link.get(SPANS) or ()]
    return on_map_within(spans, float(link.get(TTL) or 0), start, end)


def _conn(link: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(link.get(key) or "") for key in (SCOPE, CLIENT_IP, SERVER_IP, SERVER_PORT))


def _end(proc: Any, ip: str, port: Any = None) -> dict[str, Any]:
    end: dict[str, Any] = {"ip": ip}
    if port is not None:
        end["port"] = int(port) if str(port).isdigit() else port
    if isinstance(proc, list) and len(proc) == 3:
        end.update(host=proc[0], pid=proc[1], process=proc[2])
    else:
        end.update(host=None, pid=None, process=None)
    return end


def _link(link: dict[str, Any], direction: str) -> dict[str, Any]:
    return {
        "link_id": link["id"],
        "direction": direction,
        "client": _end(link.get(CLIENT), str(link.get(CLIENT_IP) or "")),
        "server": _end(link.get(SERVER), str(link.get(SERVER_IP) or ""), link.get(SERVER_PORT)),
        "first_seen": link.get(FIRST_SEEN),
        "last_seen": link.get(LAST_SEEN),
    }


def _add_results(results: ResultStores, username: str, sections: list[_Section]) -> None:
    """Each neighbour's abnormal results in its section's slice: one query per distinct slice
    over the neighbours of every host diagnosed in it."""
    by_slice: dict[tuple[float, float], list[_Section]] = defaultdict(list)
    for section in sections:
        if section.found:
            by_slice[(section.start, section.end)].append(section)
    for (start, end), group in by_slice.items():
        hosts = tuple(sorted({other for section in group for other in section.found}))
        found = _abnormal(results, username, hosts, start, end)
        for section in group:
            for other, entry in section.found.items():
                entry.abnormal_count, entry.abnormal = found.get(other, (0, []))


def _abnormal(
    results: ResultStores, username: str, hosts: Iterable[str], start: float, end: float
) -> dict[str, tuple[int, list[dict[str, Any]]]]:
    """Per host, how many abnormal results overlap the slice and the first of them by start.

    Counted and paged in the abnormal results' index (an indexed query whatever the document
    store), then read by id: a long slice of a flapping rule may hold thousands per host."""
    # A result's span overlaps the slice: the data center's rule for a time range.
    span: list[Filter] = [Range("start", lte=end), Range("end", gte=start)]
    mine: list[Filter] = [Term("username", username)]
    counts = results.abnormal.count_by(
        ABNORMAL_INDEX, [*mine, Terms("host_id", tuple(hosts)), *span], GroupBy("host_id")
    )
    keys = [SortKey("start"), SortKey("check_item"), SortKey("series"), SortKey("end")]
    first: dict[str, list[str]] = {}
    for host, _ in counts.counts:
        page = results.abnormal.search(ABNORMAL_INDEX, [*mine, Term("host_id", host), *span], keys, FIRST)
        first[host] = [hit.id for hit in page.hits]
    sources = results.docs.get_many(RESULT_INDEX, [doc_id for ids in first.values() for doc_id in ids])
    found: dict[str, tuple[int, list[dict[str, Any]]]] = {}
    for host, count in counts.counts:
        # A result replaced or deleted between the two reads is left out rather than shown with
        # another value (as /data/check/result/get does).
        rows = [sources.get(doc_id) for doc_id in first[host]]
        shown = [
            {name: row.get(name, "") for name in RESULT_FIELDS}
            for row in rows
            if row and row.get("value") == Value.ABNORMAL
        ]
        found[host] = (count, shown)
    return found
