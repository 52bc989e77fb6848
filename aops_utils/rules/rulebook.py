"""Each user's check rules, compiled once and kept for a while (dropped on import/delete news)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from aops_utils.data_center import DataCenter
from aops_utils.rules.evaluation import StoredRule

LOG = logging.getLogger(__name__)
Compiled = tuple[StoredRule, Any]


@dataclass(eq=False)
class RuleBook:
    dc: DataCenter
    registry: Any
    seconds: float
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _books: dict[str, tuple[float, dict[str, Compiled]]] = field(default_factory=dict, init=False)

    def rules(self, user: str, names: Sequence[str]) -> list[Compiled]:
        """The user's rules named in `names` (all of them when empty), compiled."""
        with self._lock:
            entry = self._books.get(user)
        if entry is None or entry[0] <= time.monotonic():
            entry = (time.monotonic() + self.seconds, self._load(user))
            with self._lock:
                self._books[user] = entry
        book = entry[1]
        if not names:
            return list(book.values())
        return [book[name] for name in names if name in book]

    def forget(self, user: str) -> None:
        with self._lock:
            self._books.pop(user, None)

    def _load(self, user: str) -> dict[str, Compiled]:
        rows = self.dc.rules([], user)
        book: dict[str, Compiled] = {}
        for row in rows:
            rule = StoredRule.of(row)
            try:
                compiled = self.registry.compile(
                    plugin=rule.plugin, condition=rule.condition, data_list=rule.data_list
                )
            except Exception as exc:  # one bad stored rule must not hide the others
                LOG.warning("rule %s of %s does not compile: %s", rule.check_item, user, exc)
                continue
            book[rule.check_item] = (rule, compiled)
        return book
