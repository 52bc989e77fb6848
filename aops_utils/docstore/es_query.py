"""The document store's filter language and sort keys as Elasticsearch query DSL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aops_utils.docstore.protocol import All
from aops_utils.docstore.protocol import Buckets
from aops_utils.docstore.protocol import Filter
from aops_utils.docstore.protocol import Range
from aops_utils.docstore.protocol import SortKey
from aops_utils.docstore.protocol import Term
from aops_utils.docstore.protocol import Terms
from aops_utils.docstore.protocol import TimeRange
from aops_utils.errors import ParamError

MATCH_NONE: dict[str, Any] = {"bool": {"must_not": [{"match_all": {}}]}}
# What `instant` reads: ISO-8601 (fraction digits up to nanoseconds) or POSIX seconds.
TIME_FORMAT = "strict_date_optional_time_nanos||epoch_second"


def query(filters: Sequence[Filter]) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = []
    for flt in filters:
        if isinstance(flt, Term):
            clauses.append({"term": {flt.field: flt.value}})
        elif isinstance(flt, Terms):
            if not flt.values:
                return MATCH_NONE
            clauses.append({"terms": {flt.field: list(flt.values)}})
        elif isinstance(flt, Range):
            bounds = {
                op: value
                for op, value in (("gte", flt.gte), ("lte", flt.lte), ("gt", flt.gt), ("lt", flt.lt))
                if value is not None
            }
            clauses.append({"range": {flt.field: bounds}})
        elif isinstance(flt, TimeRange):
            clauses.append(_time_range(flt))
        elif not isinstance(flt, All):
            raise ParamError(f"unsupported filter {flt!r}")
    if not clauses:
        return {"match_all": {}}
    return {"bool": {"filter": clauses}}


def _time_range(flt: TimeRange) -> dict[str, Any]:
    # epoch_second reads the bounds as seconds on a date field (dynamic mapping makes fluentd's
    # @timestamp one) and is ignored by numeric fields. A bound without a fraction would be
    # rounded up to its last millisecond on a date field: floats always carry one. Each field
    # counts only when the fields before it are missing.
    bounds: dict[str, Any] = {
        op: float(value) for op, value in (("gte", flt.gte), ("lte", flt.lte)) if value is not None
    }
    choices = []
    for position, name in enumerate(flt.fields):
        within = (
            {"range": {name: {**bounds, "format": "epoch_second"}}} if bounds else {"exists": {"field": name}}
        )
        choice: dict[str, Any] = {"filter": [within]}
        earlier = flt.fields[:position]
        if earlier:
            choice["must_not"] = [{"exists": {"field": field}} for field in earlier]
        choices.append({"bool": choice})
    if not choices:
        return MATCH_NONE
    return {"bool": {"should": choices, "minimum_should_match": 1}}


def sort_keys(sort: Sequence[SortKey]) -> list[Any]:
    # unmapped_type keeps a sort on a field that no document has yet from failing; "_doc" breaks
    # ties in index order so that consecutive pages neither repeat nor skip documents.
    keys: list[Any] = [
        {
            key.field: {
                "order": "desc" if key.descending else "asc",
                "unmapped_type": "keyword",
            }
        }
        for key in sort
    ]
    keys.append("_doc")
    return keys


def counts_of(aggregation: dict[str, Any]) -> list[tuple[str, int]]:
    """(value, documents) of a terms or composite aggregation's buckets, keys as strings."""
    counts = []
    for bucket in aggregation.get("buckets", []):
        key = bucket["key"]["value"] if isinstance(bucket["key"], dict) else bucket["key"]
        counts.append((key if isinstance(key, str) else str(key), int(bucket["doc_count"])))
    return counts


def bucket_rows(aggregation: dict[str, Any], buckets: Buckets) -> list[tuple[str, int, int]]:
    """(value, bucket number, documents) of a composite aggregation over `buckets.by` with a
    histogram under each value. A histogram key is its bucket's start, `first` plus a whole
    number of intervals up to float rounding, which `round` takes off."""
    rows = []
    for (value, _), bucket in zip(counts_of(aggregation), aggregation.get("buckets", []), strict=True):
        for at in bucket["at"]["buckets"]:
            number = round((float(at["key"]) - buckets.first) / buckets.interval)
            rows.append((value, number, int(at["doc_count"])))
    return rows


def histogram(buckets: Buckets) -> dict[str, Any]:
    # The offset puts bucket boundaries at `first` plus whole intervals (0 <= offset < interval).
    offset = buckets.first % buckets.interval
    return {
        "histogram": {
            "field": buckets.field,
            "interval": buckets.interval,
            "offset": offset,
            "min_doc_count": 1,
        }
    }
