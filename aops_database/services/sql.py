"""Statements the relational services share: chunked IN lists, upserts, new rows, named rows."""

from __future__ import annotations

import time
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from aops_utils.db import RelationalStore
from aops_utils.db import UniqueViolation
from aops_utils.errors import DataExistError
from aops_utils.restful.paging import Window

# Bound parameters per statement stay far below SQLite's 32766 and keep MySQL packets small.
_CHUNK = 1000


def chunks(items: Sequence[Any], size: int = _CHUNK) -> list[Sequence[Any]]:
    return [items[offset : offset + size] for offset in range(0, len(items), size)]


def upsert(dialect: str, table: sa.Table, keys: Sequence[str], replaced: Sequence[str]) -> Any:
    """An INSERT that replaces `replaced` columns of the row that already has the same `keys`."""
    if dialect == "sqlite":
        lite = sqlite.insert(table)
        return lite.on_conflict_do_update(
            index_elements=list(keys), set_={name: lite.excluded[name] for name in replaced}
        )
    my = mysql.insert(table)
    return my.on_duplicate_key_update({name: my.inserted[name] for name in replaced})


def insert_new(dialect: str, table: sa.Table, key: str) -> Any:
    """An INSERT that leaves the row already stored under the same `key` as it is."""
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=[key])
    my = mysql.insert(table)
    return my.on_duplicate_key_update({key: my.inserted[key]})


def add_row(store: RelationalStore, table: sa.Table, values: Mapping[str, Any], what: str, field: str) -> Any:
    """Insert one row stamped `created_at` now, and return its primary key; when its unique key
    is taken already, `what` (e.g. "user admin") already exists, named by `field` (409)."""
    try:
        with store.begin() as conn:
            result = conn.execute(table.insert().values(**values, created_at=int(time.time())))
    except UniqueViolation:
        raise DataExistError(f"{what} already exists", field=field) from None
    key = result.inserted_primary_key
    assert key is not None
    return key[0]


@dataclass(frozen=True, slots=True)
class Upserted:
    added: list[str]
    updated: list[str]

    def reply(self) -> dict[str, Any]:
        """21.09's answer to an import that stored every item: the new names and the replaced ones."""
        return {"succeed_list": self.added, "update_list": self.updated, "fail_list": []}


def owned_rows(username: str, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The user's rows for `items` (columns already encoded), created and updated now."""
    now = int(time.time())
    return [{"username": username, **item, "created_at": now, "updated_at": now} for item in items]


def upsert_named(
    conn: Connection,
    table: sa.Table,
    name: str,
    username: str,
    *,
    rows: Sequence[dict[str, Any]],
    replaced: Sequence[str],
) -> Upserted:
    """Insert or replace the user's rows by their distinct `name` column, in request order."""
    column = table.c[name]
    names = [row[name] for row in rows]
    existing: set[str] = set()
    for part in chunks(names):
        existing.update(
            conn.execute(sa.select(column).where(table.c.username == username, column.in_(part))).scalars()
        )
    # executemany: PyMySQL sends it as multi-row INSERTs of about 1 MB (10,000 rules in a few
    # round trips); a big row goes alone.
    conn.execute(upsert(conn.dialect.name, table, ("username", name), replaced), rows)
    return Upserted([n for n in names if n not in existing], [n for n in names if n in existing])


def owned_named(table: sa.Table, name: str, username: str, wanted: Sequence[str]) -> list[Any]:
    """WHERE clauses for the user's rows, only those whose `name` column is among `wanted` when
    it names any (an empty list means all of them, as in 21.09)."""
    where: list[Any] = [table.c.username == username]
    if wanted:
        where.append(table.c[name].in_(list(dict.fromkeys(wanted))))
    return where


def read_page(
    conn: Connection, select: sa.Select[Any], table: sa.Table, where: Sequence[Any], window: Window
) -> tuple[int, Sequence[Any]]:
    """The rows of `select` in the window (all of them unpaged) and how many rows of `table`
    match `where` in all; the rows are not read when none match."""
    total = int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())
    if not total:
        return 0, []
    if window.limit is not None:
        select = select.offset(window.offset).limit(window.limit)
    return total, conn.execute(select).all()


def delete_named(
    store: RelationalStore, table: sa.Table, name: str, username: str, wanted: Sequence[str]
) -> set[str]:
    """Delete the user's rows whose `name` column is among `wanted`; returns the names found."""
    column = table.c[name]
    found: set[str] = set()
    with store.begin() as conn:
        for part in chunks(wanted):
            where = (table.c.username == username, column.in_(part))
            found.update(conn.execute(sa.select(column).where(*where)).scalars())
            conn.execute(table.delete().where(*where))
    return found
