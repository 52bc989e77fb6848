"""State changes of long-running work (aops_utils.tasks) on any table with the task-state columns
(models._task_state): each is one conditional UPDATE, so that several schedulers' watches acting
at once change a task at most once: the second finds the condition no longer true."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aops_database.services.sql import chunks
from aops_utils.tasks import MAX_REASON
from aops_utils.tasks import TaskStatus

RUNNING = TaskStatus.RUNNING.value


def started(now: int, owner: str | None, lease: int | None, deadline: int | None) -> dict[str, Any]:
    """The state columns of work (re)started now by `owner`; no owner leaves it to the next watch."""
    return {
        "status": RUNNING,
        "reason": "",
        "lease_owner": owner,
        "lease_until": now + lease if owner and lease else 0,
        "deadline": deadline,
        "ended_at": None,
    }


def renew(conn: Connection, table: sa.Table, owner: str, now: int, lease: int) -> int:
    """Extend the leases `owner` holds on running work; returns how many."""
    statement = (
        table.update()
        .where(table.c.status == RUNNING, table.c.lease_owner == owner)
        .values(lease_until=now + lease)
    )
    return int(conn.execute(statement).rowcount)


def claimable(row: Any, owner: str, now: int, takeover: bool) -> bool:
    """Whether `owner` may claim this running row: its lease ran out, or `takeover` (the caller
    knows that no other holder can still be publishing it)."""
    if takeover:
        return bool(row.lease_owner != owner)
    return bool(row.lease_until < now)


def claim(
    conn: Connection,
    table: sa.Table,
    key: sa.Column[Any],
    value: str,
    *,
    owner: str,
    now: int,
    lease: int,
    deadline: int,
    takeover: bool = False,
) -> bool:
    """Take running work over with a new lease and deadline; False when another watch was first."""
    condition = (
        sa.or_(table.c.lease_owner.is_(None), table.c.lease_owner != owner)
        if takeover
        else table.c.lease_until < now
    )
    statement = (
        table.update()
        .where(key == value, table.c.status == RUNNING, condition)
        .values(lease_owner=owner, lease_until=now + lease, deadline=deadline)
    )
    return int(conn.execute(statement).rowcount) == 1


def finish(conn: Connection, table: sa.Table, key: sa.Column[Any], values: Sequence[str], now: int) -> int:
    """Record running work as finished; returns how many changed."""
    changed = 0
    for part in chunks(list(values)):
        statement = (
            table.update()
            .where(key.in_(part), table.c.status == RUNNING)
            .values(status=TaskStatus.FINISHED.value, reason="", ended_at=now)
        )
        changed += int(conn.execute(statement).rowcount)
    return changed


def fail(
    conn: Connection,
    table: sa.Table,
    key: sa.Column[Any],
    value: str,
    reason: str,
    *,
    now: int,
    overdue: bool = False,
    where: Sequence[Any] = (),
) -> bool:
    """Fail running work with `reason` (only past its deadline when `overdue`); False when it had
    ended already, or was given a new deadline meanwhile."""
    condition = [key == value, table.c.status == RUNNING, *where]
    if overdue:
        condition.append(table.c.deadline <= now)
    statement = (
        table.update()
        .where(*condition)
        .values(status=TaskStatus.FAILED.value, reason=reason[:MAX_REASON], ended_at=now)
    )
    return int(conn.execute(statement).rowcount) == 1
