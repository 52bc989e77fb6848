"""Raw data for checks: KPI samples from Prometheus and log lines from the per-host log index."""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import itertools
import logging
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from operator import itemgetter
from typing import Any
from urllib.parse import urlencode

import numpy as np
import orjson
import requests

from aops_database.services.matrix import Matrix
from aops_database.services.matrix import read_matrix
from aops_utils import jsonio
from aops_utils.contracts import NO_DATA_REASON
from aops_utils.docstore import DocumentStore
from aops_utils.docstore import Terms
from aops_utils.docstore import TimeRange
from aops_utils.docstore import instant
from aops_utils.errors import AopsError
from aops_utils.packed import PackedSamples
from aops_utils.rules.series import FloatArray
from aops_utils.rules.series import parse_number_chunks

LOG = logging.getLogger(__name__)
HIDDEN_LABELS = frozenset({"__name__", "instance", "job"})


@dataclass(slots=True)
class Collected:
    succeeded: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    # The packed form's KPI samples (aops_utils.packed), or None for the other forms.
    packed: PackedSamples | None = None


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

    def _answer(self, query: str, start: int, end: int) -> requests.Response:
        """Prometheus's answer to `query` over [start, end] (every raw sample of its series)."""
        span = max(end - start, 1)
        # POSTed as a form (Prometheus takes either): in a GET's URL the query, whose instance
        # pattern names every host, was re-escaped character by character by requests and
        # urllib3, ~4 ms of CPU per query of 200 hosts (most of a fetch's CPU); a form body is
        # encoded once and sent as it is.
        form = urlencode({"query": f"{query}[{span}s]", "time": str(end)})
        try:
            try:
                return self._post(form)
            except requests.ConnectionError as exc:
                if isinstance(exc, requests.Timeout):
                    raise
                # A kept-alive connection that the server (or a proxy) closed as idle just as the
                # query went out reads as a reset: the query is idempotent, so it goes once more,
                # on a new connection. A server really away refuses that one too, at once.
                return self._post(form)
        except requests.Timeout:
            raise AopsError(f"prometheus at {self._url} did not answer within {self._timeout} s") from None
        except requests.RequestException as exc:
            # The exception text repeats the whole query URL; the kind of failure is enough.
            raise AopsError(f"prometheus at {self._url} is unreachable ({type(exc).__name__})") from None

    def _post(self, form: str) -> requests.Response:
        return self._http.post(f"{self._url}/api/v1/query", data=form, headers=_FORM, timeout=self._timeout)

    def _series(self, query: str, reply: requests.Response) -> list[dict[str, Any]]:
        body: dict[str, Any] = {}
        if _is_json(reply):
            with contextlib.suppress(ValueError):  # not JSON after all: rejected just below
                body = jsonio.decode_bulk(reply.content)
        if reply.status_code != 200 or body.get("status") != "success":
            raise AopsError(f"prometheus rejected {query}: {body.get('error', reply.status_code)}")
        return list(body["data"]["result"])

    def raw_samples(self, query: str, start: int, end: int) -> list[dict[str, Any]]:
        """Every raw sample in [start, end] of the series that `query` selects."""
        return self._series(query, self._answer(query, start, end))

    def sample_matrix(self, query: str, start: int, end: int) -> Matrix:
        """The same as float64 columns, read from the answer's bytes (matrix.py); decoded as
        JSON when the answer is not shaped as that reader expects."""
        reply = self._answer(query, start, end)
        if reply.status_code == 200 and _is_json(reply):
            found = read_matrix(reply.content)
            if found is not None:
                return found
        series = self._series(query, reply)
        return Matrix.of_series(series, sample_arrays([item["values"] for item in series]))


_FORM = {"content-type": "application/x-www-form-urlencoded"}


def _is_json(reply: requests.Response) -> bool:
    return reply.headers.get("content-type", "").startswith("application/json")


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
    Samples as `[[ts, "value"], ...]` pairs (21.09), or `columnar`: see `sample_columns`; or,
    when `out.packed` is set, packed there (`sample_arrays`), each entry naming its part."""
    for (name, label_json), ips in wanted.items():
        label = orjson.loads(label_json)
        query = selector(name, label, ips)
        try:
            if out.packed is not None:
                matrix = prometheus.sample_matrix(query, start, end)
                metrics = matrix.metrics
            else:
                series = prometheus.raw_samples(query, start, end)
                metrics = [item["metric"] for item in series]
        except AopsError as exc:
            out.failed += [{"host_id": ip, "name": name, "label": label, "reason": exc.detail} for ip in ips]
            continue
        columns = None
        packed_at: list[int] = []
        if out.packed is not None:
            offsets = out.packed.add(matrix.timestamps, matrix.values) + np.concatenate(
                ([0], np.cumsum(matrix.lengths))
            )
            packed_at = offsets.tolist()
        elif columnar:
            columns = sample_columns([item["values"] for item in series])
        seen: set[str] = set()
        for index, metric in enumerate(metrics):
            ip = host_of(metric.get("instance", ""))
            seen.add(ip)
            entry: dict[str, Any] = {
                "host_id": ip,
                "name": metric.get("__name__", name),
                "label": {k: v for k, v in metric.items() if k not in HIDDEN_LABELS},
            }
            if packed_at:
                entry["offset"] = packed_at[index]
                entry["length"] = packed_at[index + 1] - packed_at[index]
            elif columns is not None:
                entry["timestamps"], entry["values"] = columns[index]
            else:
                entry["values"] = [[float(ts), str(value)] for ts, value in series[index]["values"]]
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


def sample_arrays(samples: Sequence[Sequence[Sequence[Any]]]) -> tuple[FloatArray, FloatArray, list[int]]:
    """Prometheus's `[[ts, "value"], ...]` of several series laid end to end as two float64
    arrays (NaN and the infinities as themselves), and each series' length: the packed form."""
    lengths = [len(pairs) for pairs in samples]
    total = sum(lengths)
    stamps = np.fromiter(map(_TIME, itertools.chain.from_iterable(samples)), dtype=np.float64, count=total)
    numbers, _bad = parse_number_chunks([list(map(_VALUE, pairs)) for pairs in samples])
    return stamps, numbers, lengths


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
