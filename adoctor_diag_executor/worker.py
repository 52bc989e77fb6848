"""Diagnosing hosts, trees and slices: gather the leaves' evidence, evaluate, write the reports.

Requests are handled in batches (what one poll of the bus returned): the user's rules are read
once, the stored check results and the coverage records of all their hosts and slices come in
one query each per user and cluster of nearby slices, the leaves nobody evaluated are evaluated
once per rule and slice for all their hosts, and the reports are saved in one call per user. A
batch of one is the 21.09 behaviour, one message at a time.

A leaf counts only what its rule, in the version it has now (`StoredRule.version`: condition,
data list, plugin), recorded. It is "checked" when the check executors evaluated that version
for the host over the whole slice (coverage.py), when it has an Abnormal result of that version
(abnormal wins anyway), or when it was evaluated now. Otherwise (no address in the request, the
rule gone or not compiling) it stays unknown, "Not checked: <why>", never silently normal.

A leaf judged on the neighbours (`"scope": "neighbours"`) is the same question asked of each
neighbour the report's neighbours section lists: each becomes a job of its own in the batch
(read, covered and evaluated on demand like the others, never reported), and the leaf's evidence
is theirs combined (aops_utils.trees.evaluate.across_neighbours).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import cast

from adoctor_diag_executor.coverage import Coverage
from adoctor_diag_executor.coverage import concerns
from adoctor_diag_executor.on_demand import evaluate_now
from adoctor_diag_executor.on_demand import group_hosts
from aops_utils.contracts.checks import Value
from aops_utils.contracts.diagnosis import DiagnoseRequest
from aops_utils.data_center import DataCenter
from aops_utils.data_center import ResultRow
from aops_utils.errors import AopsError
from aops_utils.errors import DatabaseUnavailable
from aops_utils.errors import ServiceUnavailable
from aops_utils.jsonio import encode
from aops_utils.rules.evaluation import StoredRule
from aops_utils.rules.rulebook import RuleBook
from aops_utils.trees import LeafEvidence
from aops_utils.trees import Tree
from aops_utils.trees import parse_tree
from aops_utils.trees.evaluate import NOT_CHECKED
from aops_utils.trees.evaluate import across_neighbours

LOG = logging.getLogger(__name__)
Rows = list[dict[str, Any]]
NO_RULE = f"{NOT_CHECKED}: the rule was deleted"
NOT_COMPILED = f"{NOT_CHECKED}: the rule does not compile here, or changed during the diagnosis"
NO_ADDRESS = (
    f"{NOT_CHECKED}: the rule was not evaluated over this whole slice, and the request has no "
    "host address to evaluate it now"
)


@dataclass(slots=True)
class _Job:
    request: DiagnoseRequest
    tree: Tree
    items: frozenset[str]
    # The rules of the leaves judged on the neighbours (none for a neighbour's own job).
    near: frozenset[str] = frozenset()
    # The leaves' results by check item, the items known to be checked in this slice, and why
    # the others are not.
    found: dict[str, Rows] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)
    unchecked: dict[str, str] = field(default_factory=dict)


class DiagWorker:
    def __init__(self, dc: DataCenter, registry: Any, sample_period: int) -> None:
        self._dc = dc
        # No cache: the diag executor hears no rule changes, so each batch reads the rules anew.
        self._rules = RuleBook(dc, registry, seconds=0)
        self._sample_period = sample_period

    def handle(self, request: DiagnoseRequest) -> dict[str, Any]:
        """Write and return the report; raises ServiceUnavailable when the data center is away."""
        return self.handle_batch([request])[0]

    def handle_batch(self, requests: Sequence[DiagnoseRequest]) -> list[dict[str, Any]]:
        """Write and return one report per request, in order. TreeError if a tree is broken."""
        jobs = [
            _Job(request, tree, frozenset(tree.check_items), frozenset(tree.neighbour_items))
            for request, tree in zip(requests, _parse_trees(requests), strict=True)
        ]
        by_user: dict[str, list[_Job]] = defaultdict(list)
        for job in jobs:
            by_user[job.request.username].append(job)
        done: dict[int, dict[str, Any]] = {}
        for username, mine in by_user.items():
            sections = self._neighbours(username, mine)
            nearby = [_neighbour_jobs(job, section) for job, section in zip(mine, sections, strict=True)]
            every = [*mine, *(sub for subs in nearby for sub in subs)]
            wanted = sorted(set().union(*(job.items for job in every)))
            current = {rule.check_item: rule for rule in map(StoredRule.of, self._dc.rules(wanted, username))}
            versions = {item: rule.version for item, rule in current.items()}
            self._read_checked(username, every, current, versions)
            self._evaluate_unchecked(username, every, versions)
            written = [
                _report(job, _near_evidence(job, section, subs)) | {"neighbours": section}
                for job, section, subs in zip(mine, sections, nearby, strict=True)
            ]
            self._dc.save_reports(written, username)
            done.update((id(job), report) for job, report in zip(mine, written, strict=True))
        return [done[id(job)] for job in jobs]

    def _neighbours(self, username: str, jobs: Sequence[_Job]) -> list[dict[str, Any]]:
        """Each job's neighbours section, in one data-center call for the batch. The report is
        written without them, saying why, when the data center cannot answer for another reason
        than an outage (an older data center without the route, the topology unreadable)."""
        slices = [(j.request.host_id, j.request.time_range[0], j.request.time_range[1]) for j in jobs]
        try:
            return self._dc.neighbours(slices, username)
        except (ServiceUnavailable, DatabaseUnavailable):
            raise
        except AopsError as exc:
            LOG.warning("the neighbours of %d reports were not looked up: %s", len(jobs), exc)
            unavailable = {"status": "unavailable", "text": f"neighbours not looked up: {exc}", "total": 0}
            return [{**unavailable, "hosts": []} for _ in jobs]

    def _read_checked(
        self, username: str, jobs: Sequence[_Job], current: dict[str, StoredRule], versions: dict[str, str]
    ) -> None:
        """Each job's stored results of the current rule versions, and what they cover, in one
        results query and one coverage query per slice cluster."""
        pages = []
        coverage = Coverage()
        for cluster in _clusters(jobs):
            items = sorted(set().union(*(job.items for job in cluster)))
            hosts = sorted({job.request.host_id for job in cluster})
            span = [
                min(job.request.time_range[0] for job in cluster),
                max(job.request.time_range[1] for job in cluster),
            ]
            pages.append(self._dc.results(span, items, hosts, username))
            covered = [item for item in items if item in versions]
            if covered:
                coverage.add(self._dc.coverage(span, covered, hosts, username))
        by_host = _by_host(pages, current)
        for job in jobs:
            host = job.request.host_id
            start, end = job.request.time_range
            for row in by_host.get(host, ()):
                if row["check_item"] in job.items and concerns(row["start"], row["end"], start, end):
                    job.found.setdefault(row["check_item"], []).append(row)
            for item in job.items:
                if item not in versions:
                    job.unchecked[item] = NO_RULE
                elif _decided(coverage, job, item, versions[item]):
                    job.checked.add(item)
                else:
                    job.unchecked[item] = NO_ADDRESS

    def _evaluate_unchecked(self, username: str, jobs: Sequence[_Job], versions: dict[str, str]) -> None:
        """The leaves nobody evaluated over their slice, evaluated now per rule and slice for all
        the jobs' hosts; their results replace what was stored for part of the slice."""
        by_slice: dict[tuple[int, int], list[_Job]] = defaultdict(list)
        for job in jobs:
            if job.request.public_ip and any(reason == NO_ADDRESS for reason in job.unchecked.values()):
                by_slice[(job.request.time_range[0], job.request.time_range[1])].append(job)
        if not by_slice:
            return
        # Compiled only now, and only in the version the leaves were read for: a rule changed
        # since is left unknown rather than judged by another version's results.
        pending = sorted({item for waiting in by_slice.values() for job in waiting for item in _pending(job)})
        rules = {
            rule.check_item: (rule, program)
            for rule, program in self._rules.rules(username, pending)
            if versions.get(rule.check_item) == rule.version
        }
        for job in (job for waiting in by_slice.values() for job in waiting):
            for item in _pending(job):
                if item not in rules:
                    job.unchecked[item] = NOT_COMPILED
        for time_range, waiting in by_slice.items():
            wanted = group_hosts([(j.request.host_id, j.request.public_ip, _pending(j)) for j in waiting])
            found = evaluate_now(
                self._dc, rules, username, time_range, wanted, sample_period=self._sample_period
            )
            for job in waiting:
                for item in _pending(job):
                    results = found.get(item, {}).get(job.request.host_id)
                    if results is not None:
                        job.found[item] = results
                        job.checked.add(item)
                        del job.unchecked[item]


def _decided(coverage: Coverage, job: _Job, item: str, version: str) -> bool:
    """Whether the stored results of the item decide its leaf, without evaluating it now.

    Yes when the rule was evaluated without failure over the whole slice (nothing stored means
    normal); when an Abnormal result is stored (abnormal wins); or when it was evaluated over the
    whole slice and a recorded failure is stored (the leaf is unknown, never normal).
    """
    host = job.request.host_id
    start, end = job.request.time_range
    if coverage.covers(item, version, host, start, end):
        return True
    values = {row["value"] for row in job.found.get(item, ())}
    if Value.ABNORMAL in values:
        return True
    return bool(values) and coverage.evaluated(item, version, host, start, end)


def _pending(job: _Job) -> list[str]:
    """The job's items left to evaluate now (their rule exists)."""
    return sorted(item for item, reason in job.unchecked.items() if reason == NO_ADDRESS)


def _neighbour_jobs(job: _Job, section: dict[str, Any]) -> list[_Job]:
    """A job per neighbour the section lists, asking the job's neighbour leaves' rules of it."""
    if not job.near or section.get("status") != "found":
        return []
    return [
        _Job(
            job.request.model_copy(
                update={"host_id": str(host["host_id"]), "public_ip": host.get("public_ip") or ""}
            ),
            job.tree,
            job.near,
        )
        for host in section.get("hosts", [])
    ]


def _near_evidence(job: _Job, section: dict[str, Any], subs: Sequence[_Job]) -> dict[str, LeafEvidence]:
    """The evidence of the job's neighbour leaves, from its neighbours' jobs."""
    if not job.near:
        return {}
    status = section.get("status")
    # "none": the map knows the host and it has no neighbour; any other status but "found" means
    # the map could not say.
    found = "" if status in ("found", "none") else f"{status}, {section.get('text', '')}"
    names = [str(host.get("host_name") or host["host_id"]) for host in section.get("hosts", [])]
    per_host = [(name, _evidence(sub)) for name, sub in zip(names, subs, strict=True)]
    total = int(section.get("total") or 0)
    return {
        item: across_neighbours(item, found, [(name, proofs[item]) for name, proofs in per_host], total)
        for item in job.near
    }


def _evidence(job: _Job) -> dict[str, LeafEvidence]:
    """What the job's results say of each of its rules."""
    return {
        item: LeafEvidence.from_results(
            job.found.get(item, []),
            checked=item in job.checked,
            unchecked=job.unchecked.get(item, NOT_CHECKED),
        )
        for item in job.items
    }


def _report(job: _Job, near: dict[str, LeafEvidence]) -> dict[str, Any]:
    request = job.request
    return {
        "report_id": request.report_id,
        "task_id": request.task_id,
        "host_id": request.host_id,
        "tree_name": request.tree_name,
        "start": request.time_range[0],
        "end": request.time_range[1],
        "report": job.tree.evaluate(_evidence(job), near),
    }


def _by_host(pages: Iterable[list[ResultRow]], current: dict[str, StoredRule]) -> dict[str, Rows]:
    """The rows of several result queries by host, each result once, and only those recorded by
    the rule as it is now: an older version's verdict is not the current one's. A long result
    (a No data over a backward window) can overlap the spans of two slice clusters and come back
    twice."""
    by_host: dict[str, Rows] = defaultdict(list)
    seen: set[tuple[Any, ...]] = set()
    for rows in pages:
        for row in rows:
            # A result's identity, as the data center derives its document id.
            key = (row["host_id"], row["check_item"], row["series"], row["start"], row["end"])
            if key in seen:
                continue
            seen.add(key)
            rule = current.get(row["check_item"])
            if rule is not None and rule.recorded(row):
                # Passed on as decoded: the evaluation reads stored and on-demand rows alike.
                by_host[row["host_id"]].append(cast(dict[str, Any], row))
    return by_host


def _parse_trees(requests: Iterable[DiagnoseRequest]) -> list[Tree]:
    """Each distinct tree parsed once (a batch mostly carries one tree many times)."""
    parsed: dict[bytes, Tree] = {}
    trees = []
    for request in requests:
        key = encode(request.tree_content)
        if key not in parsed:
            parsed[key] = parse_tree(request.tree_content)
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
