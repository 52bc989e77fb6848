"""What the check executors evaluated: windows by rule version and host, and whether they span
a slice (pure logic; the records come from `/data/check/coverage/get`).

A leaf may read "checked, nothing abnormal" only when the rule, in the version the tree uses
now, was evaluated for that host over every instant of the slice. The check schedule's
positions cannot tell that: a rule imported or changed, or a host added, after the schedule
passed a slice, or a task still queued, leaves the slice inside the positions but unchecked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

Span = tuple[int, int]


def spans_cover(spans: Iterable[Span], start: int, end: int) -> bool:
    """True when the union of the closed spans contains every instant of [start, end].

    Windows that share an end ([a, b] and [b, c], as consecutive check windows do) join; any gap
    between them, even under a second, leaves the slice uncovered: samples there were not judged.
    """
    reach: int | None = None
    for first, last in sorted(spans):
        if last < start:
            continue
        if first > (start if reach is None else reach):
            return False
        reach = last if reach is None else max(reach, last)
        if reach >= end:
            return True
    return False


def concerns(first: int, last: int, start: int, end: int) -> bool:
    """Whether a stored result over [first, last] speaks of the slice [start, end].

    An Abnormal result is an instant: it does when the instant lies in the slice (at a shared
    end, in both slices). A verdict over a whole window (No data, Internal error) does when the
    window shares more than an instant with the slice: consecutive windows share their ends,
    and what the next window's check found says nothing of this slice's samples.
    """
    if first == last:
        return start <= first <= end
    return first < end and last > start


class Coverage:
    """The evaluated windows of (check item, rule version, host), from coverage records.

    A window whose evaluation of a rule failed for a host (No data, Internal error) is kept
    apart: it never makes the leaf normal. It only spares an evaluation on demand while its
    recorded failure is still stored (the leaf is then unknown for that reason); a retry that
    deletes the failure to store its own results leaves the pair unevaluated until its record,
    covering the host, follows.
    """

    def __init__(self, records: Iterable[Mapping[str, Any]] = ()) -> None:
        self._ok: dict[tuple[str, str, str], list[Span]] = defaultdict(list)
        self._failed: dict[tuple[str, str, str], list[Span]] = defaultdict(list)
        self.add(records)

    def add(self, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            start, end = record["time_range"]
            span = (int(start), int(end))
            hosts = record["host_list"]
            for rule in record["rules"]:
                item, version = rule["check_item"], rule["version"]
                failed = set(rule["failed"])
                for host in hosts:
                    (self._failed if host in failed else self._ok)[(item, version, host)].append(span)

    def covers(self, item: str, version: str, host: str, start: int, end: int) -> bool:
        """Evaluated without failure over the whole slice: what is not stored was normal."""
        found = self._ok.get((item, version, host))
        return found is not None and spans_cover(found, start, end)

    def evaluated(self, item: str, version: str, host: str, start: int, end: int) -> bool:
        """Evaluated over the whole slice, failing in some of it."""
        key = (item, version, host)
        return spans_cover([*self._ok.get(key, ()), *self._failed.get(key, ())], start, end)
