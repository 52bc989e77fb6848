"""Background work on daemon threads that stops together: one stop event, joined on close."""

from __future__ import annotations

import threading
from abc import ABC
from abc import abstractmethod
from collections.abc import Callable

# How long closing waits for each thread: one stuck in a call it cannot leave (a hung socket)
# must not keep the process from stopping.
JOIN_SECONDS = 30


class Threads:
    """Daemon threads sharing one `stop` event: `close` sets it and waits for each in turn."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def add(self, thread: threading.Thread) -> None:
        """Stop and wait for a thread started elsewhere on `stop` (a bus consumer) on close."""
        self._threads.append(thread)

    def spawn(self, name: str, target: Callable[[], object]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.add(thread)

    def close(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=JOIN_SECONDS)


class Loop(Threads, ABC):
    """A loop on a daemon thread called `name`: `run_loop` returns once `stop` is set."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def start(self) -> None:
        self.spawn(self.name, self.run_loop)

    @abstractmethod
    def run_loop(self) -> None:
        """The loop itself; each kind of loop says what it repeats."""
