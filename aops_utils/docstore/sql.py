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
from aops_utils.docstore.protocol import EVERY
from aops_utils.docstore.protocol import KEY_LENGTH
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
from aops_utils.docstore.sql_query import Fields
from aops_utils.docstore.sql_query import group_order
from aops_utils.docstore.sql_schema import DOCUMENTS
from aops_utils.docstore.sql_schema import INDICES
from aops_utils.docstore.sql_schema import METADATA
from aops_utils.docstore.sql_schema import KeyColumns
from aops_utils.errors import AopsError
from aops_utils.errors import DatabaseUnavailable
from aops_utils.errors import ParamError

# SQLite's default limit on bound parameters is 32766 (999 before 3.32); stay well below.
_ID_CHUNK = 500
# Client-side connection failures (MySQL 2xxx), too many connections, access denied, no database.
_MYSQL_UNAVAILABLE = {1040, 1045, 1049, 2002, 2003, 2005, 2006, 2013, 2055}


def _dumps(source: dict[str, Any]) -> str:
    return orjson.dumps(source, option=orjson.OPT_NON_STR_KEYS).decode()


def _check_keys(spec: IndexSpec, docs: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Refuse a document whose path keyword is too long for its key column (see IndexSpec)."""
    keywords = [name for name, numeric in spec.keys.items() if not numeric]
    for doc_id, source in docs:
        for name in keywords:
            value = source.get(name)
            if isinstance(value, str) and len(value) > KEY_LENGTH:
                raise ParamError(f"{name} of {doc_id} is longer than {KEY_LENGTH} characters", field=name)


class SqlDocumentStore:
    """Documents as rows (index, id, JSON body); filters read fields with JSON extraction, or
    the key columns of the spec's paths."""

    def __init__(self, engine: Engine, *, prefix: str = "") -> None:
        self._engine = engine
        self._prefix = prefix
        self._dialect = engine.dialect.name
        self._specs: dict[str, IndexSpec] = {}
        self._created = False
        self._lock = threading.Lock()
        self._keys = KeyColumns(engine)

    def _name(self, index: str) -> str:
        name = self._prefix + index
        if not name or len(name) > 128:
            raise ParamError(f"invalid index name {name!r}")
        return name

    @contextmanager
    def _errors(self, code: Code, action: str) -> Iterator[None]:
        try:
            self._create_tables()
            yield
        except sa.exc.DBAPIError as exc:
            if self._is_unavailable(exc):
                raise DatabaseUnavailable(
                    f"the {self._dialect} document store is unreachable: {exc.orig}"
                ) from exc
            raise AopsError(f"{action}: {exc.orig}", code=code) from exc
        except orjson.JSONEncodeError as exc:
            raise AopsError(f"{action}: {exc}", code=code) from exc

    @contextmanager
    def _begin(self, code: Code, action: str) -> Iterator[Connection]:
        with self._errors(code, action), self._engine.begin() as conn:
            yield conn

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
                    METADATA.create_all(self._engine, checkfirst=True)
                except sa.exc.DBAPIError:
                    # Another process may have created a table between check and create; a
                    # second pass finds it, and a real failure fails again.
                    METADATA.create_all(self._engine, checkfirst=True)
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
        paths = tuple(tuple(path) for path in data.get("paths", ()))
        spec = IndexSpec(tuple(data["keyword"]), tuple(data["numeric"]), tuple(data.get("time", ())), paths)
        self._specs[name] = spec
        return spec

    def _fields(self, conn: Connection, name: str) -> Fields:
        return Fields(name, self._spec(conn, name), self._dialect)

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
                "paths": [list(path) for path in spec.paths],
            }
        )
        # The key columns come first: a stored spec tells readers that its paths are indexed.
        with self._errors(Code.DATABASE_INSERT_ERROR, f"index the paths of {name}"):
            self._keys.ensure(spec)
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
            _check_keys(self._spec(conn, name), docs)
            # The last write of an id wins, as in a bulk request.
            bodies = {doc_id: _dumps(source) for doc_id, source in docs}
            rows = [{"index_name": name, "doc_id": doc_id, "body": body} for doc_id, body in bodies.items()]
            conn.execute(self._upsert(DOCUMENTS, "body"), rows)

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None:
        return self.get_many(index, [doc_id]).get(doc_id)

    def get_many(self, index: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        name = self._name(index)
        with self._begin(Code.DATABASE_QUERY_ERROR, f"read from {name}") as conn:
            return {doc_id: orjson.loads(body) for doc_id, body in self._bodies(conn, name, ids).items()}

    @staticmethod
    def _bodies(conn: Connection, name: str, ids: Sequence[str]) -> dict[str, str]:
        unique_ids = list(dict.fromkeys(ids))
        found: dict[str, str] = {}
        for start in range(0, len(unique_ids), _ID_CHUNK):
            rows = conn.execute(
                sa.select(DOCUMENTS.c.doc_id, DOCUMENTS.c.body).where(
                    DOCUMENTS.c.index_name == name,
                    DOCUMENTS.c.doc_id.in_(unique_ids[start : start + _ID_CHUNK]),
                )
            )
            found.update((doc_id, body) for doc_id, body in rows)
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
            where = self._fields(conn, name).where(filters)
            return int(conn.execute(sa.delete(DOCUMENTS).where(*where)).rowcount)

    def search(
        self, index: str, filters: Sequence[Filter], sort: Sequence[SortKey] = (), window: Slice = EVERY
    ) -> Page:
        name = self._name(index)
        offset, limit = window.offset, window.limit
        rows: list[tuple[str, str]]
        with self._begin(Code.DATABASE_QUERY_ERROR, f"search {name}") as conn:
            fields = self._fields(conn, name)
            target = sort[0].field if sort else None
            if limit is None:
                stmt = fields.select(DOCUMENTS.c.doc_id, DOCUMENTS.c.body, filters=filters, target=target)
                found = conn.execute(stmt.order_by(*fields.order(sort)).offset(offset or None))
                rows = [(doc_id, body) for doc_id, body in found]
            else:
                # The page's ids first, their bodies then: sorting rows that carry their bodies
                # made MariaDB spill them to disk.
                stmt = fields.select(DOCUMENTS.c.doc_id, filters=filters, target=target)
                stmt = stmt.where(*self._seek(conn, fields, filters, sort, window))
                ids = conn.execute(stmt.order_by(*fields.order(sort)).offset(offset or None).limit(limit))
                page = list(ids.scalars())
                bodies = self._bodies(conn, name, page)
                rows = [(doc_id, bodies[doc_id]) for doc_id in page]
            if (limit is None or len(rows) < limit) and (rows or not offset):
                total = offset + len(rows)
            else:
                total = self._count(conn, fields, filters)
        return Page(total, [Document(doc_id, orjson.loads(body)) for doc_id, body in rows])

    @staticmethod
    def _seek(
        conn: Connection, fields: Fields, filters: Sequence[Filter], sort: Sequence[SortKey], window: Slice
    ) -> list[sa.ColumnElement[bool]]:
        """A bound on the first sort key that the page's documents keep, read from its key
        column's index: the rest of the sort then orders the page's few documents instead of
        every match (the latest 8 of 80,000 results read 8 bodies, not 80,000)."""
        if not (sort and window.limit and fields.is_key(sort[0].field)):
            return []
        first = sort[0]
        key = fields.sort(first.field)
        last = fields.select(key, filters=filters, target=first.field).where(key.is_not(None))
        last = last.order_by(key.desc() if first.descending else key.asc())
        bound = conn.execute(last.offset(window.offset + window.limit - 1).limit(1)).scalar_one_or_none()
        # Fewer documents have the key than the window ends at: documents without it are on the
        # page, and no bound holds.
        if bound is None:
            return []
        return [key >= bound] if first.descending else [key <= bound]

    def _count(self, conn: Connection, fields: Fields, filters: Sequence[Filter]) -> int:
        return int(conn.execute(fields.select(sa.func.count(), filters=filters)).scalar_one())

    def count(self, index: str, filters: Sequence[Filter]) -> int:
        name = self._name(index)
        with self._begin(Code.DATABASE_QUERY_ERROR, f"count {name}") as conn:
            return self._count(conn, self._fields(conn, name), filters)

    def count_by(self, index: str, filters: Sequence[Filter], group: GroupBy) -> Groups:
        name = self._name(index)
        with self._begin(Code.DATABASE_QUERY_ERROR, f"count {name} by {group.field}") as conn:
            fields = self._fields(conn, name)
            # Grouping on a subquery column keeps MySQL's ONLY_FULL_GROUP_BY from comparing two
            # copies of the same expression with distinct bound parameters.
            value = fields.keyword(group.field).label("value")
            sub = fields.select(value, filters=filters, target=group.field).subquery()
            counted = (
                sa.select(sub.c.value, sa.func.count().label("number"))
                .where(sub.c.value.is_not(None))
                .group_by(sub.c.value)
                .subquery()
            )
            # The window function counts the groups before LIMIT takes the page of them. It runs
            # on the grouped rows: beside the GROUP BY, MariaDB 10.11 forgot ORDER BY ... DESC.
            stmt = (
                sa.select(counted.c.value, counted.c.number, sa.func.count().over().label("groups"))
                .order_by(*group_order(group.order, counted.c.number, counted.c.value))
                .offset(group.window.offset or None)
                .limit(group.window.limit)
            )
            rows = conn.execute(stmt).all()
            if rows or not group.window.offset:
                total = rows[0].groups if rows else 0
            else:
                total = conn.execute(sa.select(sa.func.count()).select_from(counted)).scalar_one()
        return Groups(int(total), [(str(row.value), int(row.number)) for row in rows])

    def count_by_bucket(
        self, index: str, filters: Sequence[Filter], buckets: Buckets
    ) -> dict[str, list[int]]:
        name = self._name(index)
        with self._begin(
            Code.DATABASE_QUERY_ERROR, f"count {name} by {buckets.by} and {buckets.field}"
        ) as conn:
            fields = self._fields(conn, name)
            bounded = [*filters, Range(buckets.field, gte=buckets.first, lte=buckets.last)]
            number = fields.floor((fields.number(buckets.field) - buckets.first) / buckets.interval)
            columns = (fields.keyword(buckets.by).label("value"), number.label("number"))
            sub = fields.select(*columns, filters=bounded, target=buckets.field).subquery()
            stmt = (
                sa.select(sub.c.value, sub.c.number, sa.func.count())
                .where(sub.c.value.is_not(None))
                .group_by(sub.c.value, sub.c.number)
            )
            rows = [(str(value), int(n), int(documents)) for value, n, documents in conn.execute(stmt)]
        return buckets.tally(rows)

    def close(self) -> None:
        # The engine belongs to the caller, who may share it with other stores; only the
        # cached index specs are this object's own.
        self._specs.clear()
