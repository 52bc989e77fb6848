"""Marks in a user's host listing by name, so that a deep page is read from its nearest mark
instead of walking the index from the first host.

An OFFSET makes MariaDB read and throw away every row it skips: at 10,000 hosts a page taken at
random cost 2.5 ms of database CPU on average (4 ms near the end), against 0.46 ms for the same
page read from a mark, measured with the page's own statement (2026-12-06). A mark is the host
name at every STRIDE-th position of the user's hosts ordered by name in one direction (names are
unique per user); a page starts at the mark at or before its offset and skips fewer than STRIDE
rows. Marks hold for one value of the user's host_version, which every add and delete sets anew
in its transaction; a page read from marks carries the version its statement saw, and when that
is not theirs (a write came between) the marks are dropped and the page is read by OFFSET, so no
page is ever cut from stale marks. Each data-center process keeps its own, for the users it
served last.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

# Rows skipped from a mark at most, and one name kept per this many hosts (313 at 10,000).
STRIDE = 32
# Users x directions whose marks a process keeps; the least recently used go first.
CAPACITY = 256


@dataclass(frozen=True, slots=True)
class Marks:
    version: int
    names: tuple[str, ...]  # the names at positions 0, STRIDE, 2 * STRIDE, ...

    def start(self, offset: int) -> tuple[str, int] | None:
        """The mark a page at `offset` starts from and how many rows it then skips; None past
        the last mark (a page past the end, which the OFFSET path counts)."""
        at = offset // STRIDE
        if at >= len(self.names):
            return None
        return self.names[at], offset - at * STRIDE


class MarkBook:
    """Marks per (user, direction), least recently used dropped first; safe across threads."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._marks: OrderedDict[tuple[str, str], Marks] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, username: str, direction: str) -> Marks | None:
        with self._lock:
            marks = self._marks.get((username, direction))
            if marks is not None:
                self._marks.move_to_end((username, direction))
            return marks

    def put(self, username: str, direction: str, marks: Marks) -> None:
        with self._lock:
            self._marks[(username, direction)] = marks
            self._marks.move_to_end((username, direction))
            while len(self._marks) > self._capacity:
                self._marks.popitem(last=False)

    def drop(self, username: str, direction: str, marks: Marks) -> None:
        """Forget these marks (not newer ones another thread has put meanwhile)."""
        with self._lock:
            if self._marks.get((username, direction)) is marks:
                del self._marks[(username, direction)]
