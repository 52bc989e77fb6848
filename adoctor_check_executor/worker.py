"""Processing one check task: evaluate its rules, store the results and what was covered, ask for retries."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from aops_utils.bus import Producer
from aops_utils.contracts.checks import CheckTask
from aops_utils.contracts.checks import TaskHost
from aops_utils.contracts.checks import Value
from aops_utils.contracts.topics import BACKWARD_TASK_ID
from aops_utils.contracts.topics import FORWARD_TASK_ID
from aops_utils.contracts.topics import Topic
from aops_utils.data_center import DataCenter
from aops_utils.rules.evaluation import check_rule
from aops_utils.rules.rulebook import RuleBook

LOG = logging.getLogger(__name__)
SAVE_CHUNK = 10000


@dataclass(frozen=True, slots=True)
class CheckWorker:
    dc: DataCenter
    rules: RuleBook
    producer: Producer
    sample_period: int

    def handle(self, task: CheckTask) -> list[dict[str, Any]]:
        """Check the window; raises ServiceUnavailable when the data center is away (no commit)."""
        owned = self._owned(task)
        if owned is None:
            return []
        task = owned
        rules = self.rules.rules(task.user, task.check_items)
        is_retry = task.task_id not in (FORWARD_TASK_ID, BACKWARD_TASK_ID)
        results: list[dict[str, Any]] = []
        covered: list[dict[str, Any]] = []
        for stored, compiled in rules:
            found = check_rule(
                self.dc,
                task.user,
                stored,
                compiled,
                hosts=task.host_list,
                time_range=task.time_range,
                sample_period=self.sample_period,
            )
            results += found
            failed = sorted({r["host_id"] for r in found if r["value"] != Value.ABNORMAL})
            covered.append({"check_item": stored.check_item, "version": stored.version, "failed": failed})
        if is_retry:
            self._forget_failures(task, [stored.check_item for stored, _ in rules])
        for offset in range(0, len(results), SAVE_CHUNK):
            self.dc.save_results(results[offset : offset + SAVE_CHUNK], task.user)
        if covered:
            # Only after the results: a diag executor that sees the coverage also sees them.
            # A crash in between leaves the window uncovered, which is evaluated on demand.
            record = {
                "time_range": list(task.time_range),
                "host_list": [h.host_id for h in task.host_list],
                "rules": covered,
            }
            self.dc.save_coverage([record], task.user)
        self._follow_up(task, results, is_retry)
        return results

    def _forget_failures(self, task: CheckTask, items: list[str]) -> None:
        """Delete what a retried window recorded for the host and rule pairs that failed there
        (their No data / Internal error), before its new results are stored.

        Only those pairs: the retry's hosts x rules also holds pairs that were checked fine, and
        deleting their Abnormal results would let a diagnosis meanwhile read them as normal (they
        are covered). A failed pair is not covered, so it is evaluated on demand meanwhile.
        """
        start, end = task.time_range
        rows = self.dc.results([start, end], items, [h.host_id for h in task.host_list], task.user)
        failed: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            # Within the window, as the delete route reads a time range.
            if row["value"] != Value.ABNORMAL and start <= row["start"] and row["end"] <= end:
                failed[row["host_id"]].add(row["check_item"])
        by_items: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for host_id, found in failed.items():
            by_items[tuple(sorted(found))].append(host_id)
        for names, host_ids in by_items.items():
            self.dc.delete_results([start, end], names, sorted(host_ids), task.user)

    def _owned(self, task: CheckTask) -> CheckTask | None:
        """The task limited to hosts the user still owns (a host may be deleted meanwhile)."""
        ids = [h.host_id for h in task.host_list]
        rows = self.dc.host_basics(ids, task.user)
        current = {row["host_id"]: row["public_ip"] for row in rows}
        hosts = [TaskHost(host_id=hid, public_ip=current[hid]) for hid in ids if hid in current]
        if not hosts:
            LOG.info("task %s of %s: none of its hosts exists any more", task.task_id, task.user)
            return None
        return task.model_copy(update={"host_list": hosts})

    def _follow_up(self, task: CheckTask, results: list[dict[str, Any]], is_retry: bool) -> None:
        failed = [r for r in results if r["value"] != Value.ABNORMAL]
        if failed and task.task_id != BACKWARD_TASK_ID:
            hosts = {r["host_id"] for r in failed}
            retry = CheckTask(
                task_id=task.task_id,
                user=task.user,
                host_list=[h for h in task.host_list if h.host_id in hosts],
                check_items=sorted({r["check_item"] for r in failed}),
                time_range=list(task.time_range),
            )
            self.producer.send(Topic.RETRY_CHECK, retry.message(), key=task.user)
            self.producer.flush()
        elif is_retry and not failed:
            self.dc.delete_retries([str(task.task_id)])
