"""One gala_gopher record into the map: checked field by field, filtered, joined."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aops_utils.contracts.link_tables import DNSMASQ_LINK
from aops_utils.contracts.link_tables import LVS_LINK
from aops_utils.contracts.link_tables import TCP_LINK
from aops_utils.contracts.link_tables import TCP_METRICS
from aops_utils.contracts.link_tables import UNKNOWN
from gala_spider.graph import Graph
from gala_spider.model import METRIC_COUNT
from gala_spider.model import is_local

# A record stamped later than this past its arrival is refused: its clock is wrong, and it
# would keep its links on the map for as long.
FUTURE_SLACK = 300.0
DNS_PORT = "53"


class Skipped(Exception):
    """A record that is not used, and why (a log line and a counter per reason)."""

    def __init__(self, reason: str, kind: str = "malformed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # malformed, foreign (a table not read) or excluded ([option])


@dataclass(frozen=True)
class Filters:
    tables: frozenset[str]
    exclude_addr: frozenset[str]
    exclude_process: frozenset[str]


def _text(value: Mapping[str, Any], name: str) -> str:
    found = value.get(name)
    if type(found) is not str or not found:
        raise Skipped(f"{name} is missing or not a non-empty string")
    return found


def _count(value: Mapping[str, Any], name: str) -> int:
    raw = value.get(name)
    if raw == UNKNOWN or raw is None:
        return 0
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Skipped(f"{name} is not a whole number: {str(raw)[:40]!r}") from None


def _when(value: Mapping[str, Any], now: float) -> float:
    stamp = value.get("timestamp")
    if type(stamp) is not int or stamp <= 0:
        raise Skipped("timestamp is missing or not a positive whole number of milliseconds")
    t = stamp / 1000
    if t > now + FUTURE_SLACK:
        raise Skipped(f"timestamp {stamp} is more than {FUTURE_SLACK:.0f} s ahead of this host's clock")
    return t


def ingest(graph: Graph, value: Mapping[str, Any], filters: Filters, now: float | None = None) -> None:
    """Add one record's facts to `graph`; Skipped says why a record is not used."""
    table = value.get("table_name")
    if table not in filters.tables:
        raise Skipped(f"table {str(table)[:40]!r} is not read ([table_info])", "foreign")
    t = _when(value, time.time() if now is None else now)
    host = _text(value, "hostname")
    if table == TCP_LINK:
        _tcp(graph, value, filters, host, t)
    elif table == DNSMASQ_LINK:
        _dnsmasq(graph, value, filters, host, t)
    else:
        _balancer(graph, value, filters, host, t)


def _excluded(filters: Filters, *addresses: str) -> None:
    for address in addresses:
        if address in filters.exclude_addr:
            raise Skipped(f"address {address} is in exclude_addr", "excluded")


def _tcp(graph: Graph, value: Mapping[str, Any], filters: Filters, host: str, t: float) -> None:
    name = _text(value, "process_name")
    if name in filters.exclude_process:
        raise Skipped(f"process {name} is in exclude_process", "excluded")
    pid, role = _text(value, "pid"), value.get("role")
    client_ip, server_ip = _text(value, "client_ip"), _text(value, "server_ip")
    port = _text(value, "server_port")
    _excluded(filters, client_ip, server_ip)
    try:
        # Every counter given (the usual record): one pass; else field by field, naming the bad one.
        metrics = tuple([int(value[n]) for n in TCP_METRICS])
    except (KeyError, TypeError, ValueError):
        metrics = tuple(_count(value, n) for n in TCP_METRICS)
    scope = host if is_local(client_ip, server_ip) else ""
    conn = (scope, client_ip, server_ip, port)
    proc = (host, pid, name)
    family = str(value.get("protocol") or "")
    if role == "1":
        graph.host(host, client_ip, t)
        graph.proc(proc, t)
        link = graph.tcp_link(conn, proc, family, t, metrics)
    elif role == "0":
        graph.host(host, server_ip, t)
        graph.proc(proc, t)
        graph.serve((scope, server_ip, port), proc, t)
        # The server's counters, turned to the client's side.
        rx, tx, out, inn = metrics[2], metrics[1], metrics[4], metrics[3]
        turned = (metrics[0], rx, tx, out, inn, metrics[5], metrics[6], metrics[7])
        # Counted on the link only when no probe reports its client (else that one counts).
        clients = [link for link in graph.by_conn.get(conn, ()) if link.client is not None]
        if clients:
            return
        link = graph.tcp_link(conn, None, family, t, turned)
        metrics = turned
    else:
        raise Skipped(f"role {str(role)[:10]!r} is neither 0 (server) nor 1 (client)")
    graph.sample(link, int(t * 1000), metrics)


def _counted(link_count: int) -> tuple[int, ...]:
    """The metrics of a link whose record gives only its connection count (the rest zero)."""
    return (link_count,) + (0,) * (METRIC_COUNT - 1)


def _dnsmasq(graph: Graph, value: Mapping[str, Any], filters: Filters, host: str, t: float) -> None:
    """A DNS query answered by dnsmasq: a link from the client to dnsmasq's port 53 (21.09 read
    none of them)."""
    client_ip, dns_ip = _text(value, "client_ip"), _text(value, "virtual_ip")
    _excluded(filters, client_ip, dns_ip)
    proc = (host, _text(value, "pid"), _text(value, "process_comm"))
    scope = host if is_local(client_ip, dns_ip) else ""
    graph.host(host, dns_ip, t)
    graph.proc(proc, t)
    graph.serve((scope, dns_ip, DNS_PORT), proc, t)
    count = _count(value, "link_count")
    graph.tcp_link(
        (scope, client_ip, dns_ip, DNS_PORT), None, str(value.get("family") or ""), t, _counted(count)
    )


def _balancer(graph: Graph, value: Mapping[str, Any], filters: Filters, host: str, t: float) -> None:
    table = str(value.get("table_name"))
    client_ip, virtual_ip = _text(value, "client_ip"), _text(value, "virtual_ip")
    server_ip = _text(value, "server_ip")
    if table == LVS_LINK:
        local_ip = _text(value, "local_ip")
        name = str(value.get("process_name") or "ipvs")
    else:
        local_ip, name = virtual_ip, table.split("_", 1)[0]
    if table == LVS_LINK and "link_count" not in value:
        # 21.09's probe: nine values shifted into the meta's names (section 3.5).
        vport, rport = _text(value, "server_port"), _text(value, "virtual_port")
        count = _count(value, "family")
    else:
        vport, rport = _text(value, "virtual_port"), _text(value, "server_port")
        count = _count(value, "link_count")
    _excluded(filters, client_ip, virtual_ip, local_ip, server_ip)
    fields = {
        "process_name": name,
        "client_ip": client_ip,
        "virtual_ip": virtual_ip,
        "virtual_port": vport,
        "local_ip": local_ip,
        "server_ip": server_ip,
        "server_port": rport,
    }
    graph.host(host, virtual_ip, t)
    graph.lb_link(table, host, fields, count, t)
    if table == LVS_LINK:
        # The director answers on the virtual address, and reaches the real server from its
        # local address: the links through it join at both ends (21.09 did the same).
        director = (host, "0", name)
        graph.proc(director, t)
        graph.serve(("", virtual_ip, vport), director, t)
        graph.tcp_link(("", local_ip, server_ip, rport), director, "", t, _counted(count))
