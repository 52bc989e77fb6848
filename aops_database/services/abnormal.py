"""The abnormal check results indexed again in the relational database, for the dashboard."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from aops_utils.contracts.checks import Value
from aops_utils.db import RelationalStore
from aops_utils.docstore import All
from aops_utils.docstore import DocumentStore
from aops_utils.docstore import Filter
from aops_utils.docstore import GroupBy
from aops_utils.docstore import Term
from aops_utils.docstore import save_by_id
from aops_utils.docstore.factory import open_document_store
from aops_utils.docstore.protocol import IndexSpec

# The document store keeps every result. This index keeps, under the same ids, the keys of the
# abnormal ones as rows of the SQL document store on the relational database's engine, so that
# counting them per host or per rule and hour, and finding the latest, are indexed SQL queries
# whatever the document store. Elasticsearch would answer those from doc values, but the ES-API
# server walks every hit of a query: the dashboard's calls took 1.6-5.1 s there with 100,000
# results (bench/README.md).
#
# Rows rather than counters per host, rule and hour: a result saved again under its id (a window
# checked again) may keep or change its value, so counters would need the stored value read
# first, and would stay wrong after a failure between the two stores. An upsert or a delete by
# id is idempotent: a save or delete repeated after a failure leaves the index exact. The
# queries are the document store's own, whose contract (tests/aops_utils/test_docstore_contract.py)
# makes them answer as Elasticsearch does.
#
# A name that the configured index prefix cannot give another index (none ends with "abnormal"),
# since in `aops standalone` the results' own documents share the SQL store's table.
ABNORMAL_INDEX = "check_result_abnormal"
ABNORMAL_SPEC = IndexSpec(
    keyword_fields=("username", "host_id", "check_item", "series"),
    numeric_fields=("start", "end"),
    # Counts per host (the top 10), and per rule over a range of starts (the histogram), which
    # also serves the latest results by start.
    paths=(("username", "host_id"), ("username", "start", "check_item")),
)
# What the filters and sort keys of the results' queries read, the value aside.
KEY_FIELDS = ("username", "host_id", "check_item", "series", "start", "end")


def open_abnormal(store: RelationalStore) -> DocumentStore:
    """The index's store: the SQL document store on the relational database's engine."""
    return open_document_store("sql", engine=store.engine)


def record(abnormal: DocumentStore, by_id: Mapping[str, dict[str, Any]]) -> None:
    """Index the abnormal ones of results just saved (by id) and unindex the others: a result
    stored as abnormal may have been replaced by one of another value."""
    keys = {
        doc_id: {name: source[name] for name in KEY_FIELDS}
        for doc_id, source in by_id.items()
        if source["value"] == Value.ABNORMAL
    }
    others = [doc_id for doc_id, source in by_id.items() if source["value"] != Value.ABNORMAL]
    if keys:
        save_by_id(abnormal, ABNORMAL_INDEX, ABNORMAL_SPEC, keys)
    if others:
        abnormal.delete_ids(ABNORMAL_INDEX, others)


def forget(abnormal: DocumentStore, filters: Sequence[Filter]) -> None:
    """Unindex the results that a delete with these filters (on key fields) removed."""
    abnormal.delete_where(ABNORMAL_INDEX, filters)


def refill(docs: DocumentStore, index: str, abnormal: DocumentStore) -> int:
    """Index the abnormal results stored in `index` when this index is empty (a database made
    before it, at `aops-database init`); how many. One user at a time, so that memory holds one
    user's results at most."""
    abnormal.ensure_index(ABNORMAL_INDEX, ABNORMAL_SPEC)
    if abnormal.count(ABNORMAL_INDEX, [All()]):
        return 0
    is_abnormal = Term("value", Value.ABNORMAL)
    filled = 0
    for username, _count in docs.count_by(index, [is_abnormal], GroupBy("username")).counts:
        page = docs.search(index, [Term("username", username), is_abnormal])
        keys = {hit.id: {name: hit.source.get(name, "") for name in KEY_FIELDS} for hit in page.hits}
        filled += save_by_id(abnormal, ABNORMAL_INDEX, ABNORMAL_SPEC, keys)
    return filled
