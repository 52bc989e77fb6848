"""Each user's check rules, compiled once and kept for a while (dropped on import/delete news)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from aops_utils.data_center import DataCenter
from aops_utils.rules.evaluation import StoredRule

LOG = logging.getLogger(__name__)
Compiled = tuple[StoredRule, Any]


class RuleBook:
    def __init__(self, dc: DataCenter, registry: Any, seconds: float) -> None:
        self._dc = dc
        self._registry = registry
        self._seconds = seconds
        self._lock = threading.Lock()
        self._books: dict[str, tuple[float, dict[str, Compiled]]] = {}

    def rules(self, user: str, names: Sequence[str]) -> list[Compiled]:
        """The user's rules named in `names` (all of them when empty), compiled."""
        with self._lock:
            entry = self._books.get(user)
        if entry is None or entry[0] <= time.monotonic():
            entry = (time.monotonic() + self._seconds, self._load(user))
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
        rows = self._dc.rules([], user)
        book: dict[str, Compiled] = {}
        for row in rows:
            rule = StoredRule.of(row)
            try:
                compiled = self._registry.compile(
                    plugin=rule.plugin, condition=rule.condition, data_list=rule.data_list
                )
            except Exception as exc:  # one bad stored rule must not hide the others
                LOG.warning("rule %s of %s does not compile: %s", rule.check_item, user, exc)
                continue
            book[rule.check_item] = (rule, compiled)
        return book
