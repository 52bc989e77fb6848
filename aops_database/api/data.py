"""Raw data route: KPI samples from Prometheus and log lines, in bulk for many hosts."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

import orjson

from aops_database.api import api
from aops_database.app import center
from aops_database.services import hosts
from aops_database.services.data import Collected
from aops_database.services.data import collect_kpis
from aops_database.services.data import collect_logs
from aops_utils.codes import Code
from aops_utils.codes import judge_batch
from aops_utils.contracts import NO_DATA_REASON
from aops_utils.contracts.data_center.checks import DataItem
from aops_utils.contracts.data_center.hosts import DATA_MAX_BODY
from aops_utils.contracts.data_center.hosts import LOGS_MAX_BODY
from aops_utils.contracts.data_center.hosts import PACKED_ENCODING as ENCODING
from aops_utils.contracts.data_center.hosts import GetDataBody
from aops_utils.contracts.data_center.hosts import SaveLogsBody
from aops_utils.docstore.protocol import IndexSpec
from aops_utils.errors import ParamError
from aops_utils.packed import PackedSamples
from aops_utils.restful import Access
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext

NOT_YOURS_REASON = "not a host of yours"
# Failures that mean nothing was found rather than that a store broke.
QUIET_REASONS = frozenset({NO_DATA_REASON, NOT_YOURS_REASON})
LOG_SPEC = IndexSpec(
    keyword_fields=("data_item",), numeric_fields=("timestamp",), time_fields=("@timestamp",)
)


@api.route("/data/data/get", body=GetDataBody, max_body=DATA_MAX_BODY)
def get_data(ctx: RequestContext[GetDataBody]) -> Reply:
    """Samples of KPI items (one Prometheus query per item for all hosts) and log lines."""
    start, end = ctx.body.time_range
    if start > end:
        raise ParamError("time_range: the start is after the end", field="time_range")
    packed = ctx.body.encoding == ENCODING
    if packed and not ctx.body.columnar:
        raise ParamError(
            f'encoding: "{ENCODING}" packs the columnar form; send columnar: true', field="encoding"
        )
    kpis: dict[tuple[str, str], list[str]] = defaultdict(list)
    logs: dict[str, list[str]] = defaultdict(list)
    out = Collected(packed=PackedSamples() if packed else None)
    # An address is a host of the acting user or nothing: never another user's series or logs.
    mine = hosts.owned_addresses(center().store, ctx.username, [i.host_id for i in ctx.body.data_infos])
    for info in ctx.body.data_infos:
        if info.host_id not in mine:
            out.failed += [_not_yours(info.host_id, item) for item in info.data_list]
            continue
        for item in info.data_list:
            if item.type == "log":
                logs[info.host_id].append(item.name)
            else:
                key = (item.name, orjson.dumps(item.label, option=orjson.OPT_SORT_KEYS).decode())
                kpis[key].append(info.host_id)
    columnar = ctx.body.columnar
    collect_kpis(center().prometheus, start, end, kpis, out, columnar=columnar)
    collect_logs(center().docs, start, end, logs, out, columnar=columnar)
    code = judge_batch(len(out.succeeded), len(out.failed), Code.DATABASE_QUERY_ERROR)
    status = None
    if code is Code.DATABASE_QUERY_ERROR:
        # Nothing came back: 404 when every item simply has no data (the queries worked), 502
        # when Prometheus or the log store failed; the 21.09 code stays 1104 either way.
        status = 404 if all(f.get("reason") in QUIET_REASONS for f in out.failed) else 502
    payload: dict[str, Any] = {"succeed_list": out.succeeded, "fail_list": out.failed}
    if out.packed is not None:
        payload["packed"] = out.packed.payload()
    return Reply(code, payload, status)


def _not_yours(ip: str, item: DataItem) -> dict[str, Any]:
    failure: dict[str, Any] = {"host_id": ip, "name": item.name, "reason": NOT_YOURS_REASON}
    if item.type == "kpi":
        failure["label"] = item.label
    return failure


@api.route("/data/log/save", body=SaveLogsBody, access=Access.SERVICE, max_body=LOGS_MAX_BODY)
def save_logs(ctx: RequestContext[SaveLogsBody]) -> dict[str, Any]:
    """Store log lines in the per-host log index (what fluentd does in a deployment).

    A line carries `timestamp` (POSIX seconds) or fluentd's `@timestamp`; it is stored as sent.
    """
    by_host: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for line in ctx.body.logs:
        doc = line.model_dump(by_alias=True, exclude_none=True)
        # Deterministic ids: shipping the same line twice stores it once.
        digest = hashlib.sha256(f"{line.data_item}\0{line.time}\0{line.message}".encode())
        doc_id = digest.hexdigest()[:32]
        by_host[line.host_ip].append((doc_id, doc))
    for ip, docs in by_host.items():
        center().docs.ensure_index(ip, LOG_SPEC)
        center().docs.put_many(ip, docs)
    return {"saved": sum(len(d) for d in by_host.values())}
