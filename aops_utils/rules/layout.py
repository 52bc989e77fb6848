"""A `/data/data/get` reply's series matched to hosts and data items, and laid out as columns.

A series belongs to a data item when it has the item's name and the item's labels among its
own; for each series of $0 a host's series of every other item must give one partner (the
only one, or the only one agreeing with $0's labels). The matched series become one segment
each (columns.py): straight from the packed form's arrays (aops_utils.packed), or from the
columnar form's lists. The bulk path keeps only lists per host that has series; no Series or
per-sample object is made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from aops_utils.contracts import NO_DATA_REASON
from aops_utils.contracts.checks import Value
from aops_utils.packed import Packed
from aops_utils.packed import places
from aops_utils.rules.columns import BatchSeries
from aops_utils.rules.columns import Columns
from aops_utils.rules.columns import kpi_column
from aops_utils.rules.columns import log_column
from aops_utils.rules.columns import packed_column

Entry = dict[str, Any]  # one series of the reply: host_id, name, label, and its samples
_NO_LABEL: dict[str, str] = {}


def series_name(name: str, label: dict[str, str]) -> str:
    if not label:
        return name
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(label.items()))
    return f"{name}{{{inner}}}"


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


def _failures(
    reply: Mapping[str, Any], data_list: Sequence[Mapping[str, Any]], ips: Any
) -> dict[str, dict[int, str]]:
    """Per address (among `ips`), per item index, the first reason the reply gives for no series."""
    failures: dict[str, dict[int, str]] = defaultdict(dict)
    for entry in reply.get("fail_list", []):
        if not isinstance(entry, dict) or entry.get("host_id", "") not in ips:
            continue
        reasons = failures[entry["host_id"]]
        for index, item in enumerate(data_list):
            if entry.get("name") == item["name"]:
                reasons.setdefault(index, str(entry.get("reason") or NO_DATA_REASON))
    return failures


def _missing(
    data_list: Sequence[Mapping[str, Any]],
    series: Sequence[Sequence[Entry]] | None,
    failures: Mapping[int, str],
) -> tuple[Value, str] | None:
    """Why a host cannot be evaluated (its first item without a series), or None."""
    for index, item in enumerate(data_list):
        if series is not None and series[index]:
            continue
        reason = failures.get(index, NO_DATA_REASON)
        value = Value.NO_DATA if reason == NO_DATA_REASON else Value.INTERNAL_ERROR
        return value, f"${index} ({item['name']}): {reason}"
    return None


def _matched(
    reply: Mapping[str, Any], data_list: Sequence[Mapping[str, Any]], ips: Any
) -> dict[str, list[list[Entry]]]:
    """Per address (among `ips`) that has any, its series per item index, in reply order."""
    items = [
        (index, item["name"], tuple((item.get("label") or {}).items()))
        for index, item in enumerate(data_list)
    ]
    found: dict[str, list[list[Entry]]] = {}
    for entry in reply.get("succeed_list", []):
        ip = entry.get("host_id")
        if ip not in ips:
            continue
        name = entry.get("name")
        got = entry.get("label") or _NO_LABEL
        for index, wanted_name, wanted in items:
            if name == wanted_name and (not wanted or all(got.get(k) == v for k, v in wanted)):
                lists = found.get(ip)
                if lists is None:
                    lists = found[ip] = [[] for _ in items]
                lists[index].append(entry)
    return found


class HostData:
    """The series and the failures of one host in a reply, by data item index."""

    def __init__(self, data_list: Sequence[Mapping[str, Any]], series: Sequence[list[Entry]] | None = None):
        self.data_list = data_list
        self.series: dict[int, list[Entry]] = defaultdict(list)
        for index, entries in enumerate(series or ()):
            if entries:
                self.series[index] = entries
        self.failures: dict[int, str] = {}

    def missing(self) -> tuple[Value, str] | None:
        """Why the host cannot be evaluated, or None when every item has a series."""
        series = [self.series.get(index, []) for index in range(len(self.data_list))]
        return _missing(self.data_list, series, self.failures)


def by_host(
    reply: Mapping[str, Any], data_list: Sequence[Mapping[str, Any]], ips: Iterable[str]
) -> dict[str, HostData]:
    """The series and failures of a `/data/data/get` reply (any form) by host address, for
    the addresses in `ips` (the rest of the reply is left out)."""
    wanted = set(ips)
    found = _matched(reply, data_list, wanted)
    hosts = {ip: HostData(data_list, found.get(ip)) for ip in wanted}
    for ip, reasons in _failures(reply, data_list, wanted).items():
        hosts[ip].failures = reasons
    return hosts


class Layout:
    """The reply sorted out by host; then, host by host, the records that need no evaluation
    and the segments (series of $0) to evaluate."""

    def __init__(self, reply: Mapping[str, Any], data_list: Sequence[Mapping[str, Any]], ips: set[str]):
        self.data_list = data_list
        self._found = _matched(reply, data_list, ips)
        self._failures = _failures(reply, data_list, ips)
        # Per segment: its host, its name and its series per item.
        self.host_ids: list[str] = []
        self.names: list[str] = []
        self.chosen: list[list[Entry]] = [[] for _ in data_list]
        self._packed_payload = reply.get("packed")
        self._packed: Packed | None = None

    def missing(self, ip: str) -> tuple[Value, str] | None:
        """Why a host cannot be evaluated, or None when every item has a series."""
        series = self._found.get(ip)
        if series is not None and all(series):
            return None
        return _missing(self.data_list, series, self._failures.get(ip, {}))

    def add(self, host_id: str, ip: str) -> list[tuple[str, int | str]]:
        """The host's series of $0, each as (name, its segment) or (name, why it has none)."""
        out: list[tuple[str, int | str]] = []
        series = self._found[ip]
        others = range(1, len(self.data_list))
        for main in series[0]:
            name = series_name(main["name"], main.get("label") or _NO_LABEL)
            partners = [main]
            for index in others:
                candidates = series[index]
                chosen = candidates[0] if len(candidates) == 1 else partner(main, candidates)
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
        """The chosen series as columns; ValueError when the reply's samples are not readable."""
        macros: dict[str, BatchSeries] = {}
        for index, item in enumerate(self.data_list):
            entries = self.chosen[index][segments]
            if item.get("type") == "log":
                column = log_column([e["timestamps"] for e in entries], [e["values"] for e in entries])
            else:
                column = self._kpi(entries)
            macros[f"${index}"] = column
        return Columns(len(self.host_ids[segments]), macros)

    def _kpi(self, entries: Sequence[Entry]) -> BatchSeries:
        """Packed series (offset, length) straight from the reply's arrays; columnar ones (lists)
        through kpi_column; a mix (no data center sends one) as lists."""
        packed = [entry for entry in entries if "offset" in entry]
        if not packed:
            return kpi_column([e["timestamps"] for e in entries], [e["values"] for e in entries])
        arrays = self._arrays()
        starts, lengths = places(packed, len(arrays))
        if len(packed) == len(entries):
            return packed_column(arrays.timestamps, arrays.values, starts, lengths)
        parts = iter(zip(starts.tolist(), lengths.tolist(), strict=True))
        stamps, values = [], []
        for entry in entries:
            if "offset" in entry:
                low, length = next(parts)
                stamps.append(arrays.timestamps[low : low + length].tolist())
                values.append(arrays.values[low : low + length].tolist())
            else:
                stamps.append(entry["timestamps"])
                values.append(entry["values"])
        return kpi_column(stamps, values)

    def _arrays(self) -> Packed:
        """The reply's packed samples, decoded once (when a packed series is first laid out)."""
        if self._packed is None:
            if self._packed_payload is None:
                raise ValueError("packed series in a reply without packed samples")
            self._packed = Packed.of(self._packed_payload)
        return self._packed
