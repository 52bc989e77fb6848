"""What the map holds: hosts, processes (host, pid, name), listening endpoints, TCP links and
load-balancer links, and per-link metrics summed per time bucket."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mypy_extensions import mypyc_attr

from aops_utils.contracts.link_tables import TCP_METRICS
from gala_spider.presence import Presence

ProcKey = tuple[str, str, str]  # host, pid, process name
# scope, ip, port: scope is the host for an address only that host can reach (loopback, or a
# link whose two ends share the address), "" for the network.
Endpoint = tuple[str, str, str]
Conn = tuple[str, str, str, str]  # scope, client ip, server ip, server port
METRIC_COUNT = len(TCP_METRICS)


def digest(*parts: str) -> str:
    """A stable short id for a key of strings."""
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=12).hexdigest()


def proc_id(key: ProcKey) -> str:
    """`host/pid/name` (a name may hold "/", so it comes last)."""
    return f"{key[0]}/{key[1]}/{key[2]}"


def is_local(client_ip: str, server_ip: str) -> bool:
    """A connection within one host: to itself, or over loopback (contracts.topology's
    is_loopback, written out: a call into interpreted Python for every new record)."""
    return client_ip == server_ip or client_ip.startswith("127.") or client_ip == "::1"


@mypyc_attr(acyclic=True)
@dataclass(slots=True)
class Host:
    name: str
    seen: Presence
    addresses: set[str] = field(default_factory=set)

    def doc(self) -> dict[str, Any]:
        return {"kind": "host", "name": self.name, "addresses": sorted(self.addresses), **self.seen.fields()}


@mypyc_attr(acyclic=True)
@dataclass(slots=True)
class Process:
    key: ProcKey
    seen: Presence

    def doc(self) -> dict[str, Any]:
        host, pid, name = self.key
        return {"kind": "process", "host": host, "pid": pid, "name": name, **self.seen.fields()}


@mypyc_attr(acyclic=True)
@dataclass(slots=True)
class Listener:
    """The process last seen serving an endpoint."""

    endpoint: Endpoint
    proc: ProcKey
    last_seen: float

    def doc(self) -> dict[str, Any]:
        scope, ip, port = self.endpoint
        return {
            "kind": "listener",
            "scope": scope,
            "ip": ip,
            "port": port,
            "proc": list(self.proc),
            "last_seen": self.last_seen,
        }


@mypyc_attr(acyclic=True)
@dataclass(slots=True)
class TcpLink:
    """A client process's connections to a server endpoint. `client` is None when only the server
    reported it (the client's host runs no probe); `server` is None until some record names the
    process serving the endpoint (a half-seen link)."""

    id: str
    conn: Conn
    client: ProcKey | None
    server: ProcKey | None
    family: str
    seen: Presence
    # The latest record's counters, in TCP_METRICS order, from the client's point of view.
    metrics: tuple[int, ...] = (0,) * METRIC_COUNT
    version: int = 0
    # 21.09's ids of its ends and itself, for the server they were made of (legacy.py).
    legacy: tuple[ProcKey, str, str, str] | None = field(default=None, compare=False, repr=False)
    # The sample of its last record's bucket, that the next record most likely adds to (Graph.sample).
    sample: Sample | None = field(default=None, compare=False, repr=False)

    def doc(self) -> dict[str, Any]:
        scope, client_ip, server_ip, port = self.conn
        return {
            "kind": "tcp",
            "scope": scope,
            "client_ip": client_ip,
            "server_ip": server_ip,
            "server_port": port,
            "client": list(self.client) if self.client else None,
            "server": list(self.server) if self.server else None,
            # The hosts again, on their own: a reader selects a host's links by them.
            "client_host": self.client[0] if self.client else None,
            "server_host": self.server[0] if self.server else None,
            "family": self.family,
            "metrics": list(self.metrics),
            **self.seen.fields(),
        }


# An lb link's fields after its id, as its document holds them: written and read by one list,
# so that the two cannot drift apart.
_LB_FIELDS = (
    "table",
    "host",
    "process_name",
    "client_ip",
    "virtual_ip",
    "virtual_port",
    "local_ip",
    "server_ip",
    "server_port",
)


@mypyc_attr(acyclic=True)
@dataclass(slots=True)
class LbLink:
    """What a load balancer (lvs, nginx, haproxy) on `host` forwards: client -> virtual ip:port
    -> server ip:port; `local_ip` is the address the balancer reaches the server from."""

    id: str
    table: str
    host: str
    process_name: str
    client_ip: str
    virtual_ip: str
    virtual_port: str
    local_ip: str
    server_ip: str
    server_port: str
    seen: Presence
    link_count: int = 0

    def doc(self) -> dict[str, Any]:
        return {
            "kind": "lb",
            **{name: getattr(self, name) for name in _LB_FIELDS},
            "link_count": self.link_count,
            **self.seen.fields(),
        }

    @classmethod
    def of(cls, doc: dict[str, Any]) -> LbLink:
        """The link a stored `doc()` (with its id) stands for."""
        return cls(
            id=doc["id"],
            **{name: doc[name] for name in _LB_FIELDS},
            seen=Presence.of(doc),
            link_count=int(doc.get("link_count") or 0),
        )


def _no_sums() -> list[int]:
    return [0] * (METRIC_COUNT + 1)


@mypyc_attr(acyclic=True)
@dataclass(slots=True)
class Sample:
    """A link's counters summed over one bucket; `stamps` are the records already counted, so a
    record delivered twice (a replay after a crash) counts once."""

    link_id: str
    t: int
    sums: list[int] = field(default_factory=_no_sums)
    stamps: set[int] = field(default_factory=set)
    # Its key in Graph.samples, made once: a record of its bucket adds to it without making one.
    key: tuple[str, int] = field(init=False, compare=False, repr=False)
    # A sample of a bucket that may be stored and no longer held (Graph.samples_from) keeps its
    # records: added to the stored sample (`over`), each counts once; its sums alone are partial.
    late: list[tuple[int, tuple[int, ...]]] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.key = (self.link_id, self.t)

    def add(self, stamp: int, metrics: tuple[int, ...]) -> bool:
        if stamp in self.stamps:
            return False
        self.stamps.add(stamp)
        if self.late is not None:
            self.late.append((stamp, metrics))
        sums = self.sums
        count, rx, tx, inn, out, retrans, lost, rtt = metrics
        sums[0] = max(sums[0], count)  # link_count: connections at once, not a total
        # Written out (not a loop over 1..6): a record of every link adds one, per round.
        sums[1] += rx
        sums[2] += tx
        sums[3] += inn
        sums[4] += out
        sums[5] += retrans
        sums[6] += lost
        # rtt: a mean weighted by the record's segments (sums[8] holds the weights).
        weight = max(inn + out, 1)
        sums[7] += rtt * weight
        sums[8] += weight
        return True

    def over(self, stored: Sample | None) -> Sample:
        """This late sample's records added to `stored`, the sample of its bucket as stored (a
        copy; a record it holds already counts once)."""
        merged = Sample(self.link_id, self.t)
        if stored is not None:
            merged.sums, merged.stamps = list(stored.sums), set(stored.stamps)
        for stamp, metrics in self.late or ():
            merged.add(stamp, metrics)
        return merged

    def values(self) -> dict[str, int]:
        s = self.sums
        rtt = s[7] // s[8] if s[8] else 0
        return dict(zip(TCP_METRICS, (*s[:7], rtt), strict=True))

    def doc(self) -> dict[str, Any]:
        return {"link_id": self.link_id, "t": self.t, "sums": self.sums, "stamps": sorted(self.stamps)}

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Sample:
        return cls(str(doc["link_id"]), int(doc["t"]), list(doc["sums"]), set(doc.get("stamps") or ()))
