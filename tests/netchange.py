"""Keeps the root namespace's network from changing under an open browser page.

Chromium watches the root namespace's links and addresses (netlink) and fails every request in
flight with net::ERR_NETWORK_CHANGED when one changes, so a veth pair or a bridge made for an
SSH test host by another pytest-xdist worker failed a web test that was loading a page. Tests
with a page open hold `browser_in_use` (a shared lock); code that changes the root namespace's
network holds `network_change` (exclusive), which also waits for the browser to have seen the
change before letting pages load again. A second lock is the turnstile that keeps a waiting
change from being starved by one web test following another.

Both work across processes (flock on files under /run) and nest within one process: a web test
that starts SSH hosts while its page is open gives its shared lock up for the change.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# One directory for the whole machine, so that every pytest-xdist worker sees the same locks;
# the tests of the locks themselves point it elsewhere to be alone with their own pages.
LOCK_DIR = Path(os.environ.get("AOPS_TEST_NETCHANGE_DIR", "/run/aops-test-netchange"))
# Chromium reads netlink at once; this is margin for a loaded machine before pages load again.
SETTLE_SECONDS = 0.5


class _Locks:
    """This process's side of the two locks: its open files and how many pages it has open."""

    def __init__(self) -> None:
        self.mutex = threading.RLock()
        self.files: dict[str, IO[str]] = {}
        self.pages = 0

    def file(self, name: str) -> IO[str]:
        if name not in self.files:
            LOCK_DIR.mkdir(mode=0o755, exist_ok=True)
            self.files[name] = (LOCK_DIR / name).open("a")
        return self.files[name]


_locks = _Locks()


@contextlib.contextmanager
def browser_in_use() -> Iterator[None]:
    """Held while a page may have requests in flight: network changes wait for its end."""
    with _locks.mutex:
        if _locks.pages == 0:
            turnstile = _locks.file("turnstile")
            fcntl.flock(turnstile, fcntl.LOCK_SH)  # waits while a change is queued
            fcntl.flock(_locks.file("network"), fcntl.LOCK_SH)
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        _locks.pages += 1
    try:
        yield
    finally:
        with _locks.mutex:
            _locks.pages -= 1
            if _locks.pages == 0:
                fcntl.flock(_locks.file("network"), fcntl.LOCK_UN)


@contextlib.contextmanager
def network_change() -> Iterator[None]:
    """Held while links or addresses of the root namespace are added or removed."""
    with _locks.mutex:
        turnstile, network = _locks.file("turnstile"), _locks.file("network")
        if _locks.pages:
            # This process's own page lock goes first: waiting for the turnstile while holding
            # it would deadlock with a change of another process that waits for it to end.
            fcntl.flock(network, fcntl.LOCK_UN)
        try:
            fcntl.flock(turnstile, fcntl.LOCK_EX)
            try:
                fcntl.flock(network, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    time.sleep(SETTLE_SECONDS)
                    fcntl.flock(network, fcntl.LOCK_UN)
            finally:
                fcntl.flock(turnstile, fcntl.LOCK_UN)
        finally:
            if _locks.pages:
                fcntl.flock(network, fcntl.LOCK_SH)
