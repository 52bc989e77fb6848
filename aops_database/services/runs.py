"""Deployment runs of a user: queued with their steps and hosts, changed as they happen, ended.

A run is changed only while it has not ended, so the lease watch that ends a run as
`interrupted` and a late update of the manager that ran it never both win.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aops_database import models
from aops_database.services.sql import chunks
from aops_database.services.sql import upsert
from aops_utils.contracts.data_center.runs import RunStatus
from aops_utils.contracts.data_center.runs import StepStatus
from aops_utils.db import RelationalStore
from aops_utils.errors import DataExistError
from aops_utils.errors import NotFoundError
from aops_utils.restful.paging import Window

run, step, run_host = models.deploy_run, models.deploy_run_step, models.deploy_run_host
UNFINISHED = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)
STEP_UNFINISHED = (StepStatus.QUEUED.value, StepStatus.RUNNING.value)
RUN_FIELDS = ("run_id", "task_id", "task_name", "status", "reason", "created_at", "started_at", "ended_at")
HOST_FIELDS = ("host_id", "host_name", "status", "task", "message", "output", "started_at", "ended_at")


def add_run(store: RelationalStore, username: str, body: dict[str, Any]) -> None:
    """Queue a run: every step and every host of each step `queued`. Adding a run of the user's
    again changes nothing (a manager may send it again after a lost answer)."""
    now = time.time()
    with store.begin() as conn:
        owner = conn.execute(sa.select(run.c.username).where(run.c.run_id == body["run_id"])).scalar()
        if owner is not None:
            if owner != username:
                raise DataExistError("a run of that id exists already", field="run_id")
            return
        task = models.deploy_task
        found = conn.execute(
            sa.select(task.c.task_id).where(task.c.task_id == body["task_id"], task.c.username == username)
        ).first()
        if found is None:
            raise NotFoundError(f"no such task: {body['task_id']}", field="task_id")
        conn.execute(
            run.insert().values(
                run_id=body["run_id"],
                username=username,
                task_id=body["task_id"],
                task_name=body["task_name"],
                check_mode=body["check"],
                status=RunStatus.QUEUED.value,
                reason="",
                lease_owner=body["owner"],
                lease_until=int(now) + body["lease"],
                created_at=now,
            )
        )
        steps = body["steps"]
        if not steps:
            return
        conn.execute(
            step.insert(),
            [
                {
                    "run_id": body["run_id"],
                    "position": position,
                    "step": item["step"],
                    "template_name": item["template_name"],
                    "enable": item["enable"],
                    "proceed": item["continue"],
                    "status": StepStatus.QUEUED.value,
                }
                for position, item in enumerate(steps)
            ],
        )
        hosts = [
            {
                "run_id": body["run_id"],
                "position": position,
                "host_id": h["host_id"],
                "host_name": h["host_name"],
                "status": StepStatus.QUEUED.value,
                "task": "",
                "message": "",
                "output": "",
            }
            for position, item in enumerate(steps)
            for h in item["hosts"]
        ]
        if hosts:
            conn.execute(run_host.insert(), hosts)


def _owned(conn: Connection, username: str, run_id: str) -> Any:
    # Locked: the lease watch ending this run waits for this update, or this one for it.
    found = conn.execute(
        sa.select(run.c.status).where(run.c.run_id == run_id, run.c.username == username).with_for_update()
    ).first()
    if found is None:
        raise NotFoundError(f"no such run: {run_id}", field="run_id")
    return found


def update_run(store: RelationalStore, username: str, body: dict[str, Any]) -> str:
    """Apply the newest states of a run's steps and hosts, and its own; returns the run's status
    afterwards. A run that has ended keeps its status (an update may still fill in its hosts)."""
    run_id = body["run_id"]
    with store.begin() as conn:
        current = _owned(conn, username, run_id)
        for item in body["steps"]:
            conn.execute(
                step.update()
                .where(step.c.run_id == run_id, step.c.position == item["position"])
                .values(
                    status=item["status"],
                    started_at=sa.func.coalesce(step.c.started_at, item.get("started_at")),
                    ended_at=item.get("ended_at"),
                )
            )
        if body["hosts"]:
            _upsert_hosts(conn, run_id, body["hosts"])
        status = str(current.status)
        change = body.get("run")
        if change is not None and status in UNFINISHED:
            conn.execute(
                run.update()
                .where(run.c.run_id == run_id, run.c.status.in_(UNFINISHED))
                .values(
                    status=change["status"],
                    reason=change["reason"],
                    started_at=sa.func.coalesce(run.c.started_at, change.get("started_at")),
                    ended_at=change.get("ended_at"),
                )
            )
            status = change["status"]
        return status


def _upsert_hosts(conn: Connection, run_id: str, hosts: Sequence[dict[str, Any]]) -> None:
    rows = [
        {
            "run_id": run_id,
            "position": h["position"],
            "host_id": h["host_id"],
            "host_name": h["host_name"],
            "status": h["status"],
            "task": h["task"],
            "message": h["message"],
            "output": h["output"],
            "started_at": h.get("started_at"),
            "ended_at": h.get("ended_at"),
        }
        for h in hosts
    ]
    replaced = ("status", "task", "message", "output", "started_at", "ended_at")
    conn.execute(upsert(conn.dialect.name, run_host, ("run_id", "position", "host_id"), replaced), rows)


def get_run(store: RelationalStore, username: str, run_id: str) -> dict[str, Any]:
    """A run with its steps in order, each with its hosts."""
    with store.begin() as conn:
        row = conn.execute(sa.select(run).where(run.c.run_id == run_id, run.c.username == username)).first()
        if row is None:
            raise NotFoundError(f"no such run: {run_id}", field="run_id")
        return _detailed(conn, row)


def _summary(row: Any) -> dict[str, Any]:
    found = {name: getattr(row, name) for name in RUN_FIELDS}
    found["check"] = bool(row.check_mode)
    return found


def _detailed(conn: Connection, row: Any) -> dict[str, Any]:
    found = _summary(row)
    hosts: dict[int, list[dict[str, Any]]] = {}
    host_rows = conn.execute(
        sa.select(run_host)
        .where(run_host.c.run_id == row.run_id)
        .order_by(run_host.c.position, run_host.c.host_name)
    )
    for h in host_rows:
        hosts.setdefault(h.position, []).append({name: getattr(h, name) for name in HOST_FIELDS})
    steps = conn.execute(sa.select(step).where(step.c.run_id == row.run_id).order_by(step.c.position))
    found["steps"] = [
        {
            "position": s.position,
            "step": s.step,
            "template_name": s.template_name,
            "enable": bool(s.enable),
            "continue": bool(s.proceed),
            "status": s.status,
            "started_at": s.started_at,
            "ended_at": s.ended_at,
            "hosts": hosts.get(s.position, []),
        }
        for s in steps
    ]
    return found


def run_history(
    store: RelationalStore, username: str, task_id: str, window: Window, direction: str
) -> tuple[int, list[dict[str, Any]]]:
    """The user's runs of a task in creation order (`direction`), without their hosts."""
    where = (run.c.username == username, run.c.task_id == task_id)
    order = run.c.created_at.desc() if direction == "desc" else run.c.created_at.asc()
    with store.begin() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(run).where(*where)).scalar_one())
        query = sa.select(run).where(*where).order_by(order, run.c.run_id).offset(window.offset)
        if window.limit is not None:
            query = query.limit(window.limit)
        return total, [_summary(r) for r in conn.execute(query)]


def renew(store: RelationalStore, owner: str, lease: int, run_ids: Sequence[str]) -> int:
    """Extend the leases of these unfinished runs that `owner` holds; returns how many."""
    renewed = 0
    with store.begin() as conn:
        for part in chunks(list(run_ids)):
            statement = (
                run.update()
                .where(run.c.lease_owner == owner, run.c.status.in_(UNFINISHED), run.c.run_id.in_(part))
                .values(lease_until=int(time.time()) + lease)
            )
            renewed += int(conn.execute(statement).rowcount)
    return renewed


def interrupt(store: RelationalStore, run_ids: Sequence[str], reason: str) -> list[str]:
    """End as `interrupted` the unfinished runs named, and those whose lease ran out, with their
    unfinished steps and hosts; returns the ids of the runs ended."""
    now = time.time()
    with store.begin() as conn:
        # Locked as read: a second watch at the same moment waits, then finds them ended.
        expired = (
            sa.select(run.c.run_id)
            .where(run.c.status.in_(UNFINISHED), run.c.lease_until < int(now))
            .with_for_update()
        )
        found = set(conn.execute(expired).scalars())
        for part in chunks(list(run_ids)):
            named = (
                sa.select(run.c.run_id)
                .where(run.c.status.in_(UNFINISHED), run.c.run_id.in_(part))
                .with_for_update()
            )
            found.update(conn.execute(named).scalars())
        ended = sorted(found)
        for part in chunks(ended):
            conn.execute(
                run.update()
                .where(run.c.run_id.in_(part))
                .values(status=RunStatus.INTERRUPTED.value, reason=reason, ended_at=now)
            )
            for table in (step, run_host):
                conn.execute(
                    table.update()
                    .where(table.c.run_id.in_(part), table.c.status.in_(STEP_UNFINISHED))
                    .values(status=StepStatus.INTERRUPTED.value, ended_at=now)
                )
        return ended
