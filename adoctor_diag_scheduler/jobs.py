"""Publishing a task's slices, and the task watch that brings every task to an end.

The watch runs at start and then every `[task] watch_interval` seconds in each scheduler process
(aops_utils.tasks). The data center renews this process's leases, records the finished tasks,
fails the tasks past their deadline, and hands over the tasks whose lease ran out (their
scheduler died): their slices without a report are published again. Report ids are derived
from the task, host, tree and slice, so a slice diagnosed twice overwrites its report.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from itertools import pairwise
from typing import Any

from adoctor_diag_scheduler.settings import TaskSection
from aops_utils.bus import Producer
from aops_utils.contracts.data_center.diagnosis import ListReportsBody
from aops_utils.contracts.data_center.diagnosis import WatchTasksBody
from aops_utils.contracts.diagnosis import DiagnoseRequest
from aops_utils.contracts.diagnosis import report_id
from aops_utils.data_center import DataCenter
from aops_utils.data_center import HostRow
from aops_utils.data_center import TaskRow
from aops_utils.errors import AopsError

LOG = logging.getLogger(__name__)


def slices(start: int, end: int, interval: int) -> list[tuple[int, int]]:
    """[start, end] cut into `interval`-second slices; the last one may be shorter (21.09)."""
    return list(pairwise([*range(start, end, interval), end]))


@dataclass(frozen=True, slots=True)
class Slice:
    host: HostRow
    tree_name: str
    start: int
    end: int


def publish(
    producer: Producer,
    topic: str,
    username: str,
    task_id: str,
    *,
    trees: dict[str, Any],
    work: Iterable[Slice],
) -> int:
    """One DIAGNOSE_EXECUTE_REQ per slice (`trees`: name -> content); returns how many."""
    sent = 0
    for item in work:
        message = DiagnoseRequest(
            username=username,
            host_id=item.host["host_id"],
            public_ip=item.host["public_ip"],
            time_range=[item.start, item.end],
            tree_name=item.tree_name,
            tree_content=trees[item.tree_name],
            task_id=task_id,
        )
        producer.send(topic, message.model_dump(), key=item.host["host_id"])
        sent += 1
    producer.flush()
    return sent


@dataclass(eq=False)
class TaskWatch:
    dc: DataCenter
    producer: Producer
    topic: str
    settings: TaskSection
    owner: str
    # With the in-process bus, the queue of a scheduler that stopped died with it, and no
    # other process shares the data: the first watch takes every running task over at once.
    takeover: bool = field(default=False, kw_only=True)
    # Claimed tasks not yet published again: this process holds their lease, so nobody else
    # will; a resume that failed (an outage) is tried again at the next watch.
    _pending: dict[str, TaskRow] = field(default_factory=dict, init=False)

    @property
    def lease(self) -> int:
        return self.settings.lease

    def timeout(self, reports: int) -> int:
        """Seconds a task of `reports` reports may take before it is failed."""
        return self.settings.timeout + math.ceil(reports * self.settings.timeout_per_report)

    def run(self) -> int:
        """One watch; returns how many requests were published again."""
        s = self.settings
        body = WatchTasksBody(
            owner=self.owner,
            lease=s.lease,
            takeover=self.takeover,
            timeout=s.timeout,
            timeout_per_report=s.timeout_per_report,
        )
        reply = self.dc.watch_tasks(body)
        self.takeover = False
        for failed in reply["failed"]:
            LOG.warning("diagnosis task %s failed: %s", failed["task_id"], failed["reason"])
        self._pending.update((task["task_id"], task) for task in reply["claimed"])
        published = 0
        for task_id, task in list(self._pending.items()):
            try:
                published += self.resume(task)
            except AopsError as exc:
                LOG.warning("diagnosis task %s: resuming it failed: %s (tried again)", task_id, exc.detail)
                continue
            del self._pending[task_id]
        return published

    def resume(self, task: TaskRow) -> int:
        """Publish the task's slices that have no report yet; fail it when one cannot be made."""
        username, task_id = task["username"], task["task_id"]
        trees = {t["tree_name"]: t["tree_content"] for t in self.dc.trees(task["tree_list"], username)}
        hosts = {h["host_id"]: h for h in self.dc.host_basics(task["host_list"], username)}
        stored = self._stored(username, task_id)
        start, end = task["time_range"]
        cuts = slices(int(start), int(end), task["interval"])
        missing = [
            (host_id, tree_name, a, b)
            for host_id in task["host_list"]
            for tree_name in task["tree_list"]
            for a, b in cuts
            if report_id(task_id, host_id, tree_name, a, b) not in stored
        ]
        gone = sorted({f"fault tree {t!r}" for _, t, _, _ in missing if t not in trees}) + sorted(
            {f"host {h}" for h, _, _, _ in missing if h not in hosts}
        )
        if gone:
            verb = "exists" if len(gone) == 1 else "exist"
            reason = f"cannot be resumed: {', '.join(gone[:10])} no longer {verb}"
            self.dc.fail_task(task_id, reason, username)
            LOG.warning("diagnosis task %s failed: %s", task_id, reason)
            return 0
        work = (Slice(hosts[h], t, a, b) for h, t, a, b in missing)
        sent = publish(self.producer, self.topic, username, task_id, trees=trees, work=work)
        LOG.info("diagnosis task %s resumed: %d of its slices published again", task_id, sent)
        return sent

    def _stored(self, username: str, task_id: str) -> set[str]:
        """The ids of the task's stored reports: one unpaged listing (the summaries, without the
        evaluated trees), read only when a task is resumed."""
        reply = self.dc.list_reports(ListReportsBody(task_id=task_id), username)
        rows: Sequence[dict[str, Any]] = reply["result"]
        return {row["report_id"] for row in rows}
