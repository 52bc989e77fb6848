"""The diag schedulers' task watch: diagnosis tasks end finished or failed, or are resumed.

Every step is a conditional update of one task (services/task_states.py) in a transaction of its
own, so two watches running at once (two scheduler processes) never both claim or fail a task,
and a watch holds no lock while it counts reports (on SQLite the report index is the same
database).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from aops_database import models
from aops_database.services import diag_reports
from aops_database.services import task_states
from aops_database.services.sql import chunks
from aops_utils.codes import Code
from aops_utils.db import RelationalStore
from aops_utils.docstore import DocumentStore
from aops_utils.errors import AopsError
from aops_utils.tasks import TaskStatus
from aops_utils.tasks import deadline_after

task = models.diag_task
_STATE = (
    task.c.task_id,
    task.c.username,
    task.c.expected_report_num,
    task.c.lease_owner,
    task.c.lease_until,
    task.c.deadline,
)


@dataclass(frozen=True, slots=True)
class Watch:
    owner: str
    lease: int
    takeover: bool
    limit: int
    timeout: int
    timeout_per_report: float


def timed_out(done: int, expected: int) -> str:
    return (
        f"timed out: {done} of {expected} reports were stored before the deadline (no diag executor "
        "took the other requests, or diagnosing them kept failing: see the executors' logs)"
    )


def watch(store: RelationalStore, docs: DocumentStore, run: Watch) -> dict[str, Any]:
    """Renew the caller's leases; record the finished tasks; claim up to `limit` tasks whose lease
    ran out (their new deadline counts from now); fail the running tasks past their deadline."""
    now = int(time.time())
    with store.begin() as conn:
        renewed = task_states.renew(conn, task, run.owner, now, run.lease)
    with store.begin() as conn:
        rows = list(conn.execute(sa.select(*_STATE).where(task.c.status == TaskStatus.RUNNING.value)).all())
    counts = _counts(docs, rows)
    done = [row.task_id for row in rows if counts.get(row.task_id, 0) >= row.expected_report_num]
    with store.begin() as conn:
        task_states.finish(conn, task, task.c.task_id, done, now)
    open_rows = [row for row in rows if counts.get(row.task_id, 0) < row.expected_report_num]
    claimed: list[str] = []
    for row in open_rows:
        if len(claimed) >= run.limit:
            break
        if not task_states.claimable(row, run.owner, now, run.takeover):
            continue
        missing = row.expected_report_num - counts.get(row.task_id, 0)
        deadline = deadline_after(now, missing, run.timeout, run.timeout_per_report)
        with store.begin() as conn:
            if task_states.claim(
                conn,
                task,
                task.c.task_id,
                row.task_id,
                owner=run.owner,
                now=now,
                lease=run.lease,
                deadline=deadline,
                takeover=run.takeover,
            ):
                claimed.append(row.task_id)
    failed = []
    for row in open_rows:
        if row.task_id in claimed or row.deadline is None or row.deadline > now:
            continue
        reason = timed_out(counts.get(row.task_id, 0), row.expected_report_num)
        with store.begin() as conn:
            if task_states.fail(conn, task, task.c.task_id, row.task_id, reason, now=now, overdue=True):
                failed.append({"task_id": row.task_id, "reason": reason})
    return {"renewed": renewed, "finished": done, "failed": failed, "claimed": _claimed(store, claimed)}


def _counts(docs: DocumentStore, rows: list[Any]) -> dict[str, int]:
    by_user: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_user[row.username].append(row.task_id)
    counts: dict[str, int] = {}
    for username, task_ids in by_user.items():
        counts.update(diag_reports.count_reports(docs, username, task_ids))
    return counts


def _claimed(store: RelationalStore, task_ids: list[str]) -> list[dict[str, Any]]:
    rows: list[Any] = []
    with store.begin() as conn:
        for part in chunks(task_ids):
            rows.extend(conn.execute(sa.select(task).where(task.c.task_id.in_(part))).all())
    return [
        {
            "task_id": row.task_id,
            "username": row.username,
            "host_list": orjson.loads(row.host_list),
            "tree_list": orjson.loads(row.tree_list),
            "time_range": orjson.loads(row.time_range),
            "interval": row.interval,
            "expected_report_num": row.expected_report_num,
        }
        for row in rows
    ]


def fail_task(store: RelationalStore, username: str, task_id: str, reason: str) -> bool:
    """Fail the user's running task; False when it had ended already. An unknown task is a 404."""
    now = int(time.time())
    with store.begin() as conn:
        owned = task.c.username == username
        if task_states.fail(conn, task, task.c.task_id, task_id, reason, now=now, where=[owned]):
            return True
        found = conn.execute(sa.select(task.c.task_id).where(task.c.task_id == task_id, owned)).first()
    if found is None:
        raise AopsError(
            f"no task {task_id} of this user",
            code=Code.DATABASE_UPDATE_ERROR,
            field="task_id",
            http_status=404,
        )
    return False
