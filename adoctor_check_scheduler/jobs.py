"""The check schedule: forward windows, backward history, and retries of failed windows.

Positions live in the data center (`check_state`), so a restart resumes where the scheduler
stopped instead of re-scanning history from "now" (21.09). A window is consumed only once its
tasks are published: when the data center or the bus is away, the same window is tried again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from adoctor_check_scheduler.settings import SchedulerSection
from aops_utils.bus import Message
from aops_utils.bus import Producer
from aops_utils.contracts import BACKWARD_POSITION as BACKWARD
from aops_utils.contracts import FORWARD_POSITION as FORWARD
from aops_utils.contracts.checks import CheckTask
from aops_utils.contracts.topics import BACKWARD_TASK_ID
from aops_utils.contracts.topics import FORWARD_TASK_ID
from aops_utils.contracts.topics import Topic
from aops_utils.data_center import DataCenter
from aops_utils.errors import AopsError
from aops_utils.threads import Loop

LOG = logging.getLogger(__name__)
HOSTS_PER_TASK = 200  # hosts of one user per task, so that several executors share a big fleet


class CheckSchedule:
    def __init__(
        self,
        dc: DataCenter,
        producer: Producer,
        settings: SchedulerSection,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._dc = dc
        self._producer = producer
        self._settings = settings
        self._clock = clock

    def _state(self) -> dict[str, int]:
        return self._dc.state([FORWARD, BACKWARD])

    def _save(self, **state: int) -> None:
        self._dc.set_state(state)

    def _publish(self, task_id: int | str, start: int, end: int) -> None:
        for user, hosts in self._fleet().items():
            for offset in range(0, len(hosts), HOSTS_PER_TASK):
                chunk = hosts[offset : offset + HOSTS_PER_TASK]
                task = CheckTask(task_id=task_id, user=user, host_list=chunk, time_range=[start, end])
                # No key: keyed tasks of one user hashed to one partition, so one consumer got
                # them all; unkeyed ones take the partitions in turn (the Kafka bus's
                # SpreadingPartitioner) and the executors' consumers share them.
                self._producer.send(Topic.DO_CHECK, task.message())
        self._producer.flush()

    def _fleet(self) -> dict[str, list[Any]]:
        return {
            user: [{"host_id": h["host_id"], "public_ip": h["public_ip"]} for h in hosts]
            for user, hosts in self._dc.hosts_by_user().items()
            if hosts
        }

    def forward(self) -> tuple[int, int] | None:
        """Publish the window since the last forward position; returns it (None if empty)."""
        now = int(self._clock())
        state = self._state()
        start = state.get(FORWARD)
        if start is None:
            # First start ever: checking begins now and history is scanned back from here.
            self._save(**{FORWARD: now, BACKWARD: state.get(BACKWARD, now)})
            return None
        # A scrape that began before `now` may not be stored yet: stay one lag behind so the
        # next window, which starts at this end, cannot skip it.
        end = min(now - self._settings.forward_lag, start + self._settings.forward_max_task_step)
        if end <= start:
            return None
        self._publish(FORWARD_TASK_ID, start, end)
        self._save(**{FORWARD: end})
        return start, end

    def backward(self) -> tuple[int, int] | None:
        """Publish the next history window (going back to backward_min_timestamp)."""
        state = self._state()
        position = state.get(BACKWARD)
        floor = self._settings.backward_min_timestamp
        if position is None or position <= floor:
            return None
        start = max(position - self._settings.backward_task_step, floor)
        self._publish(BACKWARD_TASK_ID, start, position)
        self._save(**{BACKWARD: start})
        return start, position

    def retries(self) -> int:
        """Publish the retries whose cool-down is over; trim the dead ones."""
        s = self._settings
        now = int(self._clock())
        due = self._dc.due_retries(now, s.retry_batch, max(s.cool_down_time, 300))
        for retry in due:
            task = CheckTask(
                task_id=retry["retry_id"],
                user=retry["username"],
                host_list=retry["host_list"],
                check_items=retry["check_items"],
                time_range=retry["time_range"],
            )
            self._producer.send(Topic.DO_CHECK, task.message(), key=retry["retry_id"])
        if due:
            self._producer.flush()
        self._dc.trim_retries(s.max_dead_retry_task, s.dead_retry_task_discount)
        return len(due)

    def on_retry_message(self, message: Message) -> None:
        """RETRY_CHECK_TOPIC: remember a failed window; it becomes due after the cool-down."""
        task = CheckTask.model_validate(message.value)
        retry: dict[str, Any] = {
            "username": task.user,
            "host_list": [h.model_dump() for h in task.host_list],
            "check_items": task.check_items,
            "time_range": task.time_range,
            "due_at": int(self._clock()) + self._settings.cool_down_time,
        }
        if isinstance(task.task_id, str):
            retry["retry_id"] = task.task_id
        self._dc.add_retries([retry], self._settings.max_retry_num)


class ScheduleLoop(Loop):
    """Runs the forward job and the backward/retry job at their intervals in one thread."""

    def __init__(self, schedule: CheckSchedule, settings: SchedulerSection) -> None:
        super().__init__("check-schedule")
        self._schedule = schedule
        self._settings = settings

    def run_loop(self) -> None:
        now = time.monotonic()
        # The first forward run only records the starting point; run it at once.
        next_forward, next_backward = now, now + self._settings.backward_task_interval
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= next_forward:
                self._guard("forward", self._schedule.forward)
                next_forward = now + self._settings.forward_task_interval
            if now >= next_backward:
                self._guard("retry", self._schedule.retries)
                self._guard("backward", self._schedule.backward)
                next_backward = now + self._settings.backward_task_interval
            self.stop.wait(min(next_forward, next_backward) - time.monotonic())

    def _guard(self, name: str, job: Callable[[], object]) -> None:
        try:
            job()
        except AopsError as exc:
            LOG.warning("%s check job: %s (the window is kept for the next run)", name, exc.detail)
        except Exception:
            LOG.exception("%s check job failed", name)
