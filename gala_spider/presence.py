"""When something was on the map: first and last seen, and the spans between its absences."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from mypy_extensions import mypyc_attr

# A thing that flaps for weeks keeps its newest spans; older ones merge into the first.
MAX_SPANS = 500


@mypyc_attr(acyclic=True)
class Presence:
    """Seen at `first`..`last`; `spans` are [start, end] runs of sightings no more than the time
    to live apart, so "on the map at t" is a span with start <= t <= end + ttl. While there is
    one span (nearly everything on a live map) it is first..last and no list is kept: two
    objects fewer per entity to make, and for the collector to walk (bench_topology.py)."""

    __slots__ = ("_spans", "first", "last")

    def __init__(self, t: float, spans: list[list[float]] | None = None) -> None:
        self._spans: list[list[float]] | None = None
        if spans:
            self._set(spans)
        else:
            self.first = self.last = t

    @property
    def spans(self) -> list[list[float]]:
        return [[self.first, self.last]] if self._spans is None else self._spans

    def _set(self, spans: list[list[float]]) -> None:
        self._spans = spans if len(spans) > 1 else None
        self.first = spans[0][0]
        self.last = spans[-1][1]

    def touch(self, t: float, ttl: float) -> None:
        spans = self._spans
        if spans is None:
            if t >= self.first:
                # The usual case: a sighting at or after the one span's start.
                if t > self.last:
                    if t - self.last > ttl:
                        self._spans = [[self.first, self.last], [t, t]]
                    self.last = t
                return
        else:
            last = spans[-1]
            if t >= last[0]:
                # A sighting at or after the newest span's start.
                if t > last[1]:
                    if t - last[1] > ttl:
                        spans.append([t, t])
                        self._cap()
                    else:
                        last[1] = t
                    self.last = t
                return
        self._insert(t, ttl)

    def _insert(self, t: float, ttl: float) -> None:
        """A sighting older than the newest span: a record of another Kafka partition read after
        newer ones, or a replay. It joins the span it falls in or within ttl of (two spans it
        bridges become one), else is a span of its own; the gaps stay gaps."""
        spans = self.spans
        index = bisect_right([start for start, _ in spans], t) - 1
        if index >= 0 and t <= spans[index][1]:
            return
        spans.insert(index + 1, [t, t])
        merged: list[list[float]] = []
        for span in spans:
            if merged and span[0] - merged[-1][1] <= ttl:
                merged[-1][1] = max(merged[-1][1], span[1])
            else:
                merged.append(span)
        self._set(merged)
        self._cap()

    def _cap(self) -> None:
        spans = self._spans
        if spans is not None and len(spans) > MAX_SPANS:
            spans[1:3] = [[spans[1][0], spans[2][1]]]

    def alive_at(self, t: float, ttl: float) -> bool:
        for start, end in reversed(self.spans):
            if start <= t <= end + ttl:
                return True
            if end + ttl < t:
                return False
        return False

    def alive_within(self, start: float, end: float, ttl: float) -> bool:
        """On the map at some moment of [start, end]."""
        return any(s <= end and e + ttl >= start for s, e in self.spans)

    def fields(self) -> dict[str, Any]:
        return {"first_seen": self.first, "last_seen": self.last, "spans": self.spans}

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Presence:
        spans = [[float(s), float(e)] for s, e in doc.get("spans") or []]
        return cls(float(doc["last_seen"]), spans or None)
