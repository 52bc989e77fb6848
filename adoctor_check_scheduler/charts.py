"""`/check/result/data`: the series of a rule on a host around a result, for the web's chart.

The browser reaches metrics only through the scheduler: the user's own rule (or, once the rule
is gone, the data list its results recorded) and the user's own host, read from the data
center's `/data/data/get` with a service token acting for the user, within a bounded window and
thinned to a bounded number of points per series.
"""

from __future__ import annotations

import math
from typing import Any

from adoctor_check_scheduler.app import CheckScheduler
from adoctor_check_scheduler.schemas import ResultDataBody
from aops_utils.contracts.checks import Value
from aops_utils.data_center import ResultRow
from aops_utils.errors import NotFoundError
from aops_utils.restful import Principal
from aops_utils.rules.evaluation import StoredRule
from aops_utils.rules.layout import HostData
from aops_utils.rules.layout import by_host
from aops_utils.rules.layout import series_name

# Enough for a chart a few thousand pixels wide; min and max of each bucket are kept, so a
# spike survives the thinning.
MAX_POINTS = 1000
# node_cpu_seconds_total without labels is cpus x modes series: a chart of more says nothing.
MAX_SERIES = 20
MAX_MARKS = 2000


def result_data(service: CheckScheduler, principal: Principal, body: ResultDataBody) -> dict[str, Any]:
    dc = service.data_center
    hosts = dc.host_basics([body.host_id], principal)
    if not hosts:
        raise NotFoundError(f"host {body.host_id} does not exist", field="host_id")
    results = dc.results(body.time_range, [body.check_item], [body.host_id], principal)
    data_list = _data_list(service, principal, body.check_item, results)
    start, end = body.time_range
    ip = hosts[0]["public_ip"]
    reply = dc.get_data([start, end], [{"host_id": ip, "data_list": data_list}], principal)
    data = by_host(reply, data_list, [ip])[ip]
    series, truncated = _chosen(data, body.series)
    missing = [
        {"index": i, "name": item["name"], "reason": data.failures.get(i, "no series in the window")}
        for i, item in enumerate(data_list)
        if not data.series.get(i)
    ]
    abnormal: list[dict[str, Any]] = sorted(
        (
            {"start": r["start"], "end": r["end"], "series": r["series"], "reason": r["reason"]}
            for r in results
            if r["value"] == Value.ABNORMAL.value and (not body.series or r["series"] == body.series)
        ),
        key=lambda r: float(r["start"]),
    )
    return {
        "data_list": data_list,
        "series_list": series,
        "missing": missing,
        "abnormal": abnormal[:MAX_MARKS],
        "truncated": truncated or len(abnormal) > MAX_MARKS,
    }


def _data_list(
    service: CheckScheduler, principal: Principal, check_item: str, results: list[ResultRow]
) -> list[dict[str, Any]]:
    """The rule's data list, or the one its latest result in the window recorded when the rule
    was deleted since (results outlive their rules)."""
    rows = service.data_center.rules([check_item], principal)
    if rows:
        return StoredRule.of(rows[0]).data_list
    if results:
        latest = max(results, key=lambda r: r["end"])
        return StoredRule.of(latest).data_list
    raise NotFoundError(f"check item {check_item} does not exist", field="check_item")


def _chosen(data: HostData, wanted: str) -> tuple[list[dict[str, Any]], bool]:
    """Each item's series (only `wanted` of $0 and its partners when given), at most MAX_SERIES."""
    main_label: dict[str, str] | None = None
    if wanted:
        mains = [e for e in data.series.get(0, []) if series_name(e["name"], e.get("label") or {}) == wanted]
        main_label = (mains[0].get("label") or {}) if mains else {}
    out: list[dict[str, Any]] = []
    for index, item in enumerate(data.data_list):
        for entry in data.series.get(index, []):
            label: dict[str, str] = entry.get("label") or {}
            name = series_name(entry["name"], label)
            if main_label is not None:
                if index == 0 and name != wanted:
                    continue
                # As the evaluator pairs them: the only series of the item, or those agreeing
                # with $0's labels on the keys both have.
                alone = len(data.series.get(index, [])) == 1
                if index > 0 and not alone and any(main_label.get(k, v) != v for k, v in label.items()):
                    continue
            out.append(
                {
                    "index": index,
                    "type": item.get("type", "kpi"),
                    "name": entry["name"],
                    "series": name,
                    "samples": len(entry["values"]),
                    "values": _thinned(entry["values"], item.get("type") == "log"),
                }
            )
    return out[:MAX_SERIES], len(out) > MAX_SERIES


def _number(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _thinned(values: list[list[Any]], log: bool) -> list[list[Any]]:
    """At most MAX_POINTS points: log lines as [time, message] (the first ones), samples as
    [time, number or null], the lowest and the highest of each bucket in time order."""
    if log:
        return [[float(ts), str(message)] for ts, message in values[:MAX_POINTS]]
    points: list[list[Any]] = [[float(ts), _number(value)] for ts, value in values]
    if len(points) <= MAX_POINTS:
        return points
    size = math.ceil(len(points) / (MAX_POINTS // 2))
    kept: list[list[Any]] = []
    for at in range(0, len(points), size):
        bucket = points[at : at + size]
        numbers = [p for p in bucket if p[1] is not None]
        if not numbers:
            kept.append(bucket[0])
            continue
        low = min(numbers, key=lambda p: p[1])
        high = max(numbers, key=lambda p: p[1])
        kept += sorted({id(low): low, id(high): high}.values(), key=lambda p: p[0])
    return kept
