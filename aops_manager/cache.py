"""Short-lived read cache of the manager: confirmed sessions and listing answers, per user.

The manager runs as one process (its keyring lives in memory) and every write to hosts,
groups and sessions passes through it, so it can drop what a write makes stale at once. A
time limit bounds staleness from anything else (a second manager, an operator's SQL).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

_MAX_ENTRIES = 4096


class ReadCache:
    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[str, float]] = {}
        # An answer as the data center gave it, or as it was encoded (forwarding.read_encoded).
        self._answers: OrderedDict[tuple[str, str], tuple[float, object]] = OrderedDict()
        # Counts the forgets: an answer read before one of them may already be stale.
        self._generation = 0

    @property
    def enabled(self) -> bool:
        return self._seconds > 0

    def session_confirmed(self, token_id: str) -> bool:
        with self._lock:
            entry = self._sessions.get(token_id)
        return entry is not None and entry[1] > time.monotonic()

    def confirm_session(self, token_id: str, username: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            if len(self._sessions) >= _MAX_ENTRIES:
                self._sessions.clear()
            self._sessions[token_id] = (username, time.monotonic() + self._seconds)

    def end_session(self, token_id: str) -> None:
        with self._lock:
            self._sessions.pop(token_id, None)

    def end_sessions_of(self, username: str) -> None:
        with self._lock:
            for token_id in [t for t, (user, _) in self._sessions.items() if user == username]:
                del self._sessions[token_id]
            self._drop_answers(username)

    def answer(self, username: str, key: str) -> object | None:
        with self._lock:
            entry = self._answers.get((username, key))
            if entry is None or entry[0] <= time.monotonic():
                return None
            self._answers.move_to_end((username, key))
            return entry[1]

    @property
    def generation(self) -> int:
        """Taken before a read is sent; `keep_answer` gets it back."""
        with self._lock:
            return self._generation

    def keep_answer(self, username: str, key: str, answer: object, generation: int) -> None:
        """Keep an answer unless something was forgotten while it was read (a write, a probe):
        kept, it would hide that change until it expires."""
        if not self.enabled:
            return
        with self._lock:
            if generation != self._generation:
                return
            self._answers[(username, key)] = (time.monotonic() + self._seconds, answer)
            while len(self._answers) > _MAX_ENTRIES:
                self._answers.popitem(last=False)

    def forget_user(self, username: str) -> None:
        """A write of the user's: every cached answer of theirs may be stale."""
        with self._lock:
            self._drop_answers(username)

    def forget_all(self) -> None:
        with self._lock:
            self._generation += 1
            self._answers.clear()

    def _drop_answers(self, username: str) -> None:
        self._generation += 1
        for key in [k for k in self._answers if k[0] == username]:
            del self._answers[key]
