"""Worker threads that do not hold the process up when it exits.

ThreadPoolExecutor's threads are joined before the interpreter runs its exit functions, so a
manager stopping during a two-hour run would wait for the run before anything could stop it.
These threads are daemons: the exit function (atexit, which uWSGI runs as a worker stops) asks
the work to stop and waits a bounded time for it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

_STOP = object()


class DaemonPool:
    def __init__(self, workers: int, name: str) -> None:
        self._queue: queue.Queue[Any] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{index}", daemon=True)
            for index in range(workers)
        ]
        self._started = False
        self._closed = False
        self._lock = threading.Lock()

    def submit(self, job: Callable[..., object], *args: Any) -> None:
        """Queue `job(*args)`; RuntimeError once the pool is shut down."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            if not self._started:
                for thread in self._threads:
                    thread.start()
                self._started = True
            self._queue.put((job, args))

    def shutdown(self, timeout: float, *, drop_waiting: bool = False) -> None:
        """No more jobs; those waiting run unless dropped; wait up to `timeout` for the threads."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            started = self._started
        if drop_waiting:
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
        if not started:
            return
        for _ in self._threads:
            self._queue.put(_STOP)
        for thread in self._threads:
            thread.join(timeout)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            job, args = item
            job(*args)
