"""A run's state changes, sent to the data center in batches while the run goes on.

Changes are kept newest-first per step and per host and sent every `interval` seconds by a
thread of the run's own, so that a host's state is visible within about that long of its
change, however many events Ansible sends. An update the data center cannot take now (it is
restarting) is kept and sent with the next one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from aops_utils.contracts.data_center.runs import RunStatus
from aops_utils.contracts.data_center.runs import UpdateRunBody
from aops_utils.errors import AopsError

LOG = logging.getLogger(__name__)
# Send: records an update, returns the run's status as stored afterwards.
Send = Callable[[UpdateRunBody], str]
FINAL_ATTEMPTS = 5


class RunReporter:
    def __init__(self, run_id: str, send: Send, interval: float) -> None:
        self.run_id = run_id
        self._send = send
        self._interval = interval
        self._lock = threading.Lock()
        self._hosts: dict[tuple[int, str], dict[str, Any]] = {}
        self._steps: dict[int, dict[str, Any]] = {}
        self._run: dict[str, Any] | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # The run's status as the data center last answered it: `cancelled` or `interrupted`
        # set there (by a cancel, by the lease watch) tells the runner to stop.
        self.stored_status = RunStatus.QUEUED
        self.on_ended: Callable[[], None] | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=f"run-status-{self.run_id[:8]}", daemon=True)
        self._thread.start()

    def host(self, change: dict[str, Any]) -> None:
        with self._lock:
            self._hosts[(change["position"], change["host_id"])] = change

    def step(
        self, position: int, status: str, started_at: float | None = None, ended_at: float | None = None
    ) -> None:
        with self._lock:
            found = self._steps.setdefault(position, {"position": position})
            found["status"] = status
            if started_at is not None:
                found.setdefault("started_at", started_at)
            if ended_at is not None:
                found["ended_at"] = ended_at

    def run(self, status: RunStatus, reason: str = "", **times: float) -> None:
        with self._lock:
            self._run = {"status": status.value, "reason": reason[:1024], **times}

    def soon(self) -> None:
        """Send what is pending now rather than at the next interval (a step or host ended)."""
        self._wake.set()

    def flush(self) -> bool:
        """Send what is pending; False (and it stays pending) when the data center refused it."""
        with self._lock:
            if not (self._hosts or self._steps or self._run):
                return True
            hosts, steps, run = self._hosts, self._steps, self._run
            self._hosts, self._steps, self._run = {}, {}, None
        body = UpdateRunBody.model_validate(
            {"run_id": self.run_id, "run": run, "steps": list(steps.values()), "hosts": list(hosts.values())}
        )
        try:
            self.stored_status = RunStatus(self._send(body))
        except AopsError as exc:
            if exc.http_status == 404:
                # The run is gone with its task (deleted): nothing more is recorded.
                LOG.info("run %s: gone from the data center (its task was deleted)", self.run_id)
                self.stored_status = RunStatus.CANCELLED
                if self.on_ended is not None:
                    self.on_ended()
                return True
            LOG.warning("run %s: its state could not be stored now: %s", self.run_id, exc.detail)
            self._restore(hosts, steps, run)
            return False
        if self.stored_status.ended and self.on_ended is not None:
            self.on_ended()
        return True

    def _restore(
        self, hosts: dict[tuple[int, str], dict[str, Any]], steps: dict[int, dict[str, Any]], run: Any
    ) -> None:
        with self._lock:
            self._hosts = {**hosts, **self._hosts}
            self._steps = {**steps, **self._steps}
            self._run = self._run or run

    def close(self) -> None:
        """Stop the thread and send what is left, trying a few times."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        for attempt in range(FINAL_ATTEMPTS):
            if self.flush():
                return
            time.sleep(min(5.0, 0.5 * 2**attempt))
        LOG.error("run %s: its last state could not be stored", self.run_id)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            # Events arriving together (a step's recap) go in one update.
            time.sleep(min(0.02, self._interval))
            self.flush()
