"""Raw data for checks: KPI samples from Prometheus and log lines from the per-host log index."""

from __future__ import annotations

import ipaddress
import logging
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import requests

from aops_utils.contracts import NO_DATA_REASON
from aops_utils.docstore import DocumentStore
from aops_utils.docstore import Terms
from aops_utils.docstore import TimeRange
from aops_utils.docstore import instant
from aops_utils.errors import AopsError

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
        body = reply.json() if reply.headers.get("content-type", "").startswith("application/json") else {}
        if reply.status_code != 200 or body.get("status") != "success":
            raise AopsError(f"prometheus rejected {query}: {body.get('error', reply.status_code)}")
        return list(body["data"]["result"])


def collect_kpis(
    prometheus: Prometheus,
    start: int,
    end: int,
    wanted: dict[tuple[str, str], list[str]],
    out: Collected,
) -> None:
    """`wanted` maps (name, label json) to the IPs that asked for it: one query per item."""
    import orjson

    for (name, label_json), ips in wanted.items():
        label = orjson.loads(label_json)
        try:
            series = prometheus.raw_samples(selector(name, label, ips), start, end)
        except AopsError as exc:
            out.failed += [{"host_id": ip, "name": name, "label": label, "reason": exc.detail} for ip in ips]
            continue
        seen: set[str] = set()
        for item in series:
            metric = item["metric"]
            ip = host_of(metric.get("instance", ""))
            seen.add(ip)
            out.succeeded.append(
                {
                    "host_id": ip,
                    "name": metric.get("__name__", name),
                    "label": {k: v for k, v in metric.items() if k not in HIDDEN_LABELS},
                    "values": [[float(ts), str(value)] for ts, value in item["values"]],
                }
            )
        out.failed += [
            {"host_id": ip, "name": name, "label": label, "reason": NO_DATA_REASON}
            for ip in ips
            if ip not in seen
        ]


# Where a log line's time is: the data center's own lines carry POSIX seconds in `timestamp`,
# fluentd's carry an ISO-8601 `@timestamp` (include_timestamp); one index may hold both.
LOG_TIME_FIELDS = ("timestamp", "@timestamp")


def _line_time(source: dict[str, Any]) -> float | None:
    for name in LOG_TIME_FIELDS:
        if source.get(name) is not None:
            return instant(source[name])
    return None


def collect_logs(
    docs: DocumentStore, start: int, end: int, wanted: dict[str, list[str]], out: Collected
) -> None:
    """Log lines per host index (named by the host IP, as fluentd writes them), oldest first."""
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
                values = [[math.floor(moment), message] for moment, message in ordered]
                out.succeeded.append({"host_id": ip, "name": name, "values": values})
            else:
                out.failed.append({"host_id": ip, "name": name, "reason": NO_DATA_REASON})
