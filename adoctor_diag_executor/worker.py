"""Diagnosing one host, tree and slice: gather the leaves' evidence, evaluate, write the report."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from adoctor_check_executor.evaluation import StoredRule, check_rule
from adoctor_check_executor.messages import TaskHost
from adoctor_diag_executor.diagnosis import LeafEvidence, parse_tree
from adoctor_diag_executor.messages import DiagnoseRequest
from aops_utils.clients import ServiceClient

LOG = logging.getLogger(__name__)
FORWARD, BACKWARD = "forward_position", "backward_position"


class DiagWorker:
    def __init__(self, dc: ServiceClient, registry: Any, sample_period: int) -> None:
        self._dc = dc
        self._registry = registry
        self._sample_period = sample_period

    def handle(self, request: DiagnoseRequest) -> dict[str, Any]:
        """Write and return the report; raises ServiceUnavailable when the data center is away."""
        tree = parse_tree(request.tree_content)
        start, end = request.time_range
        items = sorted(tree.check_items)
        rows = self._dc.post(
            "/data/check/result/get",
            {"time_range": [start, end], "check_items": items, "host_list": [request.host_id]},
            acting_user=request.username,
        )["check_result"]
        by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_item[row["check_item"]].append(row)
        checked = self._covered(start, end)
        if not checked:
            # The schedule has not reached this slice yet: evaluate the silent leaves now.
            for item, results in self._on_demand(request, [i for i in items if i not in by_item]).items():
                by_item[item] = results
            checked = True
        evidence = {item: LeafEvidence.from_results(by_item.get(item, []), checked=checked) for item in items}
        report = tree.evaluate(evidence)
        document = {
            "report_id": request.report_id,
            "task_id": request.task_id,
            "host_id": request.host_id,
            "tree_name": request.tree_name,
            "start": start,
            "end": end,
            "report": report,
        }
        self._dc.post("/data/diag/report/save", {"reports": [document]}, acting_user=request.username)
        return document

    def _covered(self, start: int, end: int) -> bool:
        state = self._dc.post("/data/check/state/get", {"names": [FORWARD, BACKWARD]})["state"]
        if FORWARD not in state:
            return False
        return int(state.get(BACKWARD, state[FORWARD])) <= start and end <= int(state[FORWARD])

    def _on_demand(self, request: DiagnoseRequest, items: list[str]) -> dict[str, list[dict[str, Any]]]:
        if not items or not request.public_ip:
            return {}
        rows = self._dc.post("/data/check/rule/get", {"check_items": items}, acting_user=request.username)
        host = [TaskHost(host_id=request.host_id, public_ip=request.public_ip)]
        found: dict[str, list[dict[str, Any]]] = {}
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
