"""Deployment templates and tasks of a user (relational): add, delete, list, resolve for a run."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any
from typing import Literal

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aops_database import models
from aops_database.services.sql import chunks
from aops_database.services.sql import delete_named
from aops_utils import jsonio
from aops_utils.db import RelationalStore
from aops_utils.db import UniqueViolation
from aops_utils.errors import DataExistError
from aops_utils.errors import NotFoundError
from aops_utils.restful.paging import Window

template, task = models.deploy_template, models.deploy_task
task_template, task_host, host = models.deploy_task_template, models.deploy_task_host, models.host
TemplateSort = Literal["template_name", ""]
TaskSort = Literal["task_name", ""]


def _order(column: Any, sort: str, direction: str, tie: Any) -> list[Any]:
    """ORDER BY the named column (none for ""), then a tie-breaker so pages never overlap."""
    order = [column.desc() if direction == "desc" else column.asc()] if sort else []
    return [*order, tie]


def _in_request_order(wanted: Sequence[str], found: set[str]) -> list[str]:
    # MySQL compares names ignoring trailing spaces: "a " finds the row named "a".
    stripped = {name.rstrip(" ") for name in found}
    return [name for name in dict.fromkeys(wanted) if name.rstrip(" ") in stripped]


# Templates


def add_template(
    store: RelationalStore, username: str, name: str, content: dict[str, Any], description: str
) -> None:
    """Store a template; a name the user already has is refused (1105), as 21.09 did."""
    now = int(time.time())
    row = {
        "username": username,
        "template_name": name,
        "template_content": jsonio.encode(content).decode(),
        "description": description,
        "created_at": now,
        "updated_at": now,
    }
    try:
        with store.begin() as conn:
            conn.execute(template.insert().values(**row))
    except UniqueViolation:
        raise DataExistError(f"template {name} already exists", field="template_name") from None


def delete_templates(store: RelationalStore, username: str, names: Sequence[str]) -> list[str]:
    """Delete the user's templates among `names`; returns those that existed, in request order.
    The tasks that name them stay (see models.deploy_task_template)."""
    wanted = list(dict.fromkeys(names))
    return _in_request_order(wanted, delete_named(store, template, "template_name", username, wanted))


def _template_row(row: Any) -> dict[str, Any]:
    return {
        "template_name": row.template_name,
        "template_content": jsonio.decode(row.template_content),
        "description": row.description,
    }


def get_templates(
    store: RelationalStore,
    username: str,
    names: Sequence[str],
    *,
    sort: TemplateSort,
    direction: str,
    window: Window,
) -> tuple[int, list[dict[str, Any]]]:
    """The user's templates (all when `names` is empty); unpaged means every one."""
    where: list[Any] = [template.c.username == username]
    if names:
        where.append(template.c.template_name.in_(list(dict.fromkeys(names))))
    query = sa.select(template).where(*where)
    query = query.order_by(*_order(template.c.template_name, sort, direction, template.c.template_id))
    if window.limit is not None:
        query = query.offset(window.offset).limit(window.limit)
    with store.begin() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(template).where(*where)).scalar_one()
        rows = conn.execute(query).all() if total else []
    return int(total), [_template_row(row) for row in rows]


# Tasks


def _known_templates(conn: Connection, username: str, names: Sequence[str]) -> dict[str, Any]:
    """The user's templates among `names`, keyed by name without trailing spaces (MySQL finds
    the template "a" for "a ")."""
    found: dict[str, Any] = {}
    for part in chunks(list(dict.fromkeys(names))):
        query = sa.select(template).where(template.c.username == username, template.c.template_name.in_(part))
        found.update((row.template_name.rstrip(" "), row) for row in conn.execute(query))
    return found


def _owned_hosts(conn: Connection, username: str, host_ids: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in chunks(list(dict.fromkeys(host_ids))):
        query = sa.select(host.c.host_id, host.c.host_name, host.c.public_ip, host.c.ssh_port).where(
            host.c.username == username, host.c.host_id.in_(part)
        )
        found.update((row.host_id, row) for row in conn.execute(query))
    return found


def add_task(store: RelationalStore, username: str, item: dict[str, Any]) -> None:
    """Store a task with its templates (which must be the user's) and hosts (the user's too),
    all or nothing. A name the user already has, or a task id already taken, is 1105."""
    task_id, names, hosts = item["task_id"], item["template_name"], item["host_list"]
    now = int(time.time())
    try:
        with store.begin() as conn:
            known = _known_templates(conn, username, names)
            for index, name in enumerate(names):
                if name.rstrip(" ") not in known:
                    raise NotFoundError(f"template {name} does not exist", field=f"template_name.{index}")
            # The names as stored, so that the task finds its templates on every store.
            names = [known[name.rstrip(" ")].template_name for name in names]
            owned = _owned_hosts(conn, username, [h["host_id"] for h in hosts])
            for index, entry in enumerate(hosts):
                if entry["host_id"] not in owned:
                    field = f"host_list.{index}.host_id"
                    raise NotFoundError(f"host {entry['host_id']} does not exist", field=field)
            if conn.execute(sa.select(task.c.task_id).where(task.c.task_id == task_id)).first():
                raise DataExistError(f"task {task_id} already exists", field="task_id")
            conn.execute(
                task.insert().values(
                    task_id=task_id,
                    username=username,
                    task_name=item["task_name"],
                    description=item["description"],
                    created_at=now,
                    updated_at=now,
                )
            )
            if names:
                rows = [{"task_id": task_id, "position": i, "template_name": n} for i, n in enumerate(names)]
                conn.execute(task_template.insert(), rows)
            if hosts:
                conn.execute(
                    task_host.insert(),
                    [
                        {
                            "task_id": task_id,
                            "host_id": entry["host_id"],
                            "position": index,
                            "components": orjson.dumps(entry["components"]).decode(),
                        }
                        for index, entry in enumerate(hosts)
                    ],
                )
    except UniqueViolation:
        # The id was checked above: the name is what clashed (or an id taken in between).
        raise DataExistError(f"task {item['task_name']} already exists", field="task_name") from None


def delete_tasks(store: RelationalStore, username: str, task_ids: Sequence[str]) -> list[str]:
    """Delete the user's tasks among those ids (their templates stay); returns those that existed."""
    wanted = list(dict.fromkeys(task_ids))
    return _in_request_order(wanted, delete_named(store, task, "task_id", username, wanted))


def _parts(
    conn: Connection, task_ids: Sequence[str]
) -> tuple[dict[str, list[str]], dict[str, list[dict[str, Any]]]]:
    """The template names and the hosts (with name and address) of each task, in task order."""
    names: dict[str, list[str]] = {tid: [] for tid in task_ids}
    hosts: dict[str, list[dict[str, Any]]] = {tid: [] for tid in task_ids}
    for part in chunks(list(task_ids)):
        query = (
            sa.select(task_template)
            .where(task_template.c.task_id.in_(part))
            .order_by(task_template.c.position)
        )
        for row in conn.execute(query):
            names[row.task_id].append(row.template_name)
        joined = (
            sa.select(task_host.c.task_id, task_host.c.components, host.c.host_id, host.c.host_name)
            .add_columns(host.c.public_ip, host.c.ssh_port)
            .select_from(task_host.join(host, host.c.host_id == task_host.c.host_id))
            .where(task_host.c.task_id.in_(part))
            .order_by(task_host.c.position)
        )
        for row in conn.execute(joined):
            hosts[row.task_id].append(
                {
                    "host_id": row.host_id,
                    "host_name": row.host_name,
                    "public_ip": row.public_ip,
                    "ssh_port": row.ssh_port,
                    "components": orjson.loads(row.components),
                }
            )
    return names, hosts


def get_tasks(
    store: RelationalStore,
    username: str,
    task_ids: Sequence[str],
    *,
    sort: TaskSort,
    direction: str,
    window: Window,
) -> tuple[int, list[dict[str, Any]]]:
    """The user's tasks (all when `task_ids` is empty) with their templates and hosts; unpaged
    means every one."""
    where: list[Any] = [task.c.username == username]
    if task_ids:
        where.append(task.c.task_id.in_(list(dict.fromkeys(task_ids))))
    query = sa.select(task).where(*where)
    # Unsorted: by creation (in seconds), then by name: the same order on every page.
    order = _order(task.c.task_name, sort, direction, task.c.created_at)
    query = query.order_by(*order, task.c.task_name, task.c.task_id)
    if window.limit is not None:
        query = query.offset(window.offset).limit(window.limit)
    with store.begin() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(task).where(*where)).scalar_one()
        rows = conn.execute(query).all() if total else []
        names, hosts = _parts(conn, [row.task_id for row in rows])
    return int(total), [
        {
            "task_id": row.task_id,
            "task_name": row.task_name,
            "description": row.description,
            "template_name": names[row.task_id],
            "host_list": [
                {k: h[k] for k in ("host_id", "host_name", "public_ip", "components")}
                for h in hosts[row.task_id]
            ],
        }
        for row in rows
    ]


def resolve_task(store: RelationalStore, username: str, task_id: str) -> dict[str, Any]:
    """The user's task as a run needs it: its templates' contents in order and its hosts with
    their addresses (the credentials are read with /data/host/credential/get)."""
    with store.begin() as conn:
        row = conn.execute(
            sa.select(task).where(task.c.task_id == task_id, task.c.username == username)
        ).first()
        if row is None:
            raise NotFoundError(f"task {task_id} does not exist", field="task_id")
        names, hosts = _parts(conn, [task_id])
        known = _known_templates(conn, username, names[task_id])
    missing = [name for name in names[task_id] if name.rstrip(" ") not in known]
    if missing:
        raise NotFoundError(
            f"task {row.task_name} uses templates that no longer exist: {', '.join(missing)}",
            field="template_name",
            payload={"missing_templates": missing},
        )
    return {
        "task_id": row.task_id,
        "task_name": row.task_name,
        "description": row.description,
        "username": username,
        "templates": [
            {
                "template_name": name,
                "template_content": jsonio.decode(known[name.rstrip(" ")].template_content),
                "description": known[name.rstrip(" ")].description,
            }
            for name in names[task_id]
        ],
        "host_list": hosts[task_id],
    }
