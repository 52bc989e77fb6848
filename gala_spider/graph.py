"""The map in memory: what the records said, joined incrementally, with what changed since the
last time it was stored."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from aops_utils.contracts.topology import is_loopback
from gala_spider.model import METRIC_COUNT
from gala_spider.model import Conn
from gala_spider.model import Endpoint
from gala_spider.model import Host
from gala_spider.model import LbLink
from gala_spider.model import Listener
from gala_spider.model import Process
from gala_spider.model import ProcKey
from gala_spider.model import Sample
from gala_spider.model import TcpLink
from gala_spider.model import digest
from gala_spider.presence import Presence


@dataclass
class Dirty:
    """Keys changed since the last store."""

    hosts: set[str] = field(default_factory=set)
    procs: set[ProcKey] = field(default_factory=set)
    listeners: set[Endpoint] = field(default_factory=set)
    links: set[str] = field(default_factory=set)
    lbs: set[str] = field(default_factory=set)
    samples: set[tuple[str, int]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any((self.hosts, self.procs, self.listeners, self.links, self.lbs, self.samples))


class Graph:
    """Every method but the readers' runs under `lock`, taken by the consumer per batch; readers
    take it to copy what they need."""

    def __init__(self, ttl: float, metrics_interval: int) -> None:
        self.ttl = ttl
        self.bucket = metrics_interval
        self.lock = threading.Lock()
        self.hosts: dict[str, Host] = {}
        self.procs: dict[ProcKey, Process] = {}
        self.listeners: dict[Endpoint, Listener] = {}
        self.links: dict[str, TcpLink] = {}
        self.lbs: dict[str, LbLink] = {}
        self.samples: dict[tuple[str, int], Sample] = {}
        # Buckets that start before this may be stored and no longer (or not yet) held here: a
        # record of one makes a late Sample (model.Sample.late) whose write adds to the stored
        # one instead of replacing it (GraphStore.write).
        self.samples_from = -math.inf
        # Indexes: a link's id by its key, the links to an endpoint (resolved when its server is
        # learnt), the links of a connection.
        self.link_keys: dict[tuple[Conn, ProcKey | None], TcpLink] = {}
        self.by_endpoint: dict[Endpoint, list[TcpLink]] = {}
        self.by_conn: dict[Conn, list[TcpLink]] = {}
        self.dirty = Dirty()
        # Bumped by every change: the readers' cached views are rebuilt when it moved.
        self.version = 0
        # tcp_link records already joined, by their identifying fields (or those fields' bytes
        # as the probe writes them, wire.py): the objects they touch (records.py). A probe
        # repeats its links every few seconds, so nearly every record is a known one; emptied
        # when things are dropped or restored, since a plan holds the objects of that moment.
        self.plans: dict[object, Any] = {}
        self.plans_filters: object = None  # the filters the plans passed

    # --- changes ---------------------------------------------------------------------------

    def host(self, name: str, address: str, t: float) -> Host:
        found = self.hosts.get(name)
        if found is None:
            self.hosts[name] = found = Host(name, Presence(t))
        else:
            found.seen.touch(t, self.ttl)
        if address not in found.addresses and not is_loopback(address):
            found.addresses.add(address)
        self.dirty.hosts.add(name)
        return found

    def proc(self, key: ProcKey, t: float) -> Process:
        found = self.procs.get(key)
        if found is None:
            self.procs[key] = found = Process(key, Presence(t))
        else:
            found.seen.touch(t, self.ttl)
        self.dirty.procs.add(key)
        return found

    def serve(self, endpoint: Endpoint, proc: ProcKey, t: float) -> None:
        """`proc` serves `endpoint`: the links to it now end there."""
        found = self.listeners.get(endpoint)
        if found is not None and found.proc == proc:
            found.last_seen = max(found.last_seen, t)
            self.dirty.listeners.add(endpoint)
            return
        if found is not None and found.last_seen > t:
            return  # a late record of an earlier server
        self.listeners[endpoint] = Listener(endpoint, proc, t)
        self.dirty.listeners.add(endpoint)
        self.version += 1  # a balancer's end may be this endpoint (legacy.py)
        for link in self.by_endpoint.get(endpoint, ()):
            if link.server != proc:
                link.server = proc
                self.changed(link)

    def tcp_link(
        self, conn: Conn, client: ProcKey | None, family: str, t: float, metrics: tuple[int, ...] | None
    ) -> TcpLink:
        link = self.link_keys.get((conn, client))
        if link is None:
            scope, _, server_ip, port = conn
            endpoint = (scope, server_ip, port)
            listener = self.listeners.get(endpoint)
            link_id = digest("tcp", *conn, *(client or ("",)))
            link = TcpLink(link_id, conn, client, listener.proc if listener else None, family, Presence(t))
            self._index(link)
        else:
            link.seen.touch(t, self.ttl)
        if metrics is not None and t >= link.seen.last:
            link.metrics = metrics
        self.changed(link)
        return link

    def sample(self, link: TcpLink, stamp: int, metrics: tuple[int, ...]) -> None:
        t = stamp // 1000
        start = t - t % self.bucket
        found = link.sample
        if found is None or found.t != start:
            # Not the bucket of the link's last record (its first record, a new bucket, a late
            # record): looked up by key; nearly all records are of the last one.
            found = self.samples.get((link.id, start))
            if found is None:
                found = Sample(link.id, start, late=[] if start < self.samples_from else None)
                self.samples[found.key] = found
            link.sample = found
        if found.add(stamp, metrics):
            self.dirty.samples.add(found.key)

    def lb_link(self, table: str, host: str, fields: dict[str, str], link_count: int, t: float) -> None:
        parts = (fields["client_ip"], fields["virtual_ip"], fields["virtual_port"])
        back = (fields["local_ip"], fields["server_ip"], fields["server_port"])
        link_id = digest(table, host, *parts, *back)
        found = self.lbs.get(link_id)
        if found is None:
            found = LbLink(link_id, table, host, fields["process_name"], *parts, *back, seen=Presence(t))
            self.lbs[link_id] = found
        else:
            found.seen.touch(t, self.ttl)
        if t >= found.seen.last:
            found.link_count = link_count
        self.dirty.lbs.add(link_id)
        self.version += 1

    def changed(self, link: TcpLink) -> None:
        link.version += 1
        self.version += 1
        self.dirty.links.add(link.id)

    def _index(self, link: TcpLink) -> None:
        scope, _, server_ip, port = link.conn
        self.links[link.id] = link
        self.link_keys[(link.conn, link.client)] = link
        self.by_endpoint.setdefault((scope, server_ip, port), []).append(link)
        self.by_conn.setdefault(link.conn, []).append(link)

    # --- forgetting ------------------------------------------------------------------------

    def forget_before(self, cutoff: float) -> None:
        """Drop what was last seen before `cutoff` (its documents are deleted by the store)."""
        self.hosts = {k: v for k, v in self.hosts.items() if v.seen.last >= cutoff}
        self.procs = {k: v for k, v in self.procs.items() if v.seen.last >= cutoff}
        self.listeners = {k: v for k, v in self.listeners.items() if v.last_seen >= cutoff}
        self.lbs = {k: v for k, v in self.lbs.items() if v.seen.last >= cutoff}
        kept = [link for link in self.links.values() if link.seen.last >= cutoff]
        self.links, self.link_keys, self.by_endpoint, self.by_conn = {}, {}, {}, {}
        for link in kept:
            self._index(link)
        self.plans.clear()
        self.version += 1

    def drop_samples_before(self, t: float) -> None:
        """Samples of closed buckets, once stored, need not stay in memory."""
        self.samples_from = max(self.samples_from, t)
        for key in [k for k in self.samples if k[1] < t and k not in self.dirty.samples]:
            link = self.links.get(key[0])
            if link is not None and link.sample is self.samples[key]:
                link.sample = None  # a late record of that bucket looks it up (and makes it anew)
            del self.samples[key]

    # --- restoring -------------------------------------------------------------------------

    def restore(self, doc: dict[str, Any]) -> None:
        """Put back one stored document (entity, link or sample)."""
        self.plans.clear()
        kind = doc.get("kind")
        if kind == "host":
            self.hosts[doc["name"]] = Host(doc["name"], Presence.of(doc), set(doc.get("addresses") or ()))
        elif kind == "process":
            key = (doc["host"], doc["pid"], doc["name"])
            self.procs[key] = Process(key, Presence.of(doc))
        elif kind == "listener":
            endpoint = (doc["scope"], doc["ip"], doc["port"])
            proc = tuple(doc["proc"])
            self.listeners[endpoint] = Listener(
                endpoint, (proc[0], proc[1], proc[2]), float(doc["last_seen"])
            )
        elif kind == "tcp":
            self._restore_tcp(doc)
        elif kind == "lb":
            link = LbLink.of(doc)
            self.lbs[link.id] = link
        self.version += 1

    def _restore_tcp(self, doc: dict[str, Any]) -> None:
        conn = (doc["scope"], doc["client_ip"], doc["server_ip"], doc["server_port"])
        client, server = doc.get("client"), doc.get("server")
        link = TcpLink(
            doc["id"],
            conn,
            (client[0], client[1], client[2]) if client else None,
            (server[0], server[1], server[2]) if server else None,
            str(doc.get("family") or ""),
            Presence.of(doc),
            tuple(int(v) for v in doc.get("metrics") or ()) or (0,) * METRIC_COUNT,
        )
        self._index(link)
