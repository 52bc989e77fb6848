"""Vault keys certificated by users, kept only in this process's memory, one per user."""

from __future__ import annotations

import threading


class Keyring:
    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def remember(self, username: str, key: str) -> None:
        with self._lock:
            self._keys[username] = key

    def key_of(self, username: str) -> str | None:
        with self._lock:
            return self._keys.get(username)

    def forget(self, username: str) -> None:
        with self._lock:
            self._keys.pop(username, None)
