"""`DocumentStore` as JSON documents in one SQL table through SQLAlchemy 2 Core."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

from aops_utils.codes import Code
from aops_utils.docstore.protocol import All
from aops_utils.docstore.protocol import Document
from aops_utils.docstore.protocol import Filter
from aops_utils.docstore.protocol import IndexSpec
from aops_utils.docstore.protocol import Page
from aops_utils.docstore.protocol import Range
from aops_utils.docstore.protocol import Scalar
from aops_utils.docstore.protocol import SortKey
from aops_utils.docstore.protocol import Term
from aops_utils.docstore.protocol import Terms
from aops_utils.docstore.protocol import TimeRange
from aops_utils.docstore.protocol import check_window
from aops_utils.docstore.sql_instants import json_path
from aops_utils.docstore.sql_instants import time_range
from aops_utils.errors import AopsError
from aops_utils.errors import DatabaseUnavailable
from aops_utils.errors import ParamError

_METADATA = sa.MetaData()
_BODY = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")

# utf8mb4_bin makes ids and keyword comparisons exact (case- and accent-sensitive) on MySQL.
DOCUMENTS = sa.Table(
    "aops_documents",
    _METADATA,
    sa.Column("index_name", sa.String(128), primary_key=True),
    sa.Column("doc_id", sa.String(255), primary_key=True),
    sa.Column("body", _BODY, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_bin",
)
# The spec tells a numeric field from a keyword field when sorting and comparing, also for
# indices another process created.
INDICES = sa.Table(
    "aops_document_indices",
    _METADATA,
    sa.Column("index_name", sa.String(128), primary_key=True),
    sa.Column("spec", sa.Text, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_bin",
)

_BODY_JSON = sa.type_coerce(DOCUMENTS.c.body, sa.JSON)
# SQLite's default limit on bound parameters is 32766 (999 before 3.32); stay well below.
_ID_CHUNK = 500
# Client-side connection failures (MySQL 2xxx), too many connections, access denied, no database.
_MYSQL_UNAVAILABLE = {1040, 1045, 1049, 2002, 2003, 2005, 2006, 2013, 2055}


def _dumps(source: dict[str, Any]) -> str:
    return orjson.dumps(source, option=orjson.OPT_NON_STR_KEYS).decode()


def _keyword(value: Scalar) -> str:
    return value if isinstance(value, str) else str(value)


class SqlDocumentStore:
    """Documents as rows (index, id, JSON body); filters read fields with JSON extraction."""

    def __init__(self, engine: Engine, *, prefix: str = "") -> None:
        self._engine = engine
        self._prefix = prefix
        self._dialect = engine.dialect.name
        self._specs: dict[str, IndexSpec] = {}
        self._created = False
        self._lock = threading.Lock()

    def _name(self, index: str) -> str:
        name = self._prefix + index
        if not name or len(name) > 128:
            raise ParamError(f"invalid index name {name!r}")
        return name

    @contextmanager
    def _begin(self, code: Code, action: str) -> Iterator[Connection]:
        try:
            self._create_tables()
            with self._engine.begin() as conn:
                yield conn
        except sa.exc.DBAPIError as exc:
            if self._is_unavailable(exc):
                raise DatabaseUnavailable(
                    f"the {self._dialect} document store is unreachable: {exc.orig}"
                ) from exc
            raise AopsError(f"{action}: {exc.orig}", code=code) from exc
        except orjson.JSONEncodeError as exc:
            raise AopsError(f"{action}: {exc}", code=code) from exc

    def _is_unavailable(self, exc: sa.exc.DBAPIError) -> bool:
        if exc.connection_invalidated or isinstance(exc, sa.exc.InterfaceError):
            return True
        if not isinstance(exc, sa.exc.OperationalError):
            return False
        if self._dialect == "sqlite":
            return "unable to open database" in str(exc.orig)
        args: tuple[Any, ...] = getattr(exc.orig, "args", ())
        return bool(args) and args[0] in _MYSQL_UNAVAILABLE

    def _create_tables(self) -> None:
        if self._created:
            return
        with self._lock:
            if not self._created:
                try:
                    _METADATA.create_all(self._engine, checkfirst=True)
                except sa.exc.DBAPIError:
                    # Another process may have created a table between check and create; a
                    # second pass finds it, and a real failure fails again.
                    _METADATA.create_all(self._engine, checkfirst=True)
                self._created = True

    def _upsert(self, table: sa.Table, value_column: str) -> sa.Insert:
        if self._dialect == "sqlite":
            lite = sqlite.insert(table)
            return lite.on_conflict_do_update(
                index_elements=list(table.primary_key.columns),
                set_={value_column: lite.excluded[value_column]},
            )
        if self._dialect in ("mysql", "mariadb"):
            my = mysql.insert(table)
            return my.on_duplicate_key_update({value_column: my.inserted[value_column]})
        raise ParamError(f"the sql document store does not support {self._dialect}")

    def _spec(self, conn: Connection, name: str) -> IndexSpec:
        spec = self._specs.get(name)
        if spec is not None:
            return spec
        text = conn.execute(
            sa.select(INDICES.c.spec).where(INDICES.c.index_name == name)
        ).scalar_one_or_none()
        if text is None:
            return IndexSpec()
        data = orjson.loads(text)
        spec = IndexSpec(tuple(data["keyword"]), tuple(data["numeric"]), tuple(data.get("time", ())))
        self._specs[name] = spec
        return spec

    def ping(self) -> bool:
        try:
            with self._engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except Exception:
            return False

    def ensure_index(self, index: str, spec: IndexSpec) -> None:
        name = self._name(index)
        text = _dumps(
            {
                "keyword": list(spec.keyword_fields),
                "numeric": list(spec.numeric_fields),
                "time": list(spec.time_fields),
            }
        )
        with self._begin(Code.DATABASE_INSERT_ERROR, f"create index {name}") as conn:
            conn.execute(self._upsert(INDICES, "spec"), {"index_name": name, "spec": text})
        self._specs[name] = spec

    def drop_index(self, index: str) -> None:
        name = self._name(index)
        with self._begin(Code.DATABASE_DELETE_ERROR, f"drop index {name}") as conn:
            conn.execute(sa.delete(DOCUMENTS).where(DOCUMENTS.c.index_name == name))
            conn.execute(sa.delete(INDICES).where(INDICES.c.index_name == name))
        self._specs.pop(name, None)

    def put(self, index: str, doc_id: str, source: dict[str, Any], *, refresh: bool = True) -> None:
        self.put_many(index, [(doc_id, source)], refresh=refresh)

    def put_many(
        self, index: str, docs: Sequence[tuple[str, dict[str, Any]]], *, refresh: bool = True
    ) -> None:
        # Every commit is visible to the next read, so `refresh` needs no action here.
        if not docs:
            return
        name = self._name(index)
        with self._begin(Code.DATABASE_INSERT_ERROR, f"write to {name}") as conn:
            # The last write of an id wins, as in a bulk request.
            bodies = {doc_id: _dumps(source) for doc_id, source in docs}
            rows = [{"index_name": name, "doc_id": doc_id, "body": body} for doc_id, body in bodies.items()]
            conn.execute(self._upsert(DOCUMENTS, "body"), rows)

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None:
        return self.get_many(index, [doc_id]).get(doc_id)

    def get_many(self, index: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        name = self._name(index)
        unique_ids = list(dict.fromkeys(ids))
        found: dict[str, dict[str, Any]] = {}
        with self._begin(Code.DATABASE_QUERY_ERROR, f"read from {name}") as conn:
            for start in range(0, len(unique_ids), _ID_CHUNK):
                rows = conn.execute(
                    sa.select(DOCUMENTS.c.doc_id, DOCUMENTS.c.body).where(
                        DOCUMENTS.c.index_name == name,
                        DOCUMENTS.c.doc_id.in_(unique_ids[start : start + _ID_CHUNK]),
                    )
                )
                found.update((doc_id, orjson.loads(body)) for doc_id, body in rows)
        return found

    def delete_ids(self, index: str, ids: Sequence[str], *, refresh: bool = True) -> int:
        name = self._name(index)
        unique_ids = list(dict.fromkeys(ids))
        deleted = 0
        with self._begin(Code.DATABASE_DELETE_ERROR, f"remove documents of {name}") as conn:
            for start in range(0, len(unique_ids), _ID_CHUNK):
                result = conn.execute(
                    sa.delete(DOCUMENTS).where(
                        DOCUMENTS.c.index_name == name,
                        DOCUMENTS.c.doc_id.in_(unique_ids[start : start + _ID_CHUNK]),
                    )
                )
                deleted += result.rowcount
        return deleted

    def delete_where(self, index: str, filters: Sequence[Filter], *, refresh: bool = True) -> int:
        name = self._name(index)
        with self._begin(Code.DATABASE_DELETE_ERROR, f"remove documents of {name}") as conn:
            where = self._where(name, filters, self._spec(conn, name))
            return int(conn.execute(sa.delete(DOCUMENTS).where(*where)).rowcount)

    def search(
        self,
        index: str,
        filters: Sequence[Filter],
        sort: Sequence[SortKey] = (),
        offset: int = 0,
        limit: int | None = None,
    ) -> Page:
        check_window(offset, limit)
        name = self._name(index)
        with self._begin(Code.DATABASE_QUERY_ERROR, f"search {name}") as conn:
            spec = self._spec(conn, name)
            where = self._where(name, filters, spec)
            order: list[sa.ColumnElement[Any]] = []
            for key in sort:
                expr = self._sort_expr(key.field, spec)
                # Documents without the field come last in both directions, as in Elasticsearch.
                order.append(sa.case((expr.is_(None), 1), else_=0))
                order.append(expr.desc() if key.descending else expr.asc())
            order.append(DOCUMENTS.c.doc_id.asc())
            stmt = sa.select(DOCUMENTS.c.doc_id, DOCUMENTS.c.body).where(*where).order_by(*order)
            if offset:
                stmt = stmt.offset(offset)
            if limit is not None:
                stmt = stmt.limit(limit)
            rows = conn.execute(stmt).all()
            if (limit is None or len(rows) < limit) and (rows or not offset):
                total = offset + len(rows)
            else:
                total = conn.execute(
                    sa.select(sa.func.count()).select_from(DOCUMENTS).where(*where)
                ).scalar_one()
        return Page(total, [Document(doc_id, orjson.loads(body)) for doc_id, body in rows])

    def count(self, index: str, filters: Sequence[Filter]) -> int:
        name = self._name(index)
        with self._begin(Code.DATABASE_QUERY_ERROR, f"count {name}") as conn:
            where = self._where(name, filters, self._spec(conn, name))
            stmt = sa.select(sa.func.count()).select_from(DOCUMENTS).where(*where)
            return int(conn.execute(stmt).scalar_one())

    def count_by(self, index: str, filters: Sequence[Filter], field: str) -> list[tuple[str, int]]:
        name = self._name(index)
        with self._begin(Code.DATABASE_QUERY_ERROR, f"count {name} by {field}") as conn:
            where = self._where(name, filters, self._spec(conn, name))
            # Grouping on a subquery column keeps MySQL's ONLY_FULL_GROUP_BY from comparing two
            # copies of the same expression with distinct bound parameters.
            values = sa.select(_BODY_JSON[field].as_string().label("value")).where(*where)
            sub = values.subquery()
            number = sa.func.count().label("number")
            stmt = (
                sa.select(sub.c.value, number)
                .where(sub.c.value.is_not(None))
                .group_by(sub.c.value)
                .order_by(number.desc(), sub.c.value.asc())
            )
            return [(str(value), int(n)) for value, n in conn.execute(stmt)]

    def close(self) -> None:
        # The engine belongs to the caller, who may share it with other stores; only the
        # cached index specs are this object's own.
        self._specs.clear()

    def _where(self, name: str, filters: Sequence[Filter], spec: IndexSpec) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = [DOCUMENTS.c.index_name == name]
        for flt in filters:
            if isinstance(flt, Term):
                where.append(self._terms(flt.field, (flt.value,), spec))
            elif isinstance(flt, Terms):
                where.append(self._terms(flt.field, flt.values, spec))
            elif isinstance(flt, Range):
                where.append(_range(flt))
            elif isinstance(flt, TimeRange):
                where.append(time_range(DOCUMENTS.c.body, flt, self._dialect))
            elif not isinstance(flt, All):
                raise ParamError(f"unsupported filter {flt!r}")
        return where

    def _terms(self, field: str, values: Sequence[Scalar], spec: IndexSpec) -> sa.ColumnElement[bool]:
        element = _BODY_JSON[field]
        keywords: list[str] = []
        numbers: list[float] = []
        flags: list[bool] = []
        for value in values:
            if isinstance(value, bool):
                flags.append(value)
            elif isinstance(value, str) or field in spec.keyword_fields:
                keywords.append(_keyword(value))
            else:
                numbers.append(float(value))
        clauses: list[sa.ColumnElement[bool]] = []
        if keywords:
            clauses.append(element.as_string().in_(keywords))
        if numbers:
            clauses.append(element.as_float().in_(numbers))
        for flag in dict.fromkeys(flags):
            # SQLite's json_extract turns true into 1; MySQL's JSON_UNQUOTE spells it out.
            if self._dialect == "sqlite":
                clauses.append(element.as_boolean() == flag)
            else:
                clauses.append(element.as_string() == ("true" if flag else "false"))
        if not clauses:
            return sa.false()
        return clauses[0] if len(clauses) == 1 else sa.or_(*clauses)

    def _sort_expr(self, field: str, spec: IndexSpec) -> sa.ColumnElement[Any]:
        element = _BODY_JSON[field]
        if field in spec.numeric_fields:
            number: sa.ColumnElement[float] = element.as_float()
            return number
        if field in spec.keyword_fields or self._dialect != "sqlite":
            text: sa.ColumnElement[str] = element.as_string()
            return text
        # An unknown field on SQLite: json_extract yields numbers for JSON numbers and text for
        # strings, so both order naturally.
        return sa.func.json_extract(DOCUMENTS.c.body, json_path(field))


def _range(flt: Range) -> sa.ColumnElement[bool]:
    value: sa.ColumnElement[float] = _BODY_JSON[flt.field].as_float()
    bounds: list[sa.ColumnElement[bool]] = []
    if flt.gte is not None:
        bounds.append(value >= flt.gte)
    if flt.gt is not None:
        bounds.append(value > flt.gt)
    if flt.lte is not None:
        bounds.append(value <= flt.lte)
    if flt.lt is not None:
        bounds.append(value < flt.lt)
    if not bounds:
        return value.is_not(None)
    return sa.and_(*bounds)
