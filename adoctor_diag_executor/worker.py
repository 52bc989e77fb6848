"""Diagnosing hosts, trees and slices: gather the leaves' evidence, evaluate, write the reports.

Requests are handled in batches (what one poll of the bus returned): the stored check results
of all their hosts and slices come in one query per user and cluster of nearby slices, the
check state is read once, and the reports are saved in one call per user. A batch of one is
the 21.09 behaviour, one message at a time.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from adoctor_check_executor.evaluation import StoredRule, check_rule
from adoctor_check_executor.messages import TaskHost
from adoctor_diag_executor.diagnosis import LeafEvidence, Tree, parse_tree
from adoctor_diag_executor.messages import DiagnoseRequest
from aops_utils.clients import ServiceClient
from aops_utils.jsonio import dumps

LOG = logging.getLogger(__name__)
FORWARD, BACKWARD = "forward_position", "backward_position"
Rows = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class _Job:
    request: DiagnoseRequest
    tree: Tree

    items: frozenset[str]


class DiagWorker:
    def __init__(
        self, dc: ServiceClient, registry: Any, sample_period: int, settle_seconds: int = 60
    ) -> None:
        self._dc = dc
        self._registry = registry
        self._sample_period = sample_period
        self._settle = settle_seconds

    def handle(self, request: DiagnoseRequest) -> dict[str, Any]:
        """Write and return the report; raises ServiceUnavailable when the data center is away."""
        return self.handle_batch([request])[0]

    def handle_batch(self, requests: Sequence[DiagnoseRequest]) -> list[dict[str, Any]]:
        """Write and return one report per request, in order. TreeError if a tree is broken."""
        jobs = [
            _Job(request, tree, items)
            for request, (tree, items) in zip(requests, _parse_trees(requests), strict=True)
        ]
        coverage = self._coverage()
        by_user: dict[str, list[_Job]] = defaultdict(list)
        for job in jobs:
            by_user[job.request.username].append(job)
        done: dict[int, dict[str, Any]] = {}
        for username, mine in by_user.items():
            stored = self._stored_results(username, mine)
            written = [self._diagnose(job, stored, coverage) for job in mine]
            self._dc.post("/data/diag/report/save", {"reports": written}, acting_user=username)
            done.update((id(job), report) for job, report in zip(mine, written, strict=True))
        return [done[id(job)] for job in jobs]

    def _diagnose(
        self, job: _Job, stored: dict[str, Rows], coverage: tuple[int, int] | None
    ) -> dict[str, Any]:
        request = job.request
        start, end = request.time_range
        by_item: dict[str, Rows] = defaultdict(list)
        for row in stored.get(request.host_id, ()):
            # The span overlaps the slice: the data center's own rule for a time range.
            if row["start"] <= end and row["end"] >= start and row["check_item"] in job.items:
                by_item[row["check_item"]].append(row)
        checked = coverage is not None and coverage[0] <= start and end <= coverage[1]
        if not checked:
            # The schedule has not reached this slice yet: evaluate the silent leaves now.
            silent = sorted(item for item in job.items if item not in by_item)
            by_item.update(self._on_demand(request, silent))
            checked = True
        evidence = {
            item: LeafEvidence.from_results(by_item.get(item, []), checked=checked) for item in job.items
        }
        return {
            "report_id": request.report_id,
            "task_id": request.task_id,
            "host_id": request.host_id,
            "tree_name": request.tree_name,
            "start": start,
            "end": end,
            "report": job.tree.evaluate(evidence),
        }

    def _coverage(self) -> tuple[int, int] | None:
        """The span whose check results are stored, (backward, forward less the settling time);
        None before the check schedule starts."""
        state = self._dc.post("/data/check/state/get", {"names": [FORWARD, BACKWARD]})["state"]
        if FORWARD not in state:
            return None
        return int(state.get(BACKWARD, state[FORWARD])), int(state[FORWARD]) - self._settle

    def _stored_results(self, username: str, jobs: Sequence[_Job]) -> dict[str, Rows]:
        """Stored results of the jobs' hosts and rules, by host, in one query per slice cluster."""
        by_host: dict[str, Rows] = defaultdict(list)
        for cluster in _clusters(jobs):
            items = sorted(set().union(*(job.items for job in cluster)))
            hosts = sorted({job.request.host_id for job in cluster})
            span = [
                min(job.request.time_range[0] for job in cluster),
                max(job.request.time_range[1] for job in cluster),
            ]
            rows = self._dc.post(
                "/data/check/result/get",
                {"time_range": span, "check_items": items, "host_list": hosts},
                acting_user=username,
            )["check_result"]
            for row in rows:
                by_host[row["host_id"]].append(row)
        return by_host

    def _on_demand(self, request: DiagnoseRequest, items: list[str]) -> dict[str, Rows]:
        if not items or not request.public_ip:
            return {}
        rows = self._dc.post("/data/check/rule/get", {"check_items": items}, acting_user=request.username)
        host = [TaskHost(host_id=request.host_id, public_ip=request.public_ip)]
        found: dict[str, Rows] = {}
        for row in rows["check_items"]:
            rule = StoredRule.of(row)
            try:
                compiled = self._registry.compile(
                    plugin=rule.plugin, condition=rule.condition, data_list=rule.data_list
                )
            except Exception as exc:  # a stored rule that no longer compiles leaves its leaf unknown
                LOG.warning("rule %s does not compile: %s", rule.check_item, exc)
                continue
            found[rule.check_item] = check_rule(
                self._dc,
                request.username,
                rule,
                compiled,
                hosts=host,
                time_range=request.time_range,
                sample_period=self._sample_period,
            )
        return found


def _parse_trees(requests: Iterable[DiagnoseRequest]) -> list[tuple[Tree, frozenset[str]]]:
    """Each distinct tree parsed once (a batch mostly carries one tree many times)."""
    parsed: dict[str, tuple[Tree, frozenset[str]]] = {}
    trees = []
    for request in requests:
        key = dumps(request.tree_content)
        if key not in parsed:
            tree = parse_tree(request.tree_content)
            parsed[key] = (tree, frozenset(tree.check_items))
        trees.append(parsed[key])
    return trees


def _clusters(jobs: Sequence[_Job]) -> list[list[_Job]]:
    """Jobs grouped so that each group's span is at most twice the distinct slices it covers.

    One query over a group's span fetches its results; the bound keeps a batch that mixes last
    year with today from reading everything in between.
    """
    ordered = sorted(jobs, key=lambda job: job.request.time_range[0])
    clusters: list[list[_Job]] = []
    slices: set[tuple[int, int]] = set()
    begin = end = 0
    for job in ordered:
        start, stop = job.request.time_range
        if (start, stop) in slices:
            clusters[-1].append(job)
            continue
        covered = sum(b - a for a, b in slices) + stop - start
        if clusters and max(end, stop) - begin <= 2 * covered:
            clusters[-1].append(job)
            end = max(end, stop)
        else:
            clusters.append([job])
            slices = set()
            begin, end = start, stop
        slices.add((start, stop))
    return clusters
