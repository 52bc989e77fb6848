"""Leaves that no check task evaluated over their slice: their rules evaluated now, in bulk.

The requests of a batch that share a user and a slice are evaluated together: each rule is
fetched and compiled once per user and batch (the shared RuleBook), and evaluated once per slice
for all their hosts (one `/data/data/get` per rule through `check_rule`), as the check executor
does for a task.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from aops_utils.contracts.checks import TaskHost
from aops_utils.data_center import DataCenter
from aops_utils.rules.evaluation import check_rule
from aops_utils.rules.rulebook import Compiled

Rows = list[dict[str, Any]]
Rules = dict[str, Compiled]  # by check item


def evaluate_now(
    dc: DataCenter,
    rules: Rules,
    username: str,
    time_range: Sequence[int],
    wanted: dict[str, list[TaskHost]],
    *,
    sample_period: int,
) -> dict[str, dict[str, Rows]]:
    """{check item: {host id: results}} for each item and the hosts that want it.

    A host of the answer was evaluated for that item (an empty list means normal); a host left
    out was not (its rule is not in `rules`), so its leaf stays unknown.
    """
    found: dict[str, dict[str, Rows]] = {}
    for item, hosts in wanted.items():
        if item not in rules:
            continue
        rule, compiled = rules[item]
        results = check_rule(
            dc, username, rule, compiled, hosts=hosts, time_range=time_range, sample_period=sample_period
        )
        by_host: dict[str, Rows] = {host.host_id: [] for host in hosts}
        for result in results:
            by_host.setdefault(result["host_id"], []).append(result)
        found[item] = by_host
    return found


def group_hosts(needs: Sequence[tuple[str, str, Sequence[str]]]) -> dict[str, list[TaskHost]]:
    """(host id, address, items) triples as {item: hosts}, each host once per item."""
    wanted: dict[str, dict[str, TaskHost]] = defaultdict(dict)
    for host_id, public_ip, items in needs:
        for item in items:
            wanted[item].setdefault(host_id, TaskHost(host_id=host_id, public_ip=public_ip))
    return {item: list(hosts.values()) for item, hosts in wanted.items()}
