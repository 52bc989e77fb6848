"""Vault keys certificated by users, kept only in this process's memory, one per user, for a while."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Keyring:
    """Each key leaves memory `ttl` seconds after it was given (a timer removes it even when the
    manager sits idle), at the user's logout, and at a password change."""

    def __init__(self, ttl: float, on_expiry: Callable[[str], None] | None = None) -> None:
        self._ttl = ttl
        self._on_expiry = on_expiry
        self._keys: dict[str, tuple[str, threading.Timer]] = {}
        self._lock = threading.Lock()

    def remember(self, username: str, key: str) -> None:
        timer = threading.Timer(self._ttl, self._expire, args=(username,))
        timer.daemon = True
        with self._lock:
            old = self._keys.get(username)
            self._keys[username] = (key, timer)
        if old is not None:
            old[1].cancel()
        timer.start()

    def key_of(self, username: str) -> str | None:
        with self._lock:
            found = self._keys.get(username)
        return found[0] if found is not None else None

    def forget(self, username: str) -> bool:
        """Drop the user's key; True if one was held."""
        with self._lock:
            old = self._keys.pop(username, None)
        if old is None:
            return False
        old[1].cancel()
        return True

    def close(self) -> None:
        with self._lock:
            held, self._keys = self._keys, {}
        for _key, timer in held.values():
            timer.cancel()

    def _expire(self, username: str) -> None:
        with self._lock:
            found = self._keys.get(username)
            # A key given again since has a timer of its own (this one was cancelled too late).
            if found is None or found[1] is not threading.current_thread():
                return
            del self._keys[username]
        if self._on_expiry is not None:
            self._on_expiry(username)
