"""Fault trees and diagnosis tasks of a user (relational); the tasks' reports are documents."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aops_database import models
from aops_database.services import diag_reports
from aops_database.services import task_states
from aops_database.services.sql import Upserted
from aops_database.services.sql import chunks
from aops_database.services.sql import delete_named
from aops_database.services.sql import insert_new
from aops_database.services.sql import owned_rows
from aops_database.services.sql import upsert_named
from aops_utils import jsonio
from aops_utils.codes import Code
from aops_utils.db import RelationalStore
from aops_utils.docstore import DocumentStore
from aops_utils.errors import AopsError
from aops_utils.errors import ParamError
from aops_utils.restful.paging import Window
from aops_utils.tasks import shown_state

tree, task = models.diag_tree, models.diag_task
TASK_FIELDS = ("time", "host_list", "tree_list", "time_range", "interval", "expected_report_num")
_JSON_FIELDS = ("host_list", "tree_list", "time_range")
# The INSERT around one row's values, with room to spare.
_STATEMENT_OVERHEAD = 4096
# Bytes the client escapes with a backslash when it writes a string into a statement.
_ESCAPED = (b"\\", b'"', b"'", b"\0", b"\n", b"\r", b"\x1a")


# Trees


def add_trees(store: RelationalStore, username: str, trees: Sequence[dict[str, Any]]) -> Upserted:
    """Insert or replace the user's trees by name, all in one transaction.

    The names of one call must be distinct (the route checks it).
    """
    encoded = (
        {
            "tree_name": item["tree_name"],
            "tree_content": jsonio.encode(item["tree_content"]).decode(),
            "description": item["description"],
            "tag": orjson.dumps(item["tag"]).decode(),
        }
        for item in trees
    )
    rows = owned_rows(username, encoded)
    replaced = ("tree_content", "description", "tag", "updated_at")
    with store.begin() as conn:
        _check_packets(conn, store.dialect, rows)
        return upsert_named(conn, tree, "tree_name", username, rows=rows, replaced=replaced)


def _statement_bytes(row: dict[str, Any]) -> int:
    size = _STATEMENT_OVERHEAD
    for value in row.values():
        data = value.encode() if isinstance(value, str) else str(value).encode()
        size += len(data) + sum(data.count(char) for char in _ESCAPED)
    return size


def _check_packets(conn: Connection, dialect: str, rows: Sequence[dict[str, Any]]) -> None:
    """Refuse a tree whose INSERT the MySQL server would not take (max_allowed_packet, 16 MiB
    by default on MariaDB): it would drop the connection instead of answering."""
    if dialect == "sqlite":
        return
    limit = int(conn.execute(sa.text("SELECT @@max_allowed_packet")).scalar_one())
    for index, row in enumerate(rows):
        size = _statement_bytes(row)
        if size > limit:
            field = f"trees.{index}.tree_content"
            raise ParamError(
                f"{field}: is {size} bytes as an SQL statement; the database server takes at most "
                f"{limit} (its max_allowed_packet)",
                field=field,
            )


def _stored_names(wanted: Sequence[str], found: set[str]) -> list[str]:
    # MySQL compares names ignoring trailing spaces, so "a " finds the tree named "a": reply
    # the names as stored, in request order.
    stripped = {name.rstrip(" "): name for name in sorted(found)}
    named = [name if name in found else stripped.get(name.rstrip(" "), "") for name in wanted]
    return [name for name in dict.fromkeys(named) if name]


def get_trees(store: RelationalStore, username: str, names: Sequence[str]) -> list[dict[str, Any]]:
    """The user's trees (all when `names` is empty) by name; every one, without a cap."""
    query = sa.select(tree.c.tree_name, tree.c.tree_content, tree.c.description, tree.c.tag).where(
        tree.c.username == username
    )
    rows: list[Any] = []
    with store.begin() as conn:
        if names:
            for part in chunks(list(dict.fromkeys(names))):
                rows.extend(conn.execute(query.where(tree.c.tree_name.in_(part))).all())
        else:
            rows = list(conn.execute(query).all())
    unique = {row.tree_name: row for row in rows}
    return [
        {
            "tree_name": row.tree_name,
            "tree_content": jsonio.decode(row.tree_content),
            "description": row.description,
            "tag": orjson.loads(row.tag),
        }
        for _, row in sorted(unique.items())
    ]


def delete_trees(store: RelationalStore, username: str, names: Sequence[str]) -> list[str]:
    """Delete the user's trees among `names`; returns those that existed (tasks keep theirs)."""
    wanted = list(dict.fromkeys(names))
    return _stored_names(wanted, delete_named(store, tree, "tree_name", username, wanted))


# Tasks


def save_task(store: RelationalStore, username: str, item: dict[str, Any]) -> None:
    """Store a task; saving the same task id again replaces its fields (the first save's
    creation stays). A task id of another user is refused."""
    values = {
        name: orjson.dumps(item[name]).decode() if name in _JSON_FIELDS else item[name]
        for name in TASK_FIELDS
    }
    # Saved again, a task starts over: running, held by the scheduler that publishes it now.
    now = int(time.time())
    timeout = item.get("timeout")
    deadline = now + timeout if timeout else None
    values |= task_states.started(now, item.get("owner"), item.get("lease"), deadline)
    task_id = item["task_id"]
    with store.begin() as conn:
        # A task saved before (by this user or, with a clashing id, another) is left as it is here.
        conn.execute(
            insert_new(store.dialect, task, "task_id"),
            {"task_id": task_id, "username": username, "created_at": int(time.time()), **values},
        )
        owner = conn.execute(sa.select(task.c.username).where(task.c.task_id == task_id)).scalar_one()
        if owner != username:
            raise AopsError(f"task {task_id} belongs to another user", code=Code.DATA_EXIST, field="task_id")
        conn.execute(task.update().where(task.c.task_id == task_id).values(**values))


def _task_row(row: Any, count: int) -> dict[str, Any]:
    status, reason = shown_state(row.status, row.reason, count, row.expected_report_num)
    return {
        "task_id": row.task_id,
        "host_list": orjson.loads(row.host_list),
        "tree_list": orjson.loads(row.tree_list),
        "time_range": orjson.loads(row.time_range),
        "time": row.time,
        "interval": row.interval,
        "expected_report_num": row.expected_report_num,
        "cur_report_num": count,
        "finished": count >= row.expected_report_num,
        # Beyond 21.09: running, finished or failed, and why it failed.
        "status": status,
        "reason": reason,
    }


@dataclass(frozen=True, slots=True)
class TaskQuery:
    task_ids: Sequence[str]
    time_range: Sequence[float]
    sort: str
    direction: str
    window: Window


def get_tasks(
    store: RelationalStore, docs: DocumentStore, username: str, query: TaskQuery
) -> tuple[int, list[dict[str, Any]]]:
    """The user's tasks with the reports stored so far; unpaged means every one.

    Sorting by `cur_report_num` counts the reports of every matching task (21.09 sorted on a
    field that did not exist); ties stay in creation order whichever way the sort goes.
    """
    where: list[Any] = [task.c.username == username]
    if query.task_ids:
        where.append(task.c.task_id.in_(list(dict.fromkeys(query.task_ids))))
    if query.time_range:
        where.append(task.c.time.between(query.time_range[0], query.time_range[1]))
    descending = query.direction == "desc"
    window = query.window
    # The report index is read outside any transaction: on SQLite it is the same database, and
    # a long read there would hold writers back.
    if query.sort == "cur_report_num":
        with store.begin() as conn:
            by_time = sa.select(task.c.task_id).where(*where).order_by(task.c.time, task.c.task_id)
            ordered = list(conn.execute(by_time).scalars())
        counts = diag_reports.count_reports(docs, username, ordered)
        ordered.sort(key=lambda tid: counts.get(tid, 0), reverse=descending)
        page = ordered if window.limit is None else ordered[window.offset : window.offset + window.limit]
        with store.begin() as conn:
            found = {
                row.task_id: row
                for part in chunks(page)
                for row in conn.execute(sa.select(task).where(task.c.task_id.in_(part))).all()
            }
        # A task deleted in between is left out of the page.
        return len(ordered), [_task_row(found[tid], counts.get(tid, 0)) for tid in page if tid in found]
    order: list[Any] = []
    if query.sort == "expected_report_num":
        column = task.c.expected_report_num
        order.append(column.desc() if descending else column.asc())
    time_order = task.c.time.desc() if descending and query.sort == "time" else task.c.time.asc()
    order += [time_order, task.c.task_id.asc()]
    statement = sa.select(task).where(*where).order_by(*order)
    if window.limit is not None:
        statement = statement.offset(window.offset).limit(window.limit)
    with store.begin() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(task).where(*where)).scalar_one()
        rows = conn.execute(statement).all() if total else []
    counts = diag_reports.count_reports(docs, username, [row.task_id for row in rows])
    return int(total), [_task_row(row, counts.get(row.task_id, 0)) for row in rows]


def delete_tasks(
    store: RelationalStore, docs: DocumentStore, username: str, task_ids: Sequence[str]
) -> tuple[list[str], int]:
    """Delete the user's tasks among those ids and every report of them (also of ids whose
    task was never saved); returns the tasks that existed and the reports deleted.

    The reports go first: when that fails the tasks stay, and deleting them again finishes
    the job (on SQLite the report index is the same database, so it is not written while a
    transaction here holds the lock).
    """
    wanted = list(dict.fromkeys(task_ids))
    if not wanted:
        return [], 0
    reports = diag_reports.delete_task_reports(docs, username, wanted)
    found = delete_named(store, task, "task_id", username, wanted)
    return [tid for tid in wanted if tid in found], reports


def progress(
    store: RelationalStore, docs: DocumentStore, username: str, task_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """Reports stored so far against those expected, per task, with the task's state; unknown
    tasks have 0 of 0 and no state."""
    wanted = list(dict.fromkeys(task_ids))
    found: dict[str, Any] = {}
    with store.begin() as conn:
        for part in chunks(wanted):
            rows = conn.execute(
                sa.select(task.c.task_id, task.c.expected_report_num, task.c.status, task.c.reason).where(
                    task.c.username == username, task.c.task_id.in_(part)
                )
            )
            found.update((row.task_id, row) for row in rows)
    counts = diag_reports.count_reports(docs, username, wanted)
    return [_progress(tid, counts.get(tid, 0), found.get(tid)) for tid in wanted]


def _progress(task_id: str, count: int, row: Any) -> dict[str, Any]:
    if row is None:
        state: dict[str, Any] = {"status": None, "reason": "no such task"}
        return {"task_id": task_id, "progress": count, "expected_report_num": 0, "finished": False, **state}
    status, reason = shown_state(row.status, row.reason, count, row.expected_report_num)
    return {
        "task_id": task_id,
        "progress": count,
        "expected_report_num": row.expected_report_num,
        "finished": count >= row.expected_report_num,
        "status": status,
        "reason": reason,
    }
