"""Diagnosing hosts, trees and slices: gather the leaves' evidence, evaluate, write the reports.

Requests are handled in batches (what one poll of the bus returned): the stored check results
of all their hosts and slices come in one query per user and cluster of nearby slices, the
check state is read once, the silent leaves of slices the schedule has not covered are
evaluated once per rule and slice for all their hosts, and the reports are saved in one call
per user. A batch of one is the 21.09 behaviour, one message at a time.

A leaf is "checked" when its slice is covered by the check schedule, when it has a stored
result, or when its rule was evaluated now; otherwise (no address in the request, the rule
gone or no longer compiling) it stays unknown, "Not checked", never silently normal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from adoctor_diag_executor.on_demand import evaluate_now, group_hosts
from aops_utils.clients import ServiceClient
from aops_utils.contracts import BACKWARD_POSITION as BACKWARD
from aops_utils.contracts import FORWARD_POSITION as FORWARD
from aops_utils.contracts.diagnosis import DiagnoseRequest
from aops_utils.jsonio import encode
from aops_utils.rules.rulebook import RuleBook
from aops_utils.trees import LeafEvidence, Tree, parse_tree

Rows = list[dict[str, Any]]


@dataclass(slots=True)
class _Job:
    request: DiagnoseRequest
    tree: Tree
    items: frozenset[str]
    # The leaves' results by check item, and the items known to be checked in this slice.
    found: dict[str, Rows] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)


class DiagWorker:
    def __init__(
        self, dc: ServiceClient, registry: Any, sample_period: int, settle_seconds: int = 60
    ) -> None:
        self._dc = dc
        # No cache: the diag executor hears no rule changes, so each batch reads the rules anew.
        self._rules = RuleBook(dc, registry, seconds=0)
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
            self._read_stored(username, mine, coverage)
            self._evaluate_unchecked(username, mine)
            written = [_report(job) for job in mine]
            self._dc.post("/data/diag/report/save", {"reports": written}, acting_user=username)
            done.update((id(job), report) for job, report in zip(mine, written, strict=True))
        return [done[id(job)] for job in jobs]

    def _coverage(self) -> tuple[int, int] | None:
        """The span whose check results are stored, (backward, forward less the settling time);
        None before the check schedule starts."""
        state = self._dc.post("/data/check/state/get", {"names": [FORWARD, BACKWARD]})["state"]
        if FORWARD not in state:
            return None
        return int(state.get(BACKWARD, state[FORWARD])), int(state[FORWARD]) - self._settle

    def _read_stored(self, username: str, jobs: Sequence[_Job], coverage: tuple[int, int] | None) -> None:
        """Each job's stored results, in one query per slice cluster; covered slices are checked."""
        pages = []
        for cluster in _clusters(jobs):
            items = sorted(set().union(*(job.items for job in cluster)))
            hosts = sorted({job.request.host_id for job in cluster})
            span = [
                min(job.request.time_range[0] for job in cluster),
                max(job.request.time_range[1] for job in cluster),
            ]
            pages.append(
                self._dc.post(
                    "/data/check/result/get",
                    {"time_range": span, "check_items": items, "host_list": hosts},
                    acting_user=username,
                )["check_result"]
            )
        by_host = _by_host(pages)
        for job in jobs:
            start, end = job.request.time_range
            for row in by_host.get(job.request.host_id, ()):
                # The span overlaps the slice: the data center's own rule for a time range.
                if row["start"] <= end and row["end"] >= start and row["check_item"] in job.items:
                    job.found.setdefault(row["check_item"], []).append(row)
            if coverage is not None and coverage[0] <= start and end <= coverage[1]:
                job.checked.update(job.items)
            else:
                # Items with a stored result were checked; the silent ones are evaluated now.
                job.checked.update(job.found)

    def _evaluate_unchecked(self, username: str, jobs: Sequence[_Job]) -> None:
        """The silent leaves of unchecked slices, evaluated per slice for all the jobs' hosts."""
        by_slice: dict[tuple[int, int], list[_Job]] = defaultdict(list)
        for job in jobs:
            if job.request.public_ip and job.checked != job.items:
                by_slice[(job.request.time_range[0], job.request.time_range[1])].append(job)
        if not by_slice:
            return
        silent = set().union(*(job.items - job.checked for waiting in by_slice.values() for job in waiting))
        rules = {
            rule.check_item: (rule, compiled)
            for rule, compiled in self._rules.rules(username, sorted(silent))
        }
        for time_range, waiting in by_slice.items():
            wanted = group_hosts(
                [(j.request.host_id, j.request.public_ip, sorted(j.items - j.checked)) for j in waiting]
            )
            found = evaluate_now(
                self._dc, rules, username, time_range, wanted, sample_period=self._sample_period
            )
            for job in waiting:
                for item in job.items - job.checked:
                    results = found.get(item, {}).get(job.request.host_id)
                    if results is not None:
                        job.found[item] = results
                        job.checked.add(item)


def _report(job: _Job) -> dict[str, Any]:
    request = job.request
    evidence = {
        item: LeafEvidence.from_results(job.found.get(item, []), checked=item in job.checked)
        for item in job.items
    }
    return {
        "report_id": request.report_id,
        "task_id": request.task_id,
        "host_id": request.host_id,
        "tree_name": request.tree_name,
        "start": request.time_range[0],
        "end": request.time_range[1],
        "report": job.tree.evaluate(evidence),
    }


def _by_host(pages: Iterable[Rows]) -> dict[str, Rows]:
    """The rows of several result queries by host, each result once: a long result (a No data
    over a backward window) can overlap the spans of two slice clusters and come back twice."""
    by_host: dict[str, Rows] = defaultdict(list)
    seen: set[tuple[Any, ...]] = set()
    for rows in pages:
        for row in rows:
            # A result's identity, as the data center derives its document id.
            key = (row["host_id"], row["check_item"], row["series"], row["start"], row["end"])
            if key not in seen:
                seen.add(key)
                by_host[row["host_id"]].append(row)
    return by_host


def _parse_trees(requests: Iterable[DiagnoseRequest]) -> list[tuple[Tree, frozenset[str]]]:
    """Each distinct tree parsed once (a batch mostly carries one tree many times)."""
    parsed: dict[bytes, tuple[Tree, frozenset[str]]] = {}
    trees = []
    for request in requests:
        key = encode(request.tree_content)
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
