"""One rule over many hosts and a time window: fetch in bulk, match series, evaluate, record.

The scheduler's `/check/rule/test` and the executor's task loop both call `check_rule`, so a
rule tried before import behaves exactly as it will once imported.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from aops_utils.contracts import NO_DATA_REASON
from aops_utils.contracts.checks import TaskHost
from aops_utils.contracts.checks import Value
from aops_utils.data_center import DataCenter
from aops_utils.data_center import DataReply
from aops_utils.rules.series import Series

LOG = logging.getLogger(__name__)
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


def series_name(name: str, label: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(label.items()))
    return f"{name}{{{inner}}}" if inner else name


def fetch(
    dc: DataCenter, user: str, rule: StoredRule, ips: Sequence[str], *, start: int, end: int
) -> DataReply:
    """One `/data/data/get` call for every host of the task: the bulk path."""
    infos = [{"host_id": ip, "data_list": rule.data_list} for ip in ips]
    return dc.get_data([start, end], infos, user)


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

    Every host's vectors are evaluated in one `evaluate_batch` call; the results come out in
    host order, and within a host in series then time order, as one host at a time would give.
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
    # One group of records per host that cannot be evaluated and per series that can; the
    # groups of the series to evaluate are filled from the batch evaluation below.
    groups: list[list[dict[str, Any]]] = []
    pending: list[_Pending] = []
    for host in hosts:
        data = by_ip[host.public_ip]
        missing = data.missing()
        if missing is not None:
            value, reason = missing
            groups.append([_record(base, host.host_id, "", value, reason, start=start, end=end)])
            continue
        for name, vector in data.vectors():
            if isinstance(vector, str):
                groups.append(
                    [_record(base, host.host_id, name, Value.INTERNAL_ERROR, vector, start=start, end=end)]
                )
            elif not _in_window(vector, start, end):
                # Only history before the window: the window itself has no sample to judge.
                groups.append(
                    [_record(base, host.host_id, name, Value.NO_DATA, NO_DATA_REASON, start=start, end=end)]
                )
            else:
                pending.append(_Pending(len(groups), host.host_id, name, vector))
                groups.append([])
    if pending:
        _evaluate_batch(base, pending, groups, compiled=compiled, start=start, end=end)
    return [record for group in groups for record in group]


@dataclass(frozen=True, slots=True)
class _Pending:
    """A series to evaluate: where its records go, and what they name."""

    group: int
    host_id: str
    name: str
    vector: dict[str, Series]


_FINDING_VALUES = {value.value: value for value in Value}


def _record(
    base: dict[str, Any],
    host_id: str,
    name: str,
    value: Value,
    reason: str,
    *,
    start: float,
    end: float,
) -> dict[str, Any]:
    return {
        **base,
        "host_id": host_id,
        "series": name,
        "start": start,
        "end": end,
        "value": value.value,
        "reason": reason,
    }


def _in_window(vector: dict[str, Series], start: int, end: int) -> bool:
    stamps = vector["$0"].timestamps
    return bool(((stamps >= start) & (stamps <= end)).any())


def _evaluate_batch(
    base: dict[str, Any],
    pending: list[_Pending],
    groups: list[list[dict[str, Any]]],
    *,
    compiled: Any,
    start: int,
    end: int,
) -> None:
    """Evaluate every pending series in one call; on failure, one by one (see `_evaluate`)."""
    try:
        batch = compiled.evaluate_batch([p.vector for p in pending], float(start))
        if len(batch) != len(pending):
            raise ValueError(f"evaluate_batch gave {len(batch)} evaluations for {len(pending)} series")
        no_data = [bool(flag) for flag in batch.no_data]
        found: list[tuple[int, Any]] = [(i, f) for i, f in batch.findings() if not no_data[i]]
    except Exception as exc:  # one host's failure must not abort the others: evaluate them alone
        LOG.warning(
            "rule %s failed on a batch of %d series (%s); evaluating them one by one",
            base["check_item"],
            len(pending),
            exc,
        )
        for p in pending:
            groups[p.group] = _evaluate(
                base, p.host_id, p.name, p.vector, compiled=compiled, start=start, end=end
            )
        return
    for i, p in enumerate(pending):
        if no_data[i]:
            groups[p.group].append(
                _record(base, p.host_id, p.name, Value.NO_DATA, NO_DATA_REASON, start=start, end=end)
            )
    for i, (ts, status, reason) in found:
        if ts <= end:
            p = pending[i]
            groups[p.group].append(
                _record(base, p.host_id, p.name, _FINDING_VALUES[status], reason or "", start=ts, end=ts)
            )


def _evaluate(
    base: dict[str, Any],
    host_id: str,
    name: str,
    vector: dict[str, Series],
    *,
    compiled: Any,
    start: int,
    end: int,
) -> list[dict[str, Any]]:
    """One series alone: the fallback when a batch fails, so that only the failing host errs."""
    try:
        evaluation = compiled.evaluate(vector, float(start))
    except Exception as exc:  # a plugin's failure must not abort the other hosts
        LOG.warning("rule %s failed on %s: %s", base["check_item"], host_id, exc)
        reason = f"evaluation failed: {exc}"
        return [_record(base, host_id, name, Value.INTERNAL_ERROR, reason, start=start, end=end)]
    if evaluation.no_data:
        return [_record(base, host_id, name, Value.NO_DATA, NO_DATA_REASON, start=start, end=end)]
    found = []
    for ts, value, reason in evaluation.findings():
        if ts <= end:
            found.append(_record(base, host_id, name, Value(value), reason or "", start=ts, end=ts))
    return found
