"""The consumer of `gala_gopher`: records into the map, the map into the document store every
flush interval, then the offsets committed, so a crash replays only what was not stored."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from typing import Any

from aops_utils import collector
from aops_utils.bus import Consumer
from aops_utils.bus import MessageBus
from aops_utils.bus import RawMessage
from aops_utils.errors import AopsError
from gala_spider.graph import Graph
from gala_spider.records import Filters
from gala_spider.records import Skipped
from gala_spider.records import ingest_raw_batch
from gala_spider.store import GraphStore

LOG = logging.getLogger(__name__)
# Lines logged per flush interval about skipped records; the rest are counted in one line.
LOGGED_SKIPS = 20
BACKOFF = 2.0
SWEEP_EVERY = 3600.0
Docs = list[tuple[str, dict[str, Any]]]


@dataclass
class Status:
    """What `get_status` reports of the consumer."""

    state: str = "starting"
    topic: str = ""
    group_id: str = ""
    records: int = 0
    used: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    last_record_at: float | None = None
    last_stored_at: float | None = None
    stored_documents: int = 0
    error: str = ""

    def json(self) -> dict[str, Any]:
        # Every field as it is (asdict would copy each value deeply), the counter as a plain dict.
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"skipped": dict(self.skipped)}


class GraphConsumer:
    def __init__(
        self,
        graph: Graph,
        store: GraphStore,
        filters: Filters,
        *,
        topic: str,
        group_id: str,
        flush_interval: float,
        retention: float,
        poll_seconds: float = 1.0,
        max_records: int = 5000,
    ) -> None:
        self.graph = graph
        self.store = store
        self.filters = filters
        self.topic = topic
        self.group_id = group_id
        self.flush_interval = flush_interval
        self.retention = retention
        self.poll_seconds = min(poll_seconds, flush_interval)
        self.max_records = max_records
        self.status = Status(topic=topic, group_id=group_id)
        # Documents taken from the graph whose write failed: written first next time.
        self._unwritten: tuple[Docs, Docs, Docs] = ([], [], [])
        self._logged = 0
        self._unlogged = 0
        self._swept = 0.0
        # Called in this thread after each flush, stored or not (app.py: the ready answers of
        # the map as it now is are made, answers.py).
        self.after_flush: Callable[[], object] | None = None

    def load(self) -> None:
        self.status.state = "loading"
        now = time.time()
        with self.graph.lock:
            count = self.store.load(self.graph, now - 2 * self.graph.bucket)
        gc.freeze()
        LOG.info("gala_spider: %d documents of the map read back", count)

    def run(self, bus: MessageBus, stop: threading.Event) -> None:
        """Until `stop`: read the map back, then consume (waiting out outages)."""
        while not stop.is_set():
            try:
                self.load()
                break
            except AopsError as exc:
                self._outage("document store", exc, stop)
        consumer: Consumer | None = None
        try:
            while not stop.is_set():
                try:
                    if consumer is None:
                        consumer = bus.consumer([self.topic], self.group_id)
                        self.status.state = "running"
                    self._cycle(consumer, stop)
                except AopsError as exc:
                    self._outage("Kafka", exc, stop)
        finally:
            if consumer is not None:
                consumer.close()
            self.status.state = "stopped"

    def _outage(self, what: str, exc: AopsError, stop: threading.Event) -> None:
        self.status.state = f"{what} unavailable"
        self.status.error = exc.detail
        LOG.warning("gala_spider: %s: %s; trying again in %.0f s", what, exc.detail, BACKOFF)
        stop.wait(BACKOFF)

    def _cycle(self, consumer: Consumer, stop: threading.Event) -> None:
        deadline = time.monotonic() + self.flush_interval
        while not stop.is_set() and time.monotonic() < deadline:
            # Handed over, not kept here: take() drops the batch before it collects (see there).
            self.take(consumer.poll_raw(self.poll_seconds, self.max_records))
        if self.flush():
            consumer.commit()

    def take(self, batch: list[RawMessage]) -> int:
        """Add a polled batch to the map; how many records it had. The records come as their
        bytes: a known tcp_link record in the probe's shape is joined without being decoded
        (records.ingest_raw_batch). The batch is the caller's to give away: when it keeps no
        reference, the records are freed before the collection that follows a batch that grew
        the map, which then walks only what the map gained (a batch's 5,000 records cost that
        collection more than the map's new objects, bench_topology.py)."""
        count = len(batch)
        if not count:
            return 0
        status = self.status
        now = time.time()
        # A batch makes a few objects per new record (all kept, none in a cycle) and drops the records
        # (and those it decoded): the collector, started every so many of them, walked the young map
        # for nothing; it runs once after. What a batch added to the map is then frozen, as the whole
        # map is after a store (see flush): while 300,000 records of a new map were read, the full
        # collections its growth set off walked it again and again, half of the time spent polling
        # Kafka. A young collection first frees the cycles other threads dropped meanwhile (a frozen
        # one would never be freed); a running map grows in few batches (new metric buckets).
        graph = self.graph
        size = len(graph.links) + len(graph.samples) + len(graph.procs)
        try:
            with collector.paused():
                with graph.lock:
                    skipped = self._ingest([message.value for message in batch], now)
                for i, skip in skipped:
                    status.skipped[skip.kind] += 1
                    if skip.kind != "excluded":
                        self._log_skip(batch[i], skip)
            status.used += count - len(skipped)
        finally:
            del batch
            status.records += count
            status.last_record_at = now
            # Enabled again unless the process had it off.
            if gc.isenabled() and len(graph.links) + len(graph.samples) + len(graph.procs) != size:
                gc.collect(1)
                gc.freeze()
        return count

    def _ingest(self, values: list[bytes], now: float) -> list[tuple[int, Skipped]]:
        """ingest_raw_batch(), and when it fails (a fault of ours, not of a record: those are
        Skipped), the batch again record by record, each that fails skipped as an `error` with
        its traceback logged: one record must not stop the map. Joining a record again changes
        nothing (spans, counters and buckets take a record once)."""
        try:
            return ingest_raw_batch(self.graph, values, self.filters, now)
        except Exception:
            LOG.exception("gala_spider: a batch of %d records failed; joined one by one", len(values))
        skipped: list[tuple[int, Skipped]] = []
        for i, value in enumerate(values):
            try:
                skipped += [(i, skip) for _, skip in ingest_raw_batch(self.graph, [value], self.filters, now)]
            except Exception as exc:
                LOG.exception("gala_spider: record %d of the batch failed", i)
                skipped.append((i, Skipped(f"internal error: {type(exc).__name__}", "error")))
        return skipped

    def _log_skip(self, message: RawMessage, skip: Skipped) -> None:
        if self._logged >= LOGGED_SKIPS:
            self._unlogged += 1
            return
        self._logged += 1
        LOG.warning(
            "gala_spider: %s[%d]@%d skipped (%s): %.300r",
            message.topic,
            message.partition,
            message.offset,
            skip.reason,
            message.value,
        )

    def flush(self) -> bool:
        """Store what changed; True when it is stored (and the offsets may be committed). Then
        `after_flush`; the status says the map is stored only after it, so that a reader who saw
        the records stored (get_status) gets answers that hold them."""
        now = time.time()
        stored = False
        try:
            stored = self._store(now)
        finally:
            if self.after_flush is not None:
                self.after_flush()
        if stored:
            self.status.last_stored_at = now
        return stored

    def _store(self, now: float) -> bool:
        if self._unlogged:
            LOG.warning("gala_spider: %d more records skipped (see get_status)", self._unlogged)
        self._logged = self._unlogged = 0
        with self.graph.lock:
            taken = self.store.take(self.graph)
        # By id, the newest state of each document last (a document taken twice is written once).
        pending = tuple(
            list(dict(old + new).items()) for old, new in zip(self._unwritten, taken, strict=True)
        )
        try:
            self.status.stored_documents += self.store.write(*pending)
            if now - self._swept > SWEEP_EVERY:
                self._sweep(now)
        except AopsError as exc:
            # Kept, and written again (before anything newer) at the next flush.
            self._unwritten = (pending[0], pending[1], pending[2])
            self.status.state = "document store unavailable"
            self.status.error = exc.detail
            LOG.warning("gala_spider: the map could not be stored: %s", exc.detail)
            return False
        self._unwritten = ([], [], [])
        self.status.state = "running"
        self.status.error = ""
        with self.graph.lock:
            self.graph.drop_samples_before(now - 2 * self.graph.bucket)
        # The map is a few million long-lived objects: left to the collector, each full
        # collection walks them all, and an answer building 60,000 entities took 5 times longer
        # (bench_topology.py). They hold no reference cycles, so they need no collecting.
        gc.freeze()
        return True

    def _sweep(self, now: float) -> None:
        cutoff = now - self.retention
        with self.graph.lock:
            self.graph.forget_before(cutoff)
        gone = self.store.forget_before(cutoff)
        self._swept = now
        if gone:
            LOG.info("gala_spider: %d documents older than the retention deleted", gone)
