"""Leaves of slices the check schedule has not covered: their rules evaluated now, in bulk.

The requests of a batch that share a user and a slice are evaluated together: each rule is
fetched, compiled and evaluated once for all their hosts (one `/data/data/get` per rule through
`check_rule`), as the check executor does for a task.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from adoctor_check_executor.evaluation import StoredRule, check_rule
from adoctor_check_executor.messages import TaskHost
from aops_utils.clients import ServiceClient

LOG = logging.getLogger(__name__)
Rows = list[dict[str, Any]]


def evaluate_now(
    dc: ServiceClient,
    registry: Any,
    username: str,
    time_range: Sequence[int],
    wanted: dict[str, list[TaskHost]],
    *,
    sample_period: int,
) -> dict[str, dict[str, Rows]]:
    """{check item: {host id: results}} for each item and the hosts that want it.

    A host of the answer was evaluated for that item (an empty list means normal); a host left
    out was not (its rule is missing or no longer compiles), so its leaf stays unknown.
    """
    if not wanted:
        return {}
    rows = dc.post("/data/check/rule/get", {"check_items": sorted(wanted)}, acting_user=username)
    found: dict[str, dict[str, Rows]] = {}
    for row in rows["check_items"]:
        rule = StoredRule.of(row)
        hosts = wanted.get(rule.check_item)
        if not hosts:
            continue
        try:
            compiled = registry.compile(
                plugin=rule.plugin, condition=rule.condition, data_list=rule.data_list
            )
        except Exception as exc:  # a stored rule that no longer compiles leaves its leaves unknown
            LOG.warning("rule %s does not compile: %s", rule.check_item, exc)
            continue
        results = check_rule(
            dc, username, rule, compiled, hosts=hosts, time_range=time_range, sample_period=sample_period
        )
        by_host: dict[str, Rows] = {host.host_id: [] for host in hosts}
        for result in results:
            by_host.setdefault(result["host_id"], []).append(result)
        found[rule.check_item] = by_host
    return found


def group_hosts(needs: Sequence[tuple[str, str, Sequence[str]]]) -> dict[str, list[TaskHost]]:
    """(host id, address, items) triples as {item: hosts}, each host once per item."""
    wanted: dict[str, dict[str, TaskHost]] = defaultdict(dict)
    for host_id, public_ip, items in needs:
        for item in items:
            wanted[item].setdefault(host_id, TaskHost(host_id=host_id, public_ip=public_ip))
    return {item: list(hosts.values()) for item, hosts in wanted.items()}
