"""`DocumentStore` over the Elasticsearch 7 REST API (elasticsearch-py 7.13)."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from elasticsearch import Elasticsearch
from elasticsearch import exceptions as es_exc

from aops_utils.codes import Code
from aops_utils.docstore.es_query import TIME_FORMAT
from aops_utils.docstore.es_query import bucket_rows
from aops_utils.docstore.es_query import counts_of
from aops_utils.docstore.es_query import histogram
from aops_utils.docstore.es_query import query
from aops_utils.docstore.es_query import sort_keys
from aops_utils.docstore.protocol import EVERY
from aops_utils.docstore.protocol import Buckets
from aops_utils.docstore.protocol import Document
from aops_utils.docstore.protocol import Filter
from aops_utils.docstore.protocol import GroupBy
from aops_utils.docstore.protocol import Groups
from aops_utils.docstore.protocol import IndexSpec
from aops_utils.docstore.protocol import Page
from aops_utils.docstore.protocol import Range
from aops_utils.docstore.protocol import Slice
from aops_utils.docstore.protocol import SortKey
from aops_utils.errors import AopsError
from aops_utils.errors import DatabaseUnavailable
from aops_utils.errors import ParamError

# Elasticsearch's default index.max_result_window: deeper pages go through the scroll API, so
# indices created elsewhere (with the default setting) are read completely too.
_WINDOW = 10_000
_SCROLL_PAGE = 5_000
_SCROLL_KEEP = "2m"
_BULK_DOCS = 5_000
_BULK_BYTES = 8 * 1024 * 1024
_BUCKET_PAGE = 1_000
# Buckets one aggregation request may bring: Elasticsearch 7.0-7.8's default search.max_buckets.
_TERMS_SIZE = 10_000
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def _total(response: dict[str, Any]) -> int:
    total = response["hits"]["total"]
    return int(total["value"] if isinstance(total, dict) else total)


def _hits(response: dict[str, Any]) -> list[Document]:
    return [Document(hit["_id"], hit.get("_source", {})) for hit in response["hits"]["hits"]]


def _reason(exc: es_exc.TransportError) -> str:
    info = exc.info
    if isinstance(info, dict) and isinstance(info.get("error"), dict):
        error = info["error"]
        return f"{error.get('type', 'error')}: {error.get('reason', '')}"
    return f"{exc.status_code} {exc.error}"


def _bulk_failures(response: dict[str, Any]) -> list[str]:
    failures = []
    for item in response.get("items", []):
        for result in item.values():
            error = result.get("error")
            if error:
                failures.append(f"{error.get('type', 'error')}: {error.get('reason', '')}")
    return failures


class ElasticsearchStore:
    """Documents in Elasticsearch indices named `prefix + index`."""

    def __init__(self, hosts: str | list[str], *, prefix: str = "", timeout: float = 30) -> None:
        if isinstance(hosts, str):
            hosts = [host.strip() for host in hosts.split(",") if host.strip()]
        # Error details name the hosts without any user:password part of their URLs.
        self._shown_hosts = ", ".join(host.rpartition("@")[2] for host in hosts)
        self._prefix = prefix
        self._client = Elasticsearch(hosts, timeout=timeout)

    def _name(self, index: str) -> str:
        name = self._prefix + index
        # A wildcard or list would let drop_index or delete_where reach other indices.
        if not name or any(char in name for char in "*?,"):
            raise ParamError(f"invalid index name {name!r}")
        return name

    @contextmanager
    def _errors(self, code: Code, action: str) -> Iterator[None]:
        try:
            yield
        except es_exc.ConnectionError as exc:
            raise DatabaseUnavailable(
                f"elasticsearch at {self._shown_hosts} is unreachable: {exc.error}"
            ) from exc
        except es_exc.TransportError as exc:
            raise AopsError(f"{action}: {_reason(exc)}", code=code) from exc
        except (es_exc.ElasticsearchException, orjson.JSONEncodeError) as exc:
            raise AopsError(f"{action}: {exc}", code=code) from exc

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except Exception:
            return False

    def ensure_index(self, index: str, spec: IndexSpec) -> None:
        name = self._name(index)
        properties: dict[str, Any] = {field: {"type": "keyword"} for field in spec.keyword_fields}
        # double holds POSIX seconds (and milliseconds) exactly and also takes fractional values.
        properties.update({field: {"type": "double"} for field in spec.numeric_fields})
        properties.update({field: {"type": "date", "format": TIME_FORMAT} for field in spec.time_fields})
        mappings = {
            "dynamic": spec.others_indexed,
            # Other strings become keywords so that Term stays exact on any field; long texts
            # (logs, reports) are kept in _source only instead of failing the write.
            "dynamic_templates": [
                {
                    "strings": {
                        "match_mapping_type": "string",
                        "mapping": {"type": "keyword", "ignore_above": 1024},
                    }
                }
            ],
            "properties": properties,
        }
        with self._errors(Code.DATABASE_INSERT_ERROR, f"create index {name}"):
            if self._client.indices.exists(index=name):
                return
            try:
                self._client.indices.create(index=name, body={"mappings": mappings})
            except es_exc.RequestError as exc:
                # Another process created it between the check and the create.
                if exc.error != "resource_already_exists_exception":
                    raise

    def drop_index(self, index: str) -> None:
        name = self._name(index)
        with self._errors(Code.DATABASE_DELETE_ERROR, f"drop index {name}"):
            self._client.indices.delete(index=name, ignore=404)

    def put(self, index: str, doc_id: str, source: dict[str, Any], *, refresh: bool = True) -> None:
        name = self._name(index)
        with self._errors(Code.DATABASE_INSERT_ERROR, f"write {doc_id} to {name}"):
            self._client.index(
                index=name,
                id=doc_id,
                body=orjson.dumps(source, option=_JSON_OPTIONS),
                refresh="true" if refresh else "false",
            )

    def put_many(
        self, index: str, docs: Sequence[tuple[str, dict[str, Any]]], *, refresh: bool = True
    ) -> None:
        name = self._name(index)
        with self._errors(Code.DATABASE_INSERT_ERROR, f"write to {name}"):
            # No documents make no chunk, and so no request.
            chunks = list(self._bulk_chunks(docs))
            failures: list[str] = []
            for chunk in chunks:
                response = self._client.bulk(
                    index=name,
                    body=chunk,
                    # A bulk refresh covers only the shards it touched, hence one index refresh
                    # after several requests.
                    refresh="true" if refresh and len(chunks) == 1 else "false",
                    filter_path="errors,items.*.error",
                )
                if response.get("errors"):
                    failures.extend(_bulk_failures(response))
            if refresh and len(chunks) > 1:
                self._client.indices.refresh(index=name)
        if failures:
            raise AopsError(
                f"{len(failures)} of {len(docs)} documents not written to {name}: " + "; ".join(failures[:5]),
                code=Code.DATABASE_INSERT_ERROR,
            )

    @staticmethod
    def _bulk_chunks(docs: Sequence[tuple[str, dict[str, Any]]]) -> Iterator[bytes]:
        lines: list[bytes] = []
        size = 0
        for doc_id, source in docs:
            action = orjson.dumps({"index": {"_id": doc_id}})
            body = orjson.dumps(source, option=_JSON_OPTIONS)
            lines.extend((action, body))
            size += len(action) + len(body) + 2
            if len(lines) >= 2 * _BULK_DOCS or size >= _BULK_BYTES:
                yield b"\n".join(lines) + b"\n"
                lines, size = [], 0
        if lines:
            yield b"\n".join(lines) + b"\n"

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None:
        name = self._name(index)
        with self._errors(Code.DATABASE_QUERY_ERROR, f"read {doc_id} from {name}"):
            try:
                response = self._client.get(index=name, id=doc_id)
            except es_exc.NotFoundError:
                return None
        source: dict[str, Any] = response.get("_source", {})
        return source

    def get_many(self, index: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        name = self._name(index)
        found: dict[str, dict[str, Any]] = {}
        unique_ids = list(dict.fromkeys(ids))
        with self._errors(Code.DATABASE_QUERY_ERROR, f"read from {name}"):
            for start in range(0, len(unique_ids), _BUCKET_PAGE):
                try:
                    response = self._client.mget(
                        index=name, body={"ids": unique_ids[start : start + _BUCKET_PAGE]}
                    )
                except es_exc.NotFoundError:
                    return {}
                for doc in response["docs"]:
                    if doc.get("found"):
                        found[doc["_id"]] = doc.get("_source", {})
        return found

    def delete_ids(self, index: str, ids: Sequence[str], *, refresh: bool = True) -> int:
        if not ids:
            return 0
        name = self._name(index)
        body = b"".join(orjson.dumps({"delete": {"_id": doc_id}}) + b"\n" for doc_id in ids)
        with self._errors(Code.DATABASE_DELETE_ERROR, f"remove documents of {name}"):
            response = self._client.bulk(
                index=name,
                body=body,
                refresh="true" if refresh else "false",
                filter_path="errors,items.*.result,items.*.error,items.*.status",
            )
        deleted = 0
        failures = []
        for item in response.get("items", []):
            result = item.get("delete", {})
            if result.get("result") == "deleted":
                deleted += 1
            elif result.get("error") and result.get("status") != 404:
                failures.append(str(result["error"].get("reason", result["error"])))
        if failures:
            raise AopsError(
                f"{len(failures)} documents not deleted from {name}: " + "; ".join(failures[:5]),
                code=Code.DATABASE_DELETE_ERROR,
            )
        return deleted

    def delete_where(self, index: str, filters: Sequence[Filter], *, refresh: bool = True) -> int:
        name = self._name(index)
        with self._errors(Code.DATABASE_DELETE_ERROR, f"remove documents of {name}"):
            response = self._client.delete_by_query(
                index=name,
                body={"query": query(filters)},
                refresh=refresh,
                conflicts="proceed",
                ignore_unavailable=True,
            )
        failures = response.get("failures") or []
        if failures:
            raise AopsError(
                f"remove documents of {name} failed: {failures[0]}", code=Code.DATABASE_DELETE_ERROR
            )
        return int(response.get("deleted", 0))

    def search(
        self, index: str, filters: Sequence[Filter], sort: Sequence[SortKey] = (), window: Slice = EVERY
    ) -> Page:
        name = self._name(index)
        body: dict[str, Any] = {"query": query(filters), "sort": sort_keys(sort)}
        offset, limit = window.offset, window.limit
        with self._errors(Code.DATABASE_QUERY_ERROR, f"search {name}"):
            if limit is not None and offset + limit <= _WINDOW:
                response = self._client.search(
                    index=name,
                    body={**body, "from": offset, "size": limit},
                    track_total_hits=True,
                    ignore_unavailable=True,
                )
                return Page(_total(response), _hits(response))
            return self._scroll(name, body, offset, limit)

    def _scroll(self, name: str, body: dict[str, Any], offset: int, limit: int | None) -> Page:
        response = self._client.search(
            index=name,
            body={**body, "size": _SCROLL_PAGE},
            scroll=_SCROLL_KEEP,
            track_total_hits=True,
            ignore_unavailable=True,
        )
        total = _total(response)
        wanted = total - offset if limit is None else min(limit, total - offset)
        hits: list[Document] = []
        skip = offset
        scroll_ids = {response.get("_scroll_id")}
        try:
            while len(hits) < wanted:
                page = _hits(response)
                if not page:
                    break
                if skip >= len(page):
                    skip -= len(page)
                else:
                    hits.extend(page[skip : skip + wanted - len(hits)])
                    skip = 0
                if len(hits) >= wanted:
                    break
                response = self._client.scroll(
                    body={"scroll_id": response["_scroll_id"], "scroll": _SCROLL_KEEP}
                )
                scroll_ids.add(response.get("_scroll_id"))
        finally:
            live = [scroll_id for scroll_id in scroll_ids if scroll_id]
            if live:
                self._client.clear_scroll(body={"scroll_id": live}, ignore=404)
        return Page(total, hits)

    def count(self, index: str, filters: Sequence[Filter]) -> int:
        name = self._name(index)
        with self._errors(Code.DATABASE_QUERY_ERROR, f"count {name}"):
            response = self._client.count(index=name, body={"query": query(filters)}, ignore_unavailable=True)
        return int(response["count"])

    def count_by(self, index: str, filters: Sequence[Filter], group: GroupBy) -> Groups:
        name = self._name(index)
        with self._errors(Code.DATABASE_QUERY_ERROR, f"count {name} by {group.field}"):
            counts = self._counts(name, filters, group.field)
        return Groups(len(counts), group.window.take(group.ordered(counts)))

    def _counts(self, name: str, filters: Sequence[Filter], field: str) -> list[tuple[str, int]]:
        # One terms aggregation brings every value up to _TERMS_SIZE of them. Its counts are exact
        # when it leaves no document out: every shard then returned every value it holds.
        terms = self._aggregate(name, filters, {"terms": {"field": field, "size": _TERMS_SIZE}})
        if not terms.get("sum_other_doc_count"):
            return counts_of(terms)
        # More values: a composite aggregation pages through all of them, exactly.
        pages = self._composite(name, filters, {"terms": {"field": field}}, {}, _BUCKET_PAGE)
        return [pair for page in pages for pair in counts_of(page)]

    def count_by_bucket(
        self, index: str, filters: Sequence[Filter], buckets: Buckets
    ) -> dict[str, list[int]]:
        name = self._name(index)
        bounded = [*filters, Range(buckets.field, gte=buckets.first, lte=buckets.last)]
        # Values page by page, each with its histogram, a page at most _TERMS_SIZE buckets.
        size = max(1, _TERMS_SIZE // buckets.count)
        with self._errors(Code.DATABASE_QUERY_ERROR, f"count {name} by {buckets.by} and {buckets.field}"):
            pages = self._composite(
                name, bounded, {"terms": {"field": buckets.by}}, {"at": histogram(buckets)}, size
            )
            rows = [row for page in pages for row in bucket_rows(page, buckets)]
        return buckets.tally(rows)

    def _aggregate(self, name: str, filters: Sequence[Filter], aggregation: dict[str, Any]) -> dict[str, Any]:
        response = self._client.search(
            index=name,
            body={"query": query(filters), "size": 0, "track_total_hits": False, "aggs": {"by": aggregation}},
            ignore_unavailable=True,
        )
        found: dict[str, Any] = response.get("aggregations", {}).get("by", {})
        return found

    def _composite(
        self, name: str, filters: Sequence[Filter], source: dict[str, Any], under: dict[str, Any], size: int
    ) -> Iterator[dict[str, Any]]:
        """Pages of a composite aggregation over one `source` (with `under` in each bucket)."""
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": size, "sources": [{"value": source}]}
            if after is not None:
                composite["after"] = after
            page = self._aggregate(
                name, filters, {"composite": composite, "aggs": under} if under else {"composite": composite}
            )
            yield page
            after = page.get("after_key")
            if len(page.get("buckets", [])) < size or after is None:
                return

    def close(self) -> None:
        self._client.transport.close()
