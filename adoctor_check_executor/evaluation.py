"""One rule over many hosts and a time window: fetch in bulk, match series, evaluate, record.

The scheduler's `/check/rule/test` and the executor's task loop both call `check_rule`, so a
rule tried before import behaves exactly as it will once imported.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from adoctor_check_executor.messages import TaskHost, Value
from adoctor_check_executor.rules.series import Series
from aops_utils.clients import ServiceClient
from aops_utils.codes import Code
from aops_utils.errors import AopsError

LOG = logging.getLogger(__name__)
NO_DATA_REASON = "no data in the time range"


@dataclass(frozen=True, slots=True)
class StoredRule:
    check_item: str
    data_list: list[dict[str, Any]]
    condition: str
    description: str
    plugin: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> StoredRule:
        return cls(
            row["check_item"],
            [{"type": "kpi", "label": {}, **item} for item in row["data_list"]],
            row["condition"],
            row.get("description", ""),
            row.get("plugin", ""),
        )


def series_name(name: str, label: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(label.items()))
    return f"{name}{{{inner}}}" if inner else name


def result_id(username: str, result: dict[str, Any]) -> str:
    key = "\0".join(str(result[k]) for k in ("host_id", "check_item", "series", "start", "end"))
    return hashlib.sha256(f"{username}\0{key}".encode()).hexdigest()[:32]


def fetch(
    dc: ServiceClient, user: str, rule: StoredRule, ips: Sequence[str], *, start: int, end: int
) -> dict[str, Any]:
    """One `/data/data/get` call for every host of the task: the bulk path."""
    body = {
        "time_range": [start, end],
        "data_infos": [{"host_id": ip, "data_list": rule.data_list} for ip in ips],
    }
    try:
        return dc.post("/data/data/get", body, acting_user=user)
    except AopsError as exc:
        # 1104 means nothing matched: the per-host reasons are still in the payload.
        if exc.code is Code.DATABASE_QUERY_ERROR and "fail_list" in exc.payload:
            return {"succeed_list": [], **exc.payload}
        raise


def _matches(item: dict[str, Any], entry: dict[str, Any]) -> bool:
    if entry.get("name") != item["name"]:
        return False
    wanted: dict[str, str] = item.get("label") or {}
    got: dict[str, str] = entry.get("label") or {}
    return all(got.get(k) == v for k, v in wanted.items())


class HostData:
    """The series and the failures of one host, by data item index."""

    def __init__(self, data_list: list[dict[str, Any]]) -> None:
        self.data_list = data_list
        self.series: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.failures: dict[int, str] = {}

    def add(self, entry: dict[str, Any]) -> None:
        for index, item in enumerate(self.data_list):
            if _matches(item, entry):
                self.series[index].append(entry)

    def fail(self, entry: dict[str, Any]) -> None:
        for index, item in enumerate(self.data_list):
            if entry.get("name") == item["name"]:
                self.failures.setdefault(index, str(entry.get("reason") or NO_DATA_REASON))

    def missing(self) -> tuple[Value, str] | None:
        """Why this host cannot be evaluated, or None when every item has data."""
        for index, item in enumerate(self.data_list):
            if self.series.get(index):
                continue
            reason = self.failures.get(index, NO_DATA_REASON)
            value = Value.NO_DATA if reason == NO_DATA_REASON else Value.INTERNAL_ERROR
            return value, f"${index} ({item['name']}): {reason}"
        return None

    def vectors(self) -> Iterable[tuple[str, dict[str, Series] | str]]:
        """One vector per series of `$0`; the others are the series that agree with it."""
        for main in self.series[0]:
            name = series_name(main["name"], main.get("label") or {})
            vector: dict[str, Series] = {"$0": _series(self.data_list[0], main)}
            problem = ""
            for index in range(1, len(self.data_list)):
                chosen = _partner(main, self.series[index])
                if chosen is None:
                    problem = f"${index} matches several series; add labels to tell them apart"
                    break
                vector[f"${index}"] = _series(self.data_list[index], chosen)
            yield name, (problem or vector)


def _series(item: dict[str, Any], entry: dict[str, Any]) -> Series:
    if item.get("type") == "log":
        return Series.from_log(entry["values"])
    return Series.from_pairs(entry["values"])


def _partner(main: dict[str, Any], candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    if len(candidates) == 1:
        return candidates[0]
    labels = main.get("label") or {}
    agreeing = [
        c
        for c in candidates
        if all(labels.get(k) == v for k, v in (c.get("label") or {}).items() if k in labels)
    ]
    return agreeing[0] if len(agreeing) == 1 else None


def check_rule(
    dc: ServiceClient,
    user: str,
    rule: StoredRule,
    compiled: Any,
    *,
    hosts: Sequence[TaskHost],
    time_range: Sequence[int],
    sample_period: int,
) -> list[dict[str, Any]]:
    """Results of one rule over the hosts for the window (normal samples record nothing)."""
    start, end = int(time_range[0]), int(time_range[1])
    history = int(compiled.history_seconds(sample_period))
    ips = sorted({h.public_ip for h in hosts})
    reply = fetch(dc, user, rule, ips, start=start - history, end=end)
    by_ip: dict[str, HostData] = {ip: HostData(rule.data_list) for ip in ips}
    for entry in reply.get("succeed_list", []):
        if entry.get("host_id") in by_ip:
            by_ip[entry["host_id"]].add(entry)
    for entry in reply.get("fail_list", []):
        if isinstance(entry, dict) and entry.get("host_id") in by_ip:
            by_ip[entry["host_id"]].fail(entry)
    base = {
        "check_item": rule.check_item,
        "data_list": rule.data_list,
        "condition": rule.condition,
        "plugin": rule.plugin,
        "description": rule.description,
    }
    results: list[dict[str, Any]] = []
    for host in hosts:
        data = by_ip[host.public_ip]
        missing = data.missing()
        if missing is not None:
            value, reason = missing
            results.append(
                {
                    **base,
                    "host_id": host.host_id,
                    "series": "",
                    "start": start,
                    "end": end,
                    "value": value.value,
                    "reason": reason,
                }
            )
            continue
        for name, vector in data.vectors():
            results += _evaluate(base, host.host_id, name, vector, compiled=compiled, start=start, end=end)
    return results


def _evaluate(
    base: dict[str, Any],
    host_id: str,
    name: str,
    vector: dict[str, Series] | str,
    *,
    compiled: Any,
    start: int,
    end: int,
) -> list[dict[str, Any]]:
    def record(value: Value, at_start: float, at_end: float, reason: str) -> dict[str, Any]:
        return {
            **base,
            "host_id": host_id,
            "series": name,
            "start": at_start,
            "end": at_end,
            "value": value.value,
            "reason": reason,
        }

    if isinstance(vector, str):
        return [record(Value.INTERNAL_ERROR, start, end, vector)]
    stamps = vector["$0"].timestamps
    if not bool(((stamps >= start) & (stamps <= end)).any()):
        # Only history before the window: the window itself has no sample to judge.
        return [record(Value.NO_DATA, start, end, NO_DATA_REASON)]
    try:
        evaluation = compiled.evaluate(vector, float(start))
    except Exception as exc:  # a plugin's failure must not abort the other hosts
        LOG.warning("rule %s failed on %s: %s", base["check_item"], host_id, exc)
        return [record(Value.INTERNAL_ERROR, start, end, f"evaluation failed: {exc}")]
    if evaluation.no_data:
        return [record(Value.NO_DATA, start, end, NO_DATA_REASON)]
    found = []
    for ts, value, reason in evaluation.findings():
        if ts <= end:
            found.append(record(Value(value), ts, ts, reason or ""))
    return found
