"""One rule over many hosts and a time window: fetch in bulk (packed), then reply.judge.

The scheduler's `/check/rule/test` and the executor's task loop both call `check_rule`, so a
rule tried before import behaves exactly as it will once imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from aops_utils.contracts.checks import TaskHost
from aops_utils.data_center import DataCenter
from aops_utils.data_center import DataReply
from aops_utils.rules.reply import judge

# Seconds between two samples of a metric when the ini files do not say (Prometheus scrapes).
DEFAULT_SAMPLE_PERIOD = 15


@dataclass(frozen=True, slots=True)
class StoredRule:
    check_item: str
    data_list: list[dict[str, Any]]
    condition: str
    description: str
    plugin: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> StoredRule:
        return cls(
            row["check_item"],
            _normal_data_list(row["data_list"]),
            row["condition"],
            row.get("description", ""),
            row.get("plugin", ""),
        )

    @property
    def fields(self) -> dict[str, Any]:
        """What each of its result documents repeats of the rule."""
        return {
            "check_item": self.check_item,
            "data_list": self.data_list,
            "condition": self.condition,
            "plugin": self.plugin,
            "description": self.description,
        }

    @property
    def version(self) -> str:
        return rule_version(self.condition, self.data_list, self.plugin)

    def recorded(self, result: Mapping[str, Any]) -> bool:
        """Whether a stored result was recorded by this version of the rule (same as comparing
        versions, without hashing each result: dicts compare regardless of key order)."""
        return (
            result["condition"] == self.condition
            and (result.get("plugin") or "") == self.plugin
            and _normal_data_list(result["data_list"]) == self.data_list
        )


def _normal_data_list(data_list: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "kpi", "label": {}, **item} for item in data_list]


def rule_version(condition: str, data_list: Iterable[dict[str, Any]], plugin: str) -> str:
    """What a rule evaluates, as a hash: equal for a rule and the results it recorded.

    The description is left out (it changes no verdict). Keys are sorted and the data items'
    defaults filled in, so a rule read back from the data center, a StoredRule and a stored
    result of that rule give the same hash.
    """
    key = {"condition": condition, "data_list": _normal_data_list(data_list), "plugin": plugin or ""}
    return hashlib.sha256(orjson.dumps(key, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def fetch(
    dc: DataCenter, user: str, rule: StoredRule, ips: Sequence[str], *, start: int, end: int
) -> DataReply:
    """One `/data/data/get` call for every host of the task, in the packed form (KPI samples as
    float64 columns, aops_utils.packed): the bulk path."""
    infos = [{"host_id": ip, "data_list": rule.data_list} for ip in ips]
    return dc.get_data([start, end], infos, user, packed=True)


def check_rule(
    dc: DataCenter,
    user: str,
    rule: StoredRule,
    compiled: Any,
    *,
    hosts: Sequence[TaskHost],
    time_range: Sequence[int],
    sample_period: int,
) -> list[dict[str, Any]]:
    """Results of one rule over the hosts for the window (normal samples record nothing).

    Every host's series are evaluated in one `evaluate_columns` call (reply.judge); the results
    come out in host order, and within a host in series then time order, as one host at a time
    would give.
    """
    start, end = int(time_range[0]), int(time_range[1])
    history = int(compiled.history_seconds(sample_period))
    if history > 0:
        # Scrapes are not exactly sample_period apart (scrape jitter, the target's offset in the
        # interval, millisecond timestamps), so the N-th sample before the window's first one can
        # lie a little more than N periods before start. Without slack that sample is not
        # fetched and the first samples of a `#N` rule are not evaluable. Half a period more is
        # enough and adds no result: only samples at or after start are evaluated, and window
        # functions look back by their own width, not to the first sample fetched.
        history += sample_period // 2
    ips = sorted({h.public_ip for h in hosts})
    reply = fetch(dc, user, rule, ips, start=start - history, end=end)
    return judge(reply, rule.data_list, rule.fields, compiled, hosts, start=start, end=end)
