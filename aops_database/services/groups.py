"""Host groups of a user: add, delete (only empty ones), list with live host counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from aops_database import models
from aops_database.services.sql import add_row
from aops_utils.contracts import GetGroupsBody
from aops_utils.db import RelationalStore
from aops_utils.restful.paging import Window

group, host = models.host_group, models.host


@dataclass(frozen=True, slots=True)
class Deleted:
    deleted: list[str]
    kept: list[str]


def add_group(store: RelationalStore, username: str, name: str, description: str) -> int:
    values = {"username": username, "host_group_name": name, "description": description}
    return int(add_row(store, group, values, f"host group {name}", "host_group_name"))


def delete_groups(store: RelationalStore, username: str, names: list[str]) -> Deleted:
    """Delete the named groups that hold no host; groups with hosts are kept (21.09: 1106)."""
    counts = _host_counts(username)
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(group.c.host_group_id, group.c.host_group_name, counts.c.n)
            .select_from(group.outerjoin(counts, counts.c.host_group_id == group.c.host_group_id))
            .where(group.c.username == username, group.c.host_group_name.in_(names))
        ).all()
        empty = [r for r in rows if not r.n]
        if empty:
            # The foreign key refuses the delete if a host was added since the count.
            conn.execute(group.delete().where(group.c.host_group_id.in_([r.host_group_id for r in empty])))
    return Deleted([r.host_group_name for r in empty], [r.host_group_name for r in rows if r.n])


def _host_counts(username: str) -> Any:
    return (
        sa.select(host.c.host_group_id, sa.func.count().label("n"))
        .where(host.c.username == username)
        .group_by(host.c.host_group_id)
        .subquery()
    )


def get_groups(
    store: RelationalStore, username: str, query: GetGroupsBody, window: Window
) -> tuple[int, list[dict[str, Any]]]:
    counts = _host_counts(username)
    host_count = sa.func.coalesce(counts.c.n, 0).label("host_count")
    select = (
        sa.select(group.c.host_group_name, group.c.description, host_count)
        .select_from(group.outerjoin(counts, counts.c.host_group_id == group.c.host_group_id))
        .where(group.c.username == username)
    )
    column = {"host_count": host_count, "host_group_name": group.c.host_group_name}.get(query.sort)
    order = [] if column is None else [column.desc() if query.direction == "desc" else column.asc()]
    select = select.order_by(*order, group.c.host_group_id)
    with store.begin() as conn:
        total = conn.execute(
            sa.select(sa.func.count()).select_from(group).where(group.c.username == username)
        ).scalar_one()
        rows = conn.execute(select.offset(window.offset).limit(window.limit)).all() if total else []
    return total, [
        {"host_group_name": r.host_group_name, "description": r.description, "host_count": r.host_count}
        for r in rows
    ]
