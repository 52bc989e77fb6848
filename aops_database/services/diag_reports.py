"""Diagnosis reports of a user in the `diag_report` document index: save, read, list, count."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import Any

import orjson

from aops_database.services.sql import chunks
from aops_utils import jsonio
from aops_utils.contracts.data_center.diagnosis import ListReportsBody
from aops_utils.docstore import DocumentStore
from aops_utils.docstore import save_by_id
from aops_utils.docstore.protocol import Filter
from aops_utils.docstore.protocol import GroupBy
from aops_utils.docstore.protocol import IndexSpec
from aops_utils.docstore.protocol import Range
from aops_utils.docstore.protocol import SortKey
from aops_utils.docstore.protocol import Term
from aops_utils.docstore.protocol import Terms
from aops_utils.restful.paging import Window

REPORT_INDEX = "diag_report"
REPORT_SPEC = IndexSpec(
    keyword_fields=("username", "host_id", "tree_name", "task_id", "report_id"),
    numeric_fields=("start", "end", "time"),
    # The report (a tree) and its neighbours are read whole, never searched.
    others_indexed=False,
)
LISTED_FIELDS = ("host_id", "tree_name", "task_id", "report_id", "start", "end")
# What a report saved before reports had neighbours (or without a section) answers.
NOT_RECORDED = {
    "status": "not_recorded",
    "text": "neighbours were not looked up for this report",
    "total": 0,
    "hosts": [],
}
# Ties keep one order, so that consecutive pages neither repeat nor skip a report.
_TIE_BREAK = ("start", "host_id", "tree_name", "end", "report_id")
# Task ids per counting query: far below Elasticsearch's 65,536 terms and SQLite's parameters.
_COUNT_CHUNK = 5000


def document_id(username: str, report_id: str) -> str:
    """One document per user and report id: a replayed report overwrites its document, and a
    report id another user chose never reaches this user's report."""
    return hashlib.sha256(orjson.dumps([username, report_id])).hexdigest()


def root_value(report: dict[str, Any]) -> bool | None:
    """The verdict of the tree's root: true, false, or null when it was not evaluated."""
    value = report.get("value")
    return value if isinstance(value, bool) else None


def save_reports(docs: DocumentStore, username: str, reports: Sequence[dict[str, Any]]) -> int:
    """Write the reports in bulk; returns the number of distinct reports written."""
    now = int(time.time())
    by_id: dict[str, dict[str, Any]] = {}
    for item in reports:
        # The report is kept as JSON text: its node names would otherwise become index fields,
        # and a deep tree would pass the index's nesting limit.
        source = {
            **{name: item[name] for name in LISTED_FIELDS},
            "username": username,
            "time": now,
            "value": root_value(item["report"]),
            "report": jsonio.encode(item["report"]).decode(),
        }
        if item.get("neighbours") is not None:
            # As JSON text too: host names and check items must not become index fields.
            source["neighbours"] = jsonio.encode(item["neighbours"]).decode()
        by_id[document_id(username, item["report_id"])] = source
    return save_by_id(docs, REPORT_INDEX, REPORT_SPEC, by_id)


def get_reports(docs: DocumentStore, username: str, report_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The user's reports among those ids, in request order; unknown ids are left out."""
    wanted = list(dict.fromkeys(report_ids))
    found = docs.get_many(REPORT_INDEX, [document_id(username, rid) for rid in wanted])
    rows = []
    for rid in wanted:
        source = found.get(document_id(username, rid))
        if source is None or source.get("username") != username:
            continue
        row = {name: source.get(name) for name in LISTED_FIELDS}
        text = source.get("report")
        row["report"] = jsonio.decode(text) if isinstance(text, str) and text else {}
        # Beyond 21.09, after its fields: the report host's neighbours on the topology map.
        section = source.get("neighbours")
        row["neighbours"] = jsonio.decode(section) if isinstance(section, str) and section else NOT_RECORDED
        rows.append(row)
    return rows


def list_reports(
    docs: DocumentStore, username: str, query: ListReportsBody, window: Window
) -> tuple[int, list[dict[str, Any]]]:
    """Reports of one task, or of those hosts and trees overlapping the range; without reports.

    Unpaged means every one, without a cap (21.09 returned 10).
    """
    filters: list[Filter] = [Term("username", username)]
    if query.task_id is not None:
        filters.append(Term("task_id", query.task_id))
    else:
        if query.host_list:
            filters.append(Terms("host_id", tuple(dict.fromkeys(query.host_list))))
        if query.tree_list:
            filters.append(Terms("tree_name", tuple(dict.fromkeys(query.tree_list))))
        if query.time_range:
            filters += [Range("start", lte=query.time_range[1]), Range("end", gte=query.time_range[0])]
    sort = "start" if query.sort == "time" else query.sort
    keys = [SortKey(sort, descending=query.direction == "desc")] if sort else []
    keys += [SortKey(name) for name in _TIE_BREAK if name != sort]
    page = docs.search(REPORT_INDEX, filters, keys, window)
    rows = []
    for hit in page.hits:
        row = {name: hit.source.get(name) for name in LISTED_FIELDS}
        row["value"] = hit.source.get("value")
        rows.append(row)
    return page.total, rows


def delete_reports(docs: DocumentStore, username: str, report_ids: Sequence[str]) -> list[str]:
    """Delete the user's reports among those ids; returns the ids that existed, in request order."""
    wanted = {document_id(username, rid): rid for rid in dict.fromkeys(report_ids)}
    if not wanted:
        return []
    # A delete by id on a missing index would create it without the mapping.
    docs.ensure_index(REPORT_INDEX, REPORT_SPEC)
    found = docs.get_many(REPORT_INDEX, list(wanted))
    if found:
        docs.delete_ids(REPORT_INDEX, list(found))
    return [rid for key, rid in wanted.items() if key in found]


def delete_task_reports(docs: DocumentStore, username: str, task_ids: Sequence[str]) -> int:
    """Delete every report the user has for those tasks."""
    deleted = 0
    wanted = list(dict.fromkeys(task_ids))
    for part in chunks(wanted, _COUNT_CHUNK):
        deleted += docs.delete_where(
            REPORT_INDEX, [Term("username", username), Terms("task_id", tuple(part))]
        )
    return deleted


def count_reports(docs: DocumentStore, username: str, task_ids: Sequence[str]) -> dict[str, int]:
    """Reports stored so far per task (one per report id); tasks without any are absent."""
    wanted = list(dict.fromkeys(task_ids))
    counts: dict[str, int] = {}
    if len(wanted) > 4 * _COUNT_CHUNK:
        # Counting every task of the user at once beats many queries of a few thousand ids.
        chosen = set(wanted)
        every = docs.count_by(REPORT_INDEX, [Term("username", username)], GroupBy("task_id"))
        return {task: n for task, n in every.counts if task in chosen}
    for part in chunks(wanted, _COUNT_CHUNK):
        filters: list[Filter] = [Term("username", username), Terms("task_id", tuple(part))]
        counts.update(docs.count_by(REPORT_INDEX, filters, GroupBy("task_id")).counts)
    return counts
