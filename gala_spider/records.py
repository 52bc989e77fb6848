"""One gala_gopher record into the map: checked field by field, filtered, joined."""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from operator import itemgetter
from types import FunctionType
from typing import Any

from mypy_extensions import mypyc_attr
from orjson import loads

from aops_utils import jsonio
from aops_utils.contracts.link_tables import DNSMASQ_LINK
from aops_utils.contracts.link_tables import LVS_LINK
from aops_utils.contracts.link_tables import TCP_IDENTITY
from aops_utils.contracts.link_tables import TCP_LINK
from aops_utils.contracts.link_tables import TCP_METRICS
from aops_utils.contracts.link_tables import UNKNOWN
from aops_utils.jsonio import decoded_keys
from gala_spider.graph import Graph
from gala_spider.model import METRIC_COUNT
from gala_spider.model import Conn
from gala_spider.model import Host
from gala_spider.model import Listener
from gala_spider.model import Process
from gala_spider.model import TcpLink
from gala_spider.model import is_local
from gala_spider.wire import IDENTITY_NAMES
from gala_spider.wire import Shape
from gala_spider.wire import fields
from gala_spider.wire import read

# A record stamped later than this past its arrival is refused: its clock is wrong, and it
# would keep its links on the map for as long.
FUTURE_SLACK = 300.0
DNS_PORT = "53"


class Skipped(Exception):
    """A record that is not used, and why (a log line and a counter per reason)."""

    def __init__(self, reason: str, kind: str = "malformed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # malformed, foreign (a table not read), excluded ([option]) or error (ours)


@dataclass(frozen=True)
class Filters:
    tables: frozenset[str]
    exclude_addr: frozenset[str]
    exclude_process: frozenset[str]


def _text(value: dict[str, Any], name: str) -> str:
    found = value.get(name)
    if type(found) is not str or not found:
        raise Skipped(f"{name} is missing or not a non-empty string")
    return found


def _count(value: dict[str, Any], name: str) -> int:
    raw = value.get(name)
    if raw == UNKNOWN or raw is None:
        return 0
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Skipped(f"{name} is not a whole number: {str(raw)[:40]!r}") from None


def _when(value: dict[str, Any], now: float) -> float:
    stamp = value.get("timestamp")
    if type(stamp) is not int or stamp <= 0:
        raise Skipped("timestamp is missing or not a positive whole number of milliseconds")
    t = stamp / 1000
    if t > now + FUTURE_SLACK:
        raise Skipped(f"timestamp {stamp} is more than {FUTURE_SLACK:.0f} s ahead of this host's clock")
    return t


def ingest(graph: Graph, value: dict[str, Any], filters: Filters, now: float | None = None) -> None:
    """Add one record's facts to `graph`; Skipped says why a record is not used."""
    for _, skip in ingest_batch(graph, [value], filters, time.time() if now is None else now):
        raise skip


def _ingest_new(
    graph: Graph, value: dict[str, Any], filters: Filters, now: float, shape: Shape | None = None
) -> None:
    """ingest() of a record that is not a known tcp_link one; `shape`, what wire.read found when
    it is in the probe's shape."""
    table = value.get("table_name")
    if table not in filters.tables:
        raise Skipped(f"table {str(table)[:40]!r} is not read ([table_info])", "foreign")
    t = _when(value, now)
    host = _text(value, "hostname")
    if table == TCP_LINK:
        _tcp(graph, value, filters, host, t, shape=shape)
    elif table == DNSMASQ_LINK:
        _dnsmasq(graph, value, filters, host, t)
    else:
        _balancer(graph, value, filters, host, t)


# The fields that say which objects of the map a tcp_link record touches (the rest are its time
# and counters), and its counters: read in one call each (a third of the time of a loop of gets).
_PLAN_FIELDS = ("hostname", *TCP_IDENTITY)
_plan_fields = itemgetter(*decoded_keys(*_PLAN_FIELDS))
_metric_fields = itemgetter(*decoded_keys(*TCP_METRICS))
_TIMESTAMP, _TABLE_NAME = decoded_keys("timestamp", "table_name")
_TIMESTAMP_KEY = b'"timestamp"'
_IDENTITY_KEYS = decoded_keys(*IDENTITY_NAMES)
# wire.read is a loop over a record's bytes: compiled, a fraction of decoding it; run as Python
# (no build, scripts/build_native.py), several times slower, so every record is decoded then.
_READ_BYTES = not isinstance(read, FunctionType)


def _metrics(value: dict[str, Any]) -> tuple[int, ...] | None:
    """A tcp_link record's counters when each is a text of decimal digits (as 21.09's probe
    writes them), else None (the caller's int() of each then decides)."""
    try:
        texts: tuple[Any, ...] = _metric_fields(value)
        # Eight, as TCP_METRICS (Sample.add unpacks them alike); written out, as a comprehension
        # would build a list first.
        return (
            _digits(texts[0]),
            _digits(texts[1]),
            _digits(texts[2]),
            _digits(texts[3]),
            _digits(texts[4]),
            _digits(texts[5]),
            _digits(texts[6]),
            _digits(texts[7]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _digits(text: str) -> int:
    """int() of a text of decimal digits, else ValueError. Compiled, this loop is about a quarter
    of int()'s instructions, whose generic conversion was a third of a known record's join
    (bench/README.md, session 13)."""
    if not text:
        raise ValueError(text)
    number = 0
    for char in text:
        digit = ord(char) - 48
        if digit < 0 or digit > 9:
            raise ValueError(text)
        number = number * 10 + digit
    return number


def _plan_key(value: dict[str, Any]) -> tuple[Any, ...]:
    try:
        return _plan_fields(value)  # type: ignore[no-any-return]
    except KeyError:  # protocol is optional (and a missing field must still make a key)
        return tuple(value.get(name) for name in _PLAN_FIELDS)


@mypyc_attr(acyclic=True)
@dataclass(slots=True)
class _Plan:
    """The objects of the map a known tcp_link record touches: the client's record has its link,
    the server's its listener and the links of its connection."""

    host: Host
    proc: Process
    link: TcpLink | None
    listener: Listener | None
    conn_links: list[TcpLink] | None
    conn: Conn
    family: str


class _Known:
    """The short way of a tcp_link record whose identifying fields equal those of one already
    joined: checked and filtered then, it touches the same objects, so only its time and counters
    are read (a third of the work of a new one; bench_topology.py). What it reads of the map is
    looked up once per batch (a consumer's batch is thousands of records, nearly all known)."""

    __slots__ = ("dirty", "graph", "latest", "listeners", "plans", "ttl")

    def __init__(self, graph: Graph, filters: Filters, now: float) -> None:
        if graph.plans_filters is not filters:
            graph.plans.clear()
            graph.plans_filters = filters
        self.graph = graph
        self.plans = graph.plans
        self.listeners = graph.listeners
        self.dirty = graph.dirty
        self.ttl = graph.ttl
        self.latest = (now + FUTURE_SLACK) * 1000  # the newest stamp taken, in milliseconds

    def join_shape(self, shape: Shape) -> bool:
        """join() of a record read from its bytes (wire.py), its plan keyed by its identity's."""
        plan: _Plan | None = self.plans.get(shape.identity)
        stamp = shape.stamp
        if plan is None or stamp <= 0 or stamp > self.latest:
            return False
        listener = plan.listener
        if listener is not None and self.listeners.get(listener.endpoint) is not listener:
            return False  # the endpoint changed hands: Graph.serve decides
        self._apply(plan, stamp, shape.metrics)
        return True

    def join(self, value: dict[str, Any]) -> bool:
        plan: _Plan | None
        try:
            plan = self.plans.get(_plan_key(value))
        except TypeError:  # a field that is a list or an object: the full check names it
            return False
        stamp = value.get(_TIMESTAMP)
        if plan is None or type(stamp) is not int or stamp <= 0 or stamp > self.latest:
            return False
        metrics = _metrics(value)
        if metrics is None:
            return False
        listener = plan.listener
        if listener is not None and self.listeners.get(listener.endpoint) is not listener:
            return False  # the endpoint changed hands: Graph.serve decides
        self._apply(plan, stamp, metrics)
        return True

    def _apply(self, plan: _Plan, stamp: int, metrics: tuple[int, ...]) -> None:
        """What _tcp does with a record of `plan`, without looking its objects up; touch() of the
        newest sighting again changes nothing (most records of a round share it)."""
        host, proc, link = plan.host, plan.proc, plan.link
        t = stamp / 1000
        ttl = self.ttl
        dirty = self.dirty
        seen = host.seen
        if t != seen.last:
            seen.touch(t, ttl)
        dirty.hosts.add(host.name)
        seen = proc.seen
        if t != seen.last:
            seen.touch(t, ttl)
        dirty.procs.add(proc.key)
        graph = self.graph
        if link is not None:  # the client's record
            seen = link.seen
            if t != seen.last:
                seen.touch(t, ttl)
            if t >= seen.last:
                link.metrics = metrics
            graph.changed(link)
        else:  # the server's, as Graph.serve and _tcp join it
            listener, conn_links = plan.listener, plan.conn_links
            assert listener is not None and conn_links is not None
            listener.last_seen = max(listener.last_seen, t)
            dirty.listeners.add(listener.endpoint)
            for known in conn_links:
                if known.client is not None:
                    return
            metrics = _turned(metrics)
            link = graph.tcp_link(plan.conn, None, plan.family, t, metrics)
        # The stamp made from t as _tcp makes it (a sample counts a stamp once: a replayed record
        # must make the same one).
        graph.sample(link, int(t * 1000), metrics)


def ingest_batch(
    graph: Graph, values: Sequence[dict[str, Any]], filters: Filters, now: float
) -> list[tuple[int, Skipped]]:
    """ingest() of each of `values` in order; the records skipped, by their index, and why."""
    known = _Known(graph, filters, now)
    skipped: list[tuple[int, Skipped]] = []
    for i, value in enumerate(values):
        if value.get(_TABLE_NAME) == TCP_LINK and known.join(value):
            continue
        try:
            _ingest_new(graph, value, filters, now)
        except Skipped as skip:
            skipped.append((i, skip))
    return skipped


def ingest_raw_batch(
    graph: Graph, payloads: Sequence[bytes], filters: Filters, now: float
) -> list[tuple[int, Skipped]]:
    """ingest_batch() of records as they came (JSON texts): a known tcp_link record in the probe's
    shape is joined from its bytes (wire.py), any other is decoded first."""
    known = _Known(graph, filters, now)
    skipped: list[tuple[int, Skipped]] = []
    for i, raw in enumerate(payloads):
        shape = read(raw) if _READ_BYTES else None
        if shape is not None and known.join_shape(shape):
            continue
        # Any: what the decoder makes is checked below (typed, the compiled code would check it
        # here and raise on a list).
        value: Any = None if shape is None else _shaped(shape)
        if value is None:
            try:
                value = loads(raw)  # jsonio.decode's first step, without a Python call a record
            except ValueError:
                value = _decoded(raw)
        if type(value) is not dict:
            skipped.append((i, Skipped("the value is not a JSON object")))
            continue
        # A record read in the probe's shape has its plan under its identity's bytes (_keep).
        if shape is None and value.get(_TABLE_NAME) == TCP_LINK and known.join(value):
            continue
        try:
            _ingest_new(graph, value, filters, now, shape)
        except Skipped as skip:
            skipped.append((i, skip))
    return skipped


def _shaped(shape: Shape) -> dict[str, Any] | None:
    """A tcp_link record read in the probe's shape as decoding it makes it, without its counters
    (taken from the shape), when its identity's values are plain text (wire.fields); else None."""
    values = fields(shape.identity)
    if values is None:
        return None
    value: dict[str, Any] = {_TIMESTAMP: shape.stamp, _TABLE_NAME: TCP_LINK}
    value.update(zip(_IDENTITY_KEYS, values, strict=True))
    return value


def _decoded(raw: bytes) -> Any:
    """jsonio.decode() of a text orjson refused (past its depth limit, the iterative parser),
    None when it is not JSON."""
    try:
        return jsonio.decode(raw)
    except (ValueError, TypeError):  # orjson's and, past its depth limit, json's errors
        return None


def _keep(graph: Graph, value: dict[str, Any], plan: _Plan | None, identity: bytes | None) -> None:
    """Remember the plan of a tcp_link record just joined (see _Known): the objects it touched,
    by its identity's bytes when it was read in the probe's shape (wire.read), else by its
    identifying fields. A record of those bytes decodes to what this one did, but for its stamp
    and counters, which wire.read takes from around them; unless the identity also holds a
    "timestamp", which would stand in for the stamp before it: such a record is not kept."""
    if plan is None:
        return
    if identity is not None:
        if _TIMESTAMP_KEY not in identity:  # else joined in full each time
            graph.plans[identity] = plan
        return
    # A protocol that is a list or an object: such a record is joined in full each time.
    with suppress(TypeError):
        graph.plans[_plan_key(value)] = plan


def _server_plan(graph: Graph, host: Host, proc: Process, conn: Conn, family: str) -> _Plan | None:
    endpoint = (conn[0], conn[2], conn[3])
    listener, conn_links = graph.listeners.get(endpoint), graph.by_conn.get(conn)
    if listener is None or listener.proc != proc.key or conn_links is None:
        return None  # a late record of an earlier server: joined in full each time
    return _Plan(host, proc, None, listener, conn_links, conn, family)


def _excluded(filters: Filters, *addresses: str) -> None:
    for address in addresses:
        if address in filters.exclude_addr:
            raise Skipped(f"address {address} is in exclude_addr", "excluded")


def _tcp(
    graph: Graph, value: dict[str, Any], filters: Filters, host: str, t: float, *, shape: Shape | None
) -> None:
    name = _text(value, "process_name")
    if name in filters.exclude_process:
        raise Skipped(f"process {name} is in exclude_process", "excluded")
    pid, role = _text(value, "pid"), value.get("role")
    client_ip, server_ip = _text(value, "client_ip"), _text(value, "server_ip")
    port = _text(value, "server_port")
    _excluded(filters, client_ip, server_ip)
    # Read from the bytes already (the probe's records), else every counter given (the usual
    # record) at once, else field by field, naming the bad one.
    identity = None if shape is None else shape.identity
    metrics = (
        shape.metrics
        if shape is not None
        else _metrics(value) or tuple(_count(value, n) for n in TCP_METRICS)
    )
    scope = host if is_local(client_ip, server_ip) else ""
    conn = (scope, client_ip, server_ip, port)
    proc = (host, pid, name)
    family = str(value.get("protocol") or "")
    if role == "1":
        seen_host, seen_proc = graph.host(host, client_ip, t), graph.proc(proc, t)
        link = graph.tcp_link(conn, proc, family, t, metrics)
        graph.sample(link, int(t * 1000), metrics)
        _keep(graph, value, _Plan(seen_host, seen_proc, link, None, None, conn, family), identity)
    elif role == "0":
        seen_host, seen_proc = graph.host(host, server_ip, t), graph.proc(proc, t)
        graph.serve((scope, server_ip, port), proc, t)
        # Counted on the link only when no probe reports its client (else that one counts).
        if not any(link.client is not None for link in graph.by_conn.get(conn, ())):
            metrics = _turned(metrics)
            graph.sample(graph.tcp_link(conn, None, family, t, metrics), int(t * 1000), metrics)
        _keep(graph, value, _server_plan(graph, seen_host, seen_proc, conn, family), identity)
    else:
        raise Skipped(f"role {str(role)[:10]!r} is neither 0 (server) nor 1 (client)")


def _turned(metrics: tuple[int, ...]) -> tuple[int, ...]:
    """The server's counters, turned to the client's side."""
    rx, tx, out, inn = metrics[2], metrics[1], metrics[4], metrics[3]
    return (metrics[0], rx, tx, out, inn, metrics[5], metrics[6], metrics[7])


def _counted(link_count: int) -> tuple[int, ...]:
    """The metrics of a link whose record gives only its connection count (the rest zero)."""
    return (link_count,) + (0,) * (METRIC_COUNT - 1)


def _dnsmasq(graph: Graph, value: dict[str, Any], filters: Filters, host: str, t: float) -> None:
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


def _balancer(graph: Graph, value: dict[str, Any], filters: Filters, host: str, t: float) -> None:
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
