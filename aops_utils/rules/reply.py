"""One rule judged over a columnar `/data/data/get` reply, as the executors and the dry run do.

The reply's series are matched to the task's hosts and to the rule's data items, laid end to
end as columns straight from their number lists (one segment per series of $0, its partners
in the same segment of the other macros), evaluated in one call, and only the hits become
result documents, at the end. Nothing is built per host but the matching's bookkeeping: no
Series, no vector, no tuple per sample or per hit.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from aops_utils.contracts import NO_DATA_REASON
from aops_utils.contracts.checks import TaskHost
from aops_utils.contracts.checks import Value
from aops_utils.rules.columns import BatchSeries
from aops_utils.rules.columns import Columns
from aops_utils.rules.columns import kpi_column
from aops_utils.rules.columns import log_column
from aops_utils.rules.results import BatchEvaluation

LOG = logging.getLogger(__name__)
Record = dict[str, Any]
Entry = dict[str, Any]  # one series of the reply: host_id, name, label, timestamps, values
_INTERNAL_ERROR = Value.INTERNAL_ERROR.value


def series_name(name: str, label: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(label.items()))
    return f"{name}{{{inner}}}" if inner else name


def matches(item: Mapping[str, Any], entry: Mapping[str, Any]) -> bool:
    """Whether a reply's series is one of a data item's: same name, the item's labels among its own."""
    if entry.get("name") != item["name"]:
        return False
    wanted: dict[str, str] = item.get("label") or {}
    got: dict[str, str] = entry.get("label") or {}
    return all(got.get(k) == v for k, v in wanted.items())


def partner(main: Entry, candidates: Sequence[Entry]) -> Entry | None:
    """The series of another item that goes with a series of $0: the only one, or the only one
    agreeing with $0's labels on the keys both have; None when that is ambiguous."""
    if len(candidates) == 1:
        return candidates[0]
    labels = main.get("label") or {}
    agreeing = [
        c
        for c in candidates
        if all(labels.get(k) == v for k, v in (c.get("label") or {}).items() if k in labels)
    ]
    return agreeing[0] if len(agreeing) == 1 else None


class HostData:
    """The series and the failures of one host in a reply, by data item index."""

    def __init__(self, data_list: Sequence[Mapping[str, Any]]) -> None:
        self.data_list = data_list
        self.series: dict[int, list[Entry]] = defaultdict(list)
        self.failures: dict[int, str] = {}

    def add(self, entry: Entry) -> None:
        for index, item in enumerate(self.data_list):
            if matches(item, entry):
                self.series[index].append(entry)

    def fail(self, entry: Entry) -> None:
        for index, item in enumerate(self.data_list):
            if entry.get("name") == item["name"]:
                self.failures.setdefault(index, str(entry.get("reason") or NO_DATA_REASON))

    def missing(self) -> tuple[Value, str] | None:
        """Why the host cannot be evaluated, or None when every item has a series."""
        for index, item in enumerate(self.data_list):
            if self.series.get(index):
                continue
            reason = self.failures.get(index, NO_DATA_REASON)
            value = Value.NO_DATA if reason == NO_DATA_REASON else Value.INTERNAL_ERROR
            return value, f"${index} ({item['name']}): {reason}"
        return None


def by_host(
    reply: Mapping[str, Any], data_list: Sequence[Mapping[str, Any]], ips: Iterable[str]
) -> dict[str, HostData]:
    """The series and failures of a `/data/data/get` reply (either form) by host address, for
    the addresses in `ips` (the rest of the reply is left out)."""
    hosts = {ip: HostData(data_list) for ip in ips}
    for entry in reply.get("succeed_list", []):
        data = hosts.get(entry.get("host_id"))
        if data is not None:
            data.add(entry)
    for entry in reply.get("fail_list", []):
        data = hosts.get(entry.get("host_id", "")) if isinstance(entry, dict) else None
        if data is not None:
            data.fail(entry)
    return hosts


class Layout:
    """The reply sorted out by host (HostData); then, host by host, the records that need no
    evaluation and the segments (series of $0) to evaluate."""

    def __init__(self, reply: Mapping[str, Any], data_list: Sequence[Mapping[str, Any]], ips: set[str]):
        self.data_list = data_list
        self.hosts = by_host(reply, data_list, ips)
        # Per segment: its host, its name and its series per item.
        self.host_ids: list[str] = []
        self.names: list[str] = []
        self.chosen: list[list[Entry]] = [[] for _ in data_list]

    def missing(self, ip: str) -> tuple[Value, str] | None:
        """Why a host cannot be evaluated, or None when every item has a series."""
        return self.hosts[ip].missing()

    def add(self, host_id: str, ip: str) -> list[tuple[str, int | str]]:
        """The host's series of $0, each as (name, its segment) or (name, why it has none)."""
        out: list[tuple[str, int | str]] = []
        series = self.hosts[ip].series
        for main in series[0]:
            name = series_name(main["name"], main.get("label") or {})
            partners = [main]
            for index in range(1, len(self.data_list)):
                chosen = partner(main, series[index])
                if chosen is None:
                    out.append((name, f"${index} matches several series; add labels to tell them apart"))
                    break
                partners.append(chosen)
            else:
                out.append((name, len(self.host_ids)))
                self.host_ids.append(host_id)
                self.names.append(name)
                for index, entry in enumerate(partners):
                    self.chosen[index].append(entry)
        return out

    def columns(self, segments: slice = slice(None)) -> Columns:
        macros: dict[str, BatchSeries] = {}
        for index, item in enumerate(self.data_list):
            entries = self.chosen[index][segments]
            build = log_column if item.get("type") == "log" else kpi_column
            macros[f"${index}"] = build([e["timestamps"] for e in entries], [e["values"] for e in entries])
        return Columns(len(self.host_ids[segments]), macros)


@dataclass(frozen=True, slots=True)
class _Documents:
    """Result documents of one rule over one window: its fields (`base`) and the verdict's."""

    base: Mapping[str, Any]
    start: int
    end: int

    def verdict(self, host_id: str, name: str, value: Value, reason: str) -> Record:
        """A host's or a series' verdict over the whole window (No data, Internal error)."""
        found = {"host_id": host_id, "series": name, "start": self.start, "end": self.end}
        return {**self.base, **found, "value": value.value, "reason": reason}

    def of(
        self, host_ids: Sequence[str], names: Sequence[str], main: BatchSeries, evaluation: BatchEvaluation
    ) -> list[list[Record]]:
        """Per segment its documents: its hits in the window, or No data when $0 has no sample
        in the window."""
        start, end = self.start, self.end
        stamps = main.timestamps
        inside = np.concatenate(([0], np.cumsum((stamps >= start) & (stamps <= end))))
        judged = (inside[main.offsets[1:]] - inside[main.offsets[:-1]] > 0) & ~evaluation.no_data
        flagged = np.flatnonzero(evaluation.abnormal | evaluation.errors)
        segment_of = np.searchsorted(evaluation.offsets, flagged, side="right") - 1
        kept = (evaluation.timestamps[flagged] <= end) & judged[segment_of]
        flagged, segment_of = flagged[kept], segment_of[kept]
        bounds = np.searchsorted(segment_of, np.arange(len(host_ids) + 1)).tolist()
        reasons = evaluation.error_reasons
        # A copy of a filled-in document and four keys set is half the cost of a dict display.
        template = self.verdict("", "", Value.ABNORMAL, "")
        hits: list[Record] = []
        for segment, stamp, abnormal, slot in zip(
            segment_of.tolist(),
            evaluation.timestamps[flagged].tolist(),
            evaluation.abnormal[flagged].tolist(),
            np.searchsorted(evaluation.error_index, flagged).tolist(),
            strict=True,
        ):
            hit = template.copy()
            hit["host_id"] = host_ids[segment]
            hit["series"] = names[segment]
            hit["start"] = hit["end"] = stamp
            if not abnormal:
                hit["value"] = _INTERNAL_ERROR
                hit["reason"] = reasons[slot]
            hits.append(hit)
        return [
            hits[bounds[segment] : bounds[segment + 1]]
            if is_judged
            else [self.verdict(host_ids[segment], names[segment], Value.NO_DATA, NO_DATA_REASON)]
            for segment, is_judged in enumerate(judged.tolist())
        ]


def judge(
    reply: Mapping[str, Any],
    data_list: Sequence[Mapping[str, Any]],
    base: Mapping[str, Any],
    compiled: Any,
    hosts: Sequence[TaskHost],
    *,
    start: int,
    end: int,
) -> list[Record]:
    """The result documents of one rule (`compiled`, whose fields for the documents are `base`)
    over the hosts for [start, end], from a columnar reply covering the history the rule needs.

    In host order, and within a host by series then time, as 21.09 gave them; normal samples
    record nothing, a host or series that cannot be evaluated records why (No data, Internal
    error).
    """
    layout = Layout(reply, data_list, {h.public_ip for h in hosts})
    documents = _Documents(base, start, end)
    # Documents that need no evaluation, and a segment's number where its documents go.
    slots: list[Record | int] = []
    for host in hosts:
        missing = layout.missing(host.public_ip)
        if missing is not None:
            slots.append(documents.verdict(host.host_id, "", *missing))
            continue
        for name, segment in layout.add(host.host_id, host.public_ip):
            if isinstance(segment, int):
                slots.append(segment)
            else:
                slots.append(documents.verdict(host.host_id, name, Value.INTERNAL_ERROR, segment))
    per_segment = _evaluate(layout, documents, compiled) if layout.host_ids else []
    out: list[Record] = []
    for slot in slots:
        if isinstance(slot, int):
            out += per_segment[slot]
        else:
            out.append(slot)
    return out


def _evaluate(layout: Layout, documents: _Documents, compiled: Any) -> list[list[Record]]:
    """Every segment's documents from one evaluation; when it fails, segment by segment, so that
    only the series that make it fail record the failure."""
    size = len(layout.host_ids)
    item = documents.base["check_item"]
    try:
        columns = layout.columns()
        evaluation = compiled.evaluate_columns(columns, float(documents.start))
        if len(evaluation) != size:
            raise ValueError(f"evaluate_columns gave {len(evaluation)} evaluations for {size} series")
        return documents.of(layout.host_ids, layout.names, columns["$0"], evaluation)
    except Exception as exc:  # one host's failure must not abort the others: evaluate them alone
        LOG.warning(
            "rule %s failed on a batch of %d series (%s); evaluating them one by one", item, size, exc
        )
    found: list[list[Record]] = []
    for segment in range(size):
        host_id, name = layout.host_ids[segment], layout.names[segment]
        try:
            columns = layout.columns(slice(segment, segment + 1))
            evaluation = compiled.evaluate_columns(columns, float(documents.start))
            found += documents.of([host_id], [name], columns["$0"], evaluation)
        except Exception as exc:  # a plugin's failure must not abort the other hosts
            LOG.warning("rule %s failed on %s: %s", item, host_id, exc)
            reason = f"evaluation failed: {exc}"
            found.append([documents.verdict(host_id, name, Value.INTERNAL_ERROR, reason)])
    return found
