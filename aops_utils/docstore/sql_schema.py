"""The SQL document store's tables, and the key columns and indexes that specs' paths declare.

A key column is a virtual column generated from the JSON body: it can neither go stale nor
need filling in, and an index on it makes a path's filters, groups and order cheap. Columns are
named by field and shared by every index of the table; a query reads one only for the fields
its own index's spec declares in a path (the spec is stored after the DDL that serves it).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Engine

from aops_utils.docstore.protocol import KEY_LENGTH
from aops_utils.docstore.protocol import IndexSpec
from aops_utils.docstore.sql_instants import json_path

METADATA = sa.MetaData()
_BODY = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
TABLE = "aops_documents"

# utf8mb4_bin makes ids and keyword comparisons exact (case- and accent-sensitive) on MySQL.
DOCUMENTS = sa.Table(
    TABLE,
    METADATA,
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
    METADATA,
    sa.Column("index_name", sa.String(128), primary_key=True),
    sa.Column("spec", sa.Text, nullable=False),
    mysql_engine="InnoDB",
    mysql_charset="utf8mb4",
    mysql_collate="utf8mb4_bin",
)
BODY_JSON = sa.type_coerce(DOCUMENTS.c.body, sa.JSON)

# JSON types a key column takes (others, null included, leave it NULL, as a missing field).
_KINDS = {
    ("sqlite", False): "'text', 'integer', 'real'",
    ("sqlite", True): "'integer', 'real'",
    ("mysql", False): "'STRING', 'INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL'",
    ("mysql", True): "'INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL'",
}
# Client-side duplicate column and duplicate index name (another process added them first).
_MYSQL_DUPLICATE = {1060, 1061}


def key_name(field: str) -> str:
    return f"key_{field}"


def key_column(field: str, numeric: bool) -> sa.ColumnElement[Any]:
    """A path field's key column in queries (the name is one `IndexSpec` checked)."""
    kind: Any = sa.Float() if numeric else sa.String()
    return sa.literal_column(f"{TABLE}.{key_name(field)}", kind)


def path_index(path: tuple[str, ...]) -> str:
    return "ix_aops_documents_" + hashlib.sha256(",".join(path).encode()).hexdigest()[:16]


def _flavour(dialect: str) -> str:
    return "sqlite" if dialect == "sqlite" else "mysql"


def _generated(field: str, numeric: bool, dialect: str) -> str:
    flavour = _flavour(dialect)
    path = "'" + json_path(field) + "'"
    kinds = _KINDS[flavour, numeric]
    if flavour == "sqlite":
        return f"CASE WHEN json_type(body, {path}) IN ({kinds}) THEN json_extract(body, {path}) END"
    value = f"JSON_EXTRACT(body, {path})"
    # LEFT keeps a longer value (written before the limit) from failing the index build.
    read = f"CAST({value} AS DOUBLE)" if numeric else f"LEFT(JSON_UNQUOTE({value}), {KEY_LENGTH})"
    return f"CASE WHEN JSON_TYPE({value}) IN ({kinds}) THEN {read} END"


def _column_ddl(field: str, numeric: bool, dialect: str) -> str:
    if _flavour(dialect) == "sqlite":
        kind = ("REAL" if numeric else "TEXT") + " GENERATED ALWAYS"
    else:
        kind = "DOUBLE" if numeric else f"VARCHAR({KEY_LENGTH})"
    expression = _generated(field, numeric, dialect)
    return f"ALTER TABLE {TABLE} ADD COLUMN {key_name(field)} {kind} AS ({expression}) VIRTUAL"


def best_path(spec: IndexSpec, equal: Collection[str], target: str | None) -> tuple[str, ...] | None:
    """The path that serves a query best: the most leading fields compared for equality, then
    `target` (what it groups, sorts or bounds on) right after them; None when none starts
    with a field compared for equality."""
    best: tuple[int, int, tuple[str, ...]] | None = None
    for path in spec.paths:
        prefix = 0
        while prefix < len(path) and path[prefix] in equal:
            prefix += 1
        if prefix == 0:
            continue
        follows = int(prefix < len(path) and path[prefix] == target)
        if best is None or (prefix, follows) > best[:2]:
            best = (prefix, follows, path)
    return None if best is None else best[2]


class KeyColumns:
    """Adds the key columns and indexes that specs' paths need, each once, checked once per
    process; safe when another process adds the same ones at the same time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._lock = threading.Lock()
        self._columns: set[str] = set()
        self._indexes: set[str] = set()
        self._inspected = False

    def ensure(self, spec: IndexSpec) -> None:
        if self._present(spec):
            return
        with self._lock:
            self._inspect()
            for field, numeric in spec.keys.items():
                if key_name(field) not in self._columns:
                    self._run(_column_ddl(field, numeric, self._dialect))
            for path in spec.paths:
                if path_index(path) not in self._indexes:
                    columns = ", ".join(["index_name", *(key_name(field) for field in path)])
                    self._run(f"CREATE INDEX {path_index(path)} ON {TABLE} ({columns})")
            self._inspected = False
            self._inspect()

    def _present(self, spec: IndexSpec) -> bool:
        return all(key_name(f) in self._columns for f in spec.keys) and all(
            path_index(p) in self._indexes for p in spec.paths
        )

    def _inspect(self) -> None:
        if self._inspected:
            return
        if self._dialect == "sqlite":
            columns = sa.text("SELECT name FROM pragma_table_xinfo(:table)")
            indexes = sa.text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :table")
        else:
            columns = sa.text(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :table"
            )
            indexes = sa.text(
                "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :table"
            )
        with self._engine.connect() as conn:
            self._columns = {str(name) for name in conn.execute(columns, {"table": TABLE}).scalars()}
            self._indexes = {str(name) for name in conn.execute(indexes, {"table": TABLE}).scalars()}
        self._inspected = True

    def _run(self, ddl: str) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(sa.text(ddl))
        except sa.exc.DBAPIError as exc:
            # Another process added it between the inspection and this statement.
            args: tuple[Any, ...] = getattr(exc.orig, "args", ())
            duplicate = "duplicate column" in str(exc.orig) or "already exists" in str(exc.orig)
            if not (duplicate or (args and args[0] in _MYSQL_DUPLICATE)):
                raise
