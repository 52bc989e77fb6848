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


class Coverage:
    """The evaluated windows of (check item, rule version, host), from coverage records.

    A host whose evaluation of a rule failed in a window (No data, Internal error) is not
    covered by it: its recorded failure is replaced when a retry succeeds, and that retry's
    record covers it then.
    """

    def __init__(self, records: Iterable[dict[str, Any]] = ()) -> None:
        self._spans: dict[tuple[str, str, str], list[Span]] = defaultdict(list)
        self.add(records)

    def add(self, records: Iterable[dict[str, Any]]) -> None:
        for record in records:
            start, end = record["time_range"]
            span = (int(start), int(end))
            hosts = record["host_list"]
            for rule in record["rules"]:
                item, version = rule["check_item"], rule["version"]
                failed = set(rule["failed"])
                for host in hosts:
                    if host not in failed:
                        self._spans[(item, version, host)].append(span)

    def covers(self, item: str, version: str, host: str, start: int, end: int) -> bool:
        found = self._spans.get((item, version, host))
        return found is not None and spans_cover(found, start, end)
