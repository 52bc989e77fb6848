"""Check results of a user in the `check_result` document index: save, delete, query, count."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from aops_database.services import abnormal as abnormal_index
from aops_utils.contracts.checks import Value
from aops_utils.contracts.data_center.checks import CountResultsBody
from aops_utils.contracts.data_center.checks import GetResultsBody
from aops_utils.contracts.data_center.checks import ResultHistogramBody
from aops_utils.docstore import DocumentStore
from aops_utils.docstore import save_by_id
from aops_utils.docstore.protocol import Buckets
from aops_utils.docstore.protocol import Filter
from aops_utils.docstore.protocol import GroupBy
from aops_utils.docstore.protocol import GroupOrder
from aops_utils.docstore.protocol import IndexSpec
from aops_utils.docstore.protocol import Range
from aops_utils.docstore.protocol import SortKey
from aops_utils.docstore.protocol import Term
from aops_utils.docstore.protocol import Terms
from aops_utils.restful.paging import Window

RESULT_INDEX = "check_result"
RESULT_SPEC = IndexSpec(
    keyword_fields=("username", "host_id", "check_item", "value", "series"),
    numeric_fields=("start", "end"),
    # What is asked of a user's results of one value (see IndexSpec.paths): counts per host,
    # by start, per rule per hour. The abnormal ones are asked for in their own index.
    paths=(("username", "value", "host_id"), ("username", "value", "start", "check_item")),
)
ABNORMAL = Value.ABNORMAL
RESULT_FIELDS = (
    "check_item",
    "data_list",
    "condition",
    "plugin",
    "value",
    "description",
    "host_id",
    "start",
    "end",
    "series",
    "reason",
)
# /check/result/count's sort and direction as the order of the groups: the unsorted answer is
# most abnormal first, and equal counts go by host either way.
_COUNT_ORDERS = {
    ("count", "asc"): GroupOrder.COUNT_ASC,
    ("count", "desc"): GroupOrder.COUNT_DESC,
    ("host_id", "asc"): GroupOrder.VALUE_ASC,
    ("host_id", "desc"): GroupOrder.VALUE_DESC,
}


@dataclass(frozen=True, slots=True)
class ResultStores:
    """Where results are: every one in `docs`, the abnormal ones' keys also in `abnormal` (the
    relational database's index of them, which answers what the dashboard asks of them)."""

    docs: DocumentStore
    abnormal: DocumentStore


# Ties keep one order, so that consecutive pages neither repeat nor skip a result.
_TIE_BREAK = ("start", "host_id", "check_item", "series", "end")


def result_id(username: str, result: dict[str, Any]) -> str:
    """The id of a result's document: one per user, host, item, series and time span.

    A replayed window therefore overwrites its documents instead of adding copies, and a
    later value for the same key replaces the earlier one (the 21.09 upsert).
    """
    r = result
    key = [username, r["host_id"], r["check_item"], r["series"], r["start"], r["end"]]
    return hashlib.sha256(orjson.dumps(key)).hexdigest()


def save_results(stores: ResultStores, username: str, results: Sequence[dict[str, Any]]) -> int:
    """Write the results in bulk, then index the abnormal ones; returns the number of distinct
    documents written. A save repeated after a failure of either store leaves both exact."""
    by_id: dict[str, dict[str, Any]] = {}
    for result in results:
        # The data list is kept as JSON text: its labels are free-form keys, and mapping each
        # one as an index field would grow the index mapping without bound.
        text = orjson.dumps(result["data_list"]).decode()
        by_id[result_id(username, result)] = {**result, "username": username, "data_list": text}
    saved = save_by_id(stores.docs, RESULT_INDEX, RESULT_SPEC, by_id)
    abnormal_index.record(stores.abnormal, by_id)
    return saved


def delete_results(
    stores: ResultStores,
    username: str,
    host_ids: Sequence[str] | None,
    check_items: Sequence[str] | None,
    time_range: Sequence[float],
) -> int:
    """Delete the user's results of those hosts and items lying within the time range."""
    if host_ids == [] or check_items == []:
        return 0
    filters: list[Filter] = [Term("username", username)]
    if host_ids is not None:
        filters.append(Terms("host_id", tuple(dict.fromkeys(host_ids))))
    if check_items is not None:
        filters.append(Terms("check_item", tuple(dict.fromkeys(check_items))))
    if time_range:
        filters += [Range("start", gte=time_range[0]), Range("end", lte=time_range[1])]
    deleted = stores.docs.delete_where(RESULT_INDEX, filters)
    abnormal_index.forget(stores.abnormal, filters)
    return deleted


def _result(source: dict[str, Any]) -> dict[str, Any]:
    row = {name: source.get(name, "") for name in RESULT_FIELDS}
    data_list = row["data_list"]
    row["data_list"] = orjson.loads(data_list) if isinstance(data_list, str) and data_list else []
    return row


def get_results(
    stores: ResultStores, username: str, query: GetResultsBody, window: Window
) -> tuple[int, list[dict[str, Any]]]:
    """Results whose span overlaps the time range; unpaged means every one, without a cap.

    A page of abnormal ones (the dashboard's latest) is found in their index and read by id."""
    filters: list[Filter] = [Term("username", username)]
    if query.time_range:
        filters += [Range("start", lte=query.time_range[1]), Range("end", gte=query.time_range[0])]
    if query.check_items:
        filters.append(Terms("check_item", tuple(dict.fromkeys(query.check_items))))
    if query.host_list:
        filters.append(Terms("host_id", tuple(dict.fromkeys(query.host_list))))
    sort = query.sort
    keys = [SortKey(sort, descending=query.direction == "desc")] if sort else []
    keys += [SortKey(name) for name in _TIE_BREAK if name != sort]
    if query.value == ABNORMAL and window.limit is not None:
        found = stores.abnormal.search(abnormal_index.ABNORMAL_INDEX, filters, keys, window)
        sources = stores.docs.get_many(RESULT_INDEX, [hit.id for hit in found.hits])
        # A result replaced or deleted between the two reads is left out rather than shown
        # with another value.
        rows = [sources.get(hit.id) for hit in found.hits]
        return found.total, [_result(row) for row in rows if row and row.get("value") == ABNORMAL]
    if query.value is not None:
        filters.append(Term("value", query.value))
    page = stores.docs.search(RESULT_INDEX, filters, keys, window)
    return page.total, [_result(hit.source) for hit in page.hits]


def count_abnormal(
    stores: ResultStores, username: str, query: CountResultsBody, window: Window
) -> tuple[int, list[dict[str, Any]]]:
    """Abnormal results per host, for every host that has one (21.09 stopped at 10 hosts),
    counted, ordered and paged in their index."""
    filters: list[Filter] = [Term("username", username)]
    if query.host_list:
        filters.append(Terms("host_id", tuple(dict.fromkeys(query.host_list))))
    order = _COUNT_ORDERS.get((query.sort, query.direction), GroupOrder.COUNT_DESC)
    group = GroupBy("host_id", order, window)
    groups = stores.abnormal.count_by(abnormal_index.ABNORMAL_INDEX, filters, group)
    return groups.total, [{"host_id": host, "count": count} for host, count in groups.counts]


def histogram(stores: ResultStores, username: str, query: ResultHistogramBody) -> dict[str, Any]:
    """The user's results of `value` per rule per bucket of `interval` seconds from the range's
    start: a result counts in the bucket its start falls in (none before the range or after its
    end, which the last bucket includes). One aggregation, the number of buckets bounded by the
    contract; abnormal results are counted in their index."""
    first, last = query.time_range
    interval = query.interval
    buckets = Buckets("check_item", "start", first, last, interval)
    filters: list[Filter] = [Term("username", username)]
    if query.value == ABNORMAL:
        counts = stores.abnormal.count_by_bucket(abnormal_index.ABNORMAL_INDEX, filters, buckets)
    else:
        filters.append(Term("value", query.value))
        counts = stores.docs.count_by_bucket(RESULT_INDEX, filters, buckets)
    series = [{"check_item": rule, "counts": counts[rule]} for rule in sorted(counts)]
    return {"starts": list(range(first, last, interval)), "interval": interval, "series": series}
