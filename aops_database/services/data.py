"""Raw data for checks: KPI samples from Prometheus and log lines from the per-host log index."""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import logging
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from operator import itemgetter
from typing import Any

import numpy as np
import orjson
import requests

from aops_utils import jsonio
from aops_utils.contracts import NO_DATA_REASON
from aops_utils.docstore import DocumentStore
from aops_utils.docstore import Terms
from aops_utils.docstore import TimeRange
from aops_utils.docstore import instant
from aops_utils.errors import AopsError
from aops_utils.rules.series import parse_number_chunks

LOG = logging.getLogger(__name__)
HIDDEN_LABELS = frozenset({"__name__", "instance", "job"})


@dataclass(slots=True)
class Collected:
    succeeded: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


def _instance_pattern(ips: Sequence[str]) -> str:
    # 21.09 left the dots unescaped (10.0.0.1 also matched 10a0b0c1); IPv6 instances are bracketed.
    parts = []
    for ip in sorted(set(ips)):
        text = re.escape(ip)
        parts.append(rf"\[{text}\]" if ":" in ip else text)
    return "(" + "|".join(parts) + r"):[0-9]{1,5}"


def _promql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def selector(name: str, label: dict[str, str], ips: Sequence[str]) -> str:
    matchers = [f"instance=~{_promql_string(_instance_pattern(ips))}"]
    matchers += [f"{key}={_promql_string(str(value))}" for key, value in sorted(label.items())]
    return f"{name}{{{','.join(matchers)}}}"


# Every query names the same instances again: their parse (~3 µs each, for every series of every
# /data/data/get) is kept. Bounded: instance labels come from Prometheus, not from callers.
@functools.lru_cache(maxsize=65536)
def host_of(instance: str) -> str:
    host = instance.rsplit(":", 1)[0] if instance.count(":") == 1 or instance.startswith("[") else instance
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host


class Prometheus:
    def __init__(self, url: str, timeout: float) -> None:
        self._url = url.rstrip("/")
        self._timeout = timeout
        self._http = requests.Session()

    def raw_samples(self, query: str, start: int, end: int) -> list[dict[str, Any]]:
        """Every raw sample in [start, end] of the series that `query` selects."""
        span = max(end - start, 1)
        try:
            reply = self._http.get(
                f"{self._url}/api/v1/query",
                params={"query": f"{query}[{span}s]", "time": str(end)},
                timeout=self._timeout,
            )
        except requests.Timeout:
            raise AopsError(f"prometheus at {self._url} did not answer within {self._timeout} s") from None
        except requests.RequestException as exc:
            # The exception text repeats the whole query URL; the kind of failure is enough.
            raise AopsError(f"prometheus at {self._url} is unreachable ({type(exc).__name__})") from None
        body: dict[str, Any] = {}
        if reply.headers.get("content-type", "").startswith("application/json"):
            with contextlib.suppress(ValueError):  # not JSON after all: rejected just below
                body = jsonio.decode_bulk(reply.content)
        if reply.status_code != 200 or body.get("status") != "success":
            raise AopsError(f"prometheus rejected {query}: {body.get('error', reply.status_code)}")
        return list(body["data"]["result"])


def collect_kpis(
    prometheus: Prometheus,
    start: int,
    end: int,
    wanted: dict[tuple[str, str], list[str]],
    out: Collected,
    *,
    columnar: bool = False,
) -> None:
    """`wanted` maps (name, label json) to the IPs that asked for it: one query per item.
    Samples as `[[ts, "value"], ...]` pairs (21.09), or `columnar`: see `sample_columns`."""
    for (name, label_json), ips in wanted.items():
        label = orjson.loads(label_json)
        try:
            series = prometheus.raw_samples(selector(name, label, ips), start, end)
        except AopsError as exc:
            out.failed += [{"host_id": ip, "name": name, "label": label, "reason": exc.detail} for ip in ips]
            continue
        columns = sample_columns([item["values"] for item in series]) if columnar else None
        seen: set[str] = set()
        for index, item in enumerate(series):
            metric = item["metric"]
            ip = host_of(metric.get("instance", ""))
            seen.add(ip)
            entry: dict[str, Any] = {
                "host_id": ip,
                "name": metric.get("__name__", name),
                "label": {k: v for k, v in metric.items() if k not in HIDDEN_LABELS},
            }
            if columns is None:
                entry["values"] = [[float(ts), str(value)] for ts, value in item["values"]]
            else:
                entry["timestamps"], entry["values"] = columns[index]
            out.succeeded.append(entry)
        out.failed += [
            {"host_id": ip, "name": name, "label": label, "reason": NO_DATA_REASON}
            for ip in ips
            if ip not in seen
        ]


def sample_columns(samples: Sequence[Sequence[Sequence[Any]]]) -> list[tuple[list[float], list[Any]]]:
    """Prometheus's `[[ts, "value"], ...]` of several series as (timestamps, values) per series:
    values as numbers, NaN as None (JSON null), infinities as Prometheus spells them ("+Inf").

    All series' values are converted at once (parse_number_chunks: one JSON decode of the
    joined strings), which costs a fraction of float() per value.
    """
    numbers, _bad = parse_number_chunks([list(map(_VALUE, pairs)) for pairs in samples])
    values: list[Any] = numbers.tolist()  # NaN stays a float: the JSON encoder writes it as null
    for index in np.flatnonzero(np.isinf(numbers)).tolist():
        values[index] = "+Inf" if numbers[index] > 0 else "-Inf"
    found: list[tuple[list[float], list[Any]]] = []
    at = 0
    for pairs in samples:
        found.append((list(map(float, map(_TIME, pairs))), values[at : at + len(pairs)]))
        at += len(pairs)
    return found


_TIME = itemgetter(0)
_VALUE = itemgetter(1)


# Where a log line's time is: the data center's own lines carry POSIX seconds in `timestamp`,
# fluentd's carry an ISO-8601 `@timestamp` (include_timestamp); one index may hold both.
LOG_TIME_FIELDS = ("timestamp", "@timestamp")


def _line_time(source: dict[str, Any]) -> float | None:
    for name in LOG_TIME_FIELDS:
        if source.get(name) is not None:
            return instant(source[name])
    return None


def collect_logs(
    docs: DocumentStore,
    start: int,
    end: int,
    wanted: dict[str, list[str]],
    out: Collected,
    *,
    columnar: bool = False,
) -> None:
    """Log lines per host index (named by the host IP, as fluentd writes them), oldest first;
    `columnar`: as `timestamps` and `values` (the messages) instead of pairs."""
    for ip, names in wanted.items():
        try:
            page = docs.search(ip, [Terms("data_item", tuple(names)), TimeRange(LOG_TIME_FIELDS, start, end)])
        except AopsError as exc:
            out.failed += [{"host_id": ip, "name": n, "reason": exc.detail} for n in names]
            continue
        lines: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for hit in page.hits:
            moment = _line_time(hit.source)
            if moment is not None:
                lines[str(hit.source.get("data_item"))].append((moment, str(hit.source.get("message", ""))))
        for name in names:
            if lines.get(name):
                # Ordered by the exact time; 21.09 then gave whole seconds.
                ordered = sorted(lines[name], key=lambda line: line[0])
                entry: dict[str, Any] = {"host_id": ip, "name": name}
                if columnar:
                    entry["timestamps"] = [math.floor(moment) for moment, _message in ordered]
                    entry["values"] = [message for _moment, message in ordered]
                else:
                    entry["values"] = [[math.floor(moment), message] for moment, message in ordered]
                out.succeeded.append(entry)
            else:
                out.failed.append({"host_id": ip, "name": name, "reason": NO_DATA_REASON})
