"""The 21.09 `get_entities` answers of the newest map, made ready by the consumer thread.

Making the answer of a 50,000-link map takes 0.7-1 s of CPU (bench_topology.py), and every store
of the map (each flush_interval) changes it on a live map, so a viewer asking after a store paid
that. Now the consumer thread makes the answer of every set of hosts a viewer asked for lately,
right after each store, and swaps it in whole; a request sends the ready bytes. Such an answer is
the map as it was at the last store (at most a flush_interval and one making old), as 21.09
answered from the files it last wrote. A set of hosts asked for the first time, or an answer in
which something has since outlived its ttl, is made on demand (and kept ready from then on);
answers of an earlier time (`timestamp`) are always made on demand.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import orjson

from aops_utils import collector
from gala_spider import legacy
from gala_spider.graph import Graph
from gala_spider.picture import Moment
from gala_spider.picture import Picture
from gala_spider.picture import take

# A set of hosts asked for within this many seconds is made again after each store: an open
# topology page asks every few seconds; one closed for longer is made on demand when it returns.
VIEWER_WINDOW = 600.0
# Sets of hosts whose answers are kept ready (one per user, mostly); more are made on demand.
MAX_READY = 64


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer, never changed once made (a viewer holding it sees all of one making)."""

    timestamp: int  # the time shown (21.09's `timestamp`, seconds)
    entities: bytes  # the entities' JSON list, encoded once
    expiry: float  # when the first thing in it leaves the map (then it is made again)
    version: int  # the map's version it was made of

    def body(self) -> dict[str, object]:
        # A fragment: the envelope's encoding copies the bytes in (20 ms for 40 MB).
        return {"timestamp": self.timestamp, "entities": orjson.Fragment(self.entities)}


def _expiry(pic: Picture, ttl: float) -> float:
    seen = [link.seen.last for link in pic.links] + [p.seen.last for p in pic.procs.values()]
    seen += [lb.seen.last for lb in pic.lbs]
    return min(seen, default=float("inf")) + ttl


class Answers:
    """The ready answers; `latest` and `at` run in request threads, `remake` in the consumer's."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        # Entities already encoded, shared by every making (legacy.Cache); one making at a time
        # uses it, so two threads never update one entry differently.
        self.cache: legacy.Cache = {}
        self._making = threading.Lock()
        # Replaced whole (under _swap), never changed in place: a reader's get is one atomic step.
        self._swap = threading.Lock()
        self._ready: dict[frozenset[str], Answer] = {}
        self._asked: dict[frozenset[str], float] = {}

    def make(self, owned: frozenset[str], when: Moment) -> Answer:
        """The answer at `when` of the links touching `owned`, made now."""
        # A making leaves a few hundred thousand new objects and no cycles: the collections they
        # set off walked every object not frozen yet (the records of the batches in flight), a
        # third of the time of a making (bench_topology.py harness); the collector is paused
        # meanwhile, as jsonio.decode_bulk pauses it.
        with collector.paused():
            return self._make(owned, when)

    def _make(self, owned: frozenset[str], when: Moment) -> Answer:
        graph = self.graph
        with self._making:
            with graph.lock:
                pic = take(graph, when, owned.__contains__)
                now = legacy.rows(pic)
                listeners = dict(graph.listeners)
                version = graph.version
            entities = legacy.entities(pic, listeners, self.cache, now)
            return Answer(int(when.start), orjson.dumps(entities), _expiry(pic, graph.ttl), version)

    def latest(self, owned: frozenset[str], now: float | None = None) -> Answer:
        """The newest map's answer: the ready one while nothing in it has expired."""
        now = time.time() if now is None else now
        self._asked[owned] = now
        ready = self._ready.get(owned)
        if ready is not None and now < ready.expiry:
            return ready
        answer = self.make(owned, Moment(now, now, latest=True))
        self._keep(owned, answer)
        return answer

    def _keep(self, owned: frozenset[str], answer: Answer) -> None:
        with self._swap:
            ready = dict(self._ready)
            if owned not in ready and len(ready) >= MAX_READY:
                # The set asked for least lately gives way.
                del ready[min(ready, key=lambda k: self._asked.get(k, 0.0))]
            ready[owned] = answer
            self._ready = ready

    def remake(self, now: float | None = None) -> int:
        """After a store: the answers of the sets asked for lately made again from the map as it
        is (those of a map that did not change since are kept); returns how many were made."""
        now = time.time() if now is None else now
        for owned in [k for k, t in list(self._asked.items()) if now - t > VIEWER_WINDOW]:
            self._asked.pop(owned, None)
        with self._swap:
            # Not asked for lately: made on demand if asked for again.
            self._ready = {k: v for k, v in self._ready.items() if k in self._asked}
        made = 0
        for owned, answer in list(self._ready.items()):
            if answer.version == self.graph.version and now < answer.expiry:
                continue
            # Swapped in one by one, so a viewer gets each new answer as soon as it is made.
            self._keep(owned, self.make(owned, Moment(now, now, latest=True)))
            made += 1
        return made

    def ready(self, owned: frozenset[str]) -> Answer | None:
        """The ready answer of `owned`, if any (what a viewer would be sent)."""
        return self._ready.get(owned)
