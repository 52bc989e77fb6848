"""Long-running work that must end: task states, deadlines, and the periodic watch that ends it.

Diagnosis tasks use it now; deployment runs are meant to reuse it. A task is `running` until it
is `finished` (all its work is stored) or `failed` (with a reason). The scheduler that publishes
a task holds a lease on it and renews it while it runs; when the lease runs out (the scheduler
died), any scheduler's watch claims the task and publishes what is missing again. A running
task past its deadline is failed by whichever watch sees it first: the data center changes a
state only by conditional updates, so several watches never act twice.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Callable
from enum import StrEnum

from aops_utils.errors import AopsError
from aops_utils.threads import Loop

LOG = logging.getLogger(__name__)
MAX_OWNER = 64
MAX_REASON = 1024


class TaskStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


def shown_state(stored: str, reason: str, done: int, expected: int) -> tuple[TaskStatus, str]:
    """The state a task is answered with: `finished` as soon as all its work is stored, even
    before a watch records it, and also when work arrives after the task was failed (the facts
    win over a verdict given at the deadline); otherwise the stored state and reason."""
    if done >= expected:
        return TaskStatus.FINISHED, ""
    status = TaskStatus(stored)
    return status, reason if status is TaskStatus.FAILED else ""


def deadline_after(now: float, items: int, timeout: int, per_item: float) -> int:
    """When a task of `items` pieces of work started at `now` is given up."""
    return int(now) + timeout + math.ceil(items * per_item)


def watcher_id(service: str) -> str:
    """This process's name as a lease holder: readable in the database, unique per start."""
    name = f"{service}@{socket.gethostname()}:{os.getpid()}"
    suffix = ":" + uuid.uuid4().hex[:8]
    return name[: MAX_OWNER - len(suffix)] + suffix


class Periodic(Loop):
    """Runs `job` at once and then every `interval` seconds in a daemon thread, until closed.

    A failing run is logged and the next one comes at its time: an outage of the data center
    or the bus must not end the watch.
    """

    def __init__(self, name: str, job: Callable[[], object], interval: float) -> None:
        super().__init__(name)
        self._job = job
        self._interval = interval

    def run_loop(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            self.run_once()
            self.stop.wait(max(0.0, self._interval - (time.monotonic() - started)))

    def run_once(self) -> None:
        try:
            self._job()
        except AopsError as exc:
            LOG.warning("%s: %s (tried again in %g s)", self.name, exc.detail, self._interval)
        except Exception:
            LOG.exception("%s failed (tried again in %g s)", self.name, self._interval)
