"""Each host's state in a step, followed through ansible-runner's events.

A host is `running` from its first task, `failed` or `unreachable` as soon as a task says so
(Ansible drops it from the play then), and `ok`, `changed` or `skipped` when the playbook's
recap counts its results. The failing task's name and message, and the host's last lines of
output, go with its state.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from aops_utils.contracts.data_center.runs import MAX_MESSAGE
from aops_utils.contracts.data_center.runs import MAX_OUTPUT
from aops_utils.contracts.data_center.runs import OUTPUT_LINES
from aops_utils.contracts.data_center.runs import StepStatus

S = StepStatus


@dataclass(slots=True)
class HostState:
    host_id: str
    host_name: str
    status: StepStatus = S.QUEUED
    task: str = ""
    message: str = ""
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=OUTPUT_LINES))
    started_at: float | None = None
    ended_at: float | None = None

    def change(self, position: int) -> dict[str, Any]:
        """The host as the data center records it (a HostChange)."""
        output = "\n".join(self.lines)
        return {
            "position": position,
            "host_id": self.host_id,
            "host_name": self.host_name,
            "status": self.status.value,
            "task": self.task[:1024],
            "message": self.message[:MAX_MESSAGE],
            "output": output[-MAX_OUTPUT:],
            "started_at": self.started_at,
            "ended_at": self.ended_at,
        }


def event_time(event: Mapping[str, Any]) -> float:
    created = event.get("created")
    if isinstance(created, str):
        try:
            return datetime.fromisoformat(created).timestamp()
        except ValueError:
            pass
    return time.time()


@dataclass(frozen=True, slots=True)
class HostResult:
    """A task's result on one host, as an ansible-runner event carries it."""

    kind: str  # the event: runner_on_ok, runner_on_failed, runner_item_on_ok, ...
    host: str  # the host's inventory name
    task: str
    result: Mapping[str, Any]

    @classmethod
    def of(cls, event: Mapping[str, Any]) -> HostResult | None:
        """The result in `event`, or None for an event that carries none (a play's start, ...)."""
        data = event.get("event_data") or {}
        result = data.get("res")
        if not isinstance(result, Mapping):
            return None
        return cls(str(event.get("event", "")), str(data.get("host")), str(data.get("task") or ""), result)


def failure_message(result: Mapping[str, Any]) -> str:
    """What a failed or unreachable result says: its msg, and a command's stderr."""
    parts = [str(result.get("msg") or "")]
    for key in ("stderr", "module_stderr"):
        value = result.get(key)
        if value and str(value) not in parts[0]:
            parts.append(str(value))
    return "\n".join(p for p in parts if p).strip()


class StepTracker:
    """The hosts of one step by inventory name; `handle` returns the hosts an event changed."""

    def __init__(self, position: int, hosts: Mapping[str, tuple[str, str]]) -> None:
        self.position = position
        self.hosts = {name: HostState(host_id, host_name) for name, (host_id, host_name) in hosts.items()}

    def handle(self, event: Mapping[str, Any]) -> list[HostState]:
        data = event.get("event_data") or {}
        name = data.get("host")
        state = self.hosts.get(name) if isinstance(name, str) else None
        kind = str(event.get("event", ""))
        if kind == "playbook_on_stats":
            return self._recap(data, event_time(event))
        if state is None:
            return []
        self._keep_lines(state, event.get("stdout"))
        at = event_time(event)
        if kind == "runner_on_start":
            if state.started_at is None:
                state.started_at = at
            state.status = S.RUNNING
        elif kind == "runner_on_failed" and not data.get("ignore_errors"):
            self._ended(state, S.FAILED, data, at)
        elif kind == "runner_on_unreachable":
            self._ended(state, S.UNREACHABLE, data, at)
        elif not event.get("stdout"):
            return []
        return [state]

    @staticmethod
    def _keep_lines(state: HostState, stdout: object) -> None:
        if not stdout:
            return
        for line in str(stdout).replace("\r\n", "\n").split("\n"):
            if line.strip():
                state.lines.append(line.rstrip())

    @staticmethod
    def _ended(state: HostState, status: StepStatus, data: Mapping[str, Any], at: float) -> None:
        state.status = status
        state.task = str(data.get("task") or "")
        result = data.get("res")
        state.message = failure_message(result) if isinstance(result, Mapping) else ""
        state.ended_at = at

    def _recap(self, data: Mapping[str, Any], at: float) -> list[HostState]:
        """The playbook's recap: every host's final state in the step."""

        def counted(key: str, name: str) -> int:
            value = data.get(key) or {}
            return int(value.get(name, 0)) if isinstance(value, Mapping) else 0

        for name, state in self.hosts.items():
            if counted("failures", name):
                state.status = S.FAILED
            elif counted("dark", name):
                state.status = S.UNREACHABLE
            elif counted("changed", name):
                state.status = S.CHANGED
            elif counted("ok", name):
                state.status = S.OK
            else:
                state.status = S.SKIPPED
                if not counted("processed", name):
                    state.message = "no play of this step runs on the host"
            if state.status not in (S.FAILED, S.UNREACHABLE):
                state.task = ""
                state.message = state.message if state.status is S.SKIPPED else ""
            if state.ended_at is None or state.status not in (S.FAILED, S.UNREACHABLE):
                state.ended_at = at
        return list(self.hosts.values())

    def close(self, status: StepStatus, message: str) -> list[HostState]:
        """End every host not yet ended (no recap came: cancelled, or ansible failed to start)."""
        now = time.time()
        changed = []
        for state in self.hosts.values():
            if not state.status.ended:
                state.status = status
                state.message = message
                state.ended_at = now
                changed.append(state)
        return changed

    def all(self) -> Iterable[HostState]:
        return self.hosts.values()

    def failed(self) -> bool:
        """21.09's rule: a step fails when a host failed or was unreachable."""
        return any(s.status in (S.FAILED, S.UNREACHABLE) for s in self.hosts.values())

    def outcome(self) -> StepStatus:
        statuses = {s.status for s in self.hosts.values()}
        for status in (S.FAILED, S.UNREACHABLE):
            if status in statuses:
                return S.FAILED
        for status in (S.CANCELLED, S.INTERRUPTED, S.CHANGED, S.OK):
            if status in statuses:
                return status
        return S.SKIPPED
