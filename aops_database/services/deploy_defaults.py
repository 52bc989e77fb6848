"""The default deployment data of `default.json` (21.09 section 6.3), created by `init` when absent.

21.09's file held `{"tasks": [...]}` and the step list lived in a file of the package; here the
file also holds the templates, and a task names its templates and its hosts. What exists already
is left as it is, so that the user's changes stay: to import a default again, delete it and run
`aops-database init` (the 21.09 manual's procedure).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import Field
from pydantic import ValidationError

from aops_database import models
from aops_database.services import deploy
from aops_utils import jsonio
from aops_utils.auth import DEFAULT_USER
from aops_utils.contracts.data_center.deploy import Component
from aops_utils.contracts.data_center.deploy import TaskName
from aops_utils.contracts.data_center.deploy import TemplateContent
from aops_utils.contracts.data_center.deploy import TemplateName
from aops_utils.contracts.data_center.diagnosis import Hex32
from aops_utils.db import RelationalStore
from aops_utils.errors import AopsError
from aops_utils.errors import ConfigError
from aops_utils.restful.paging import Window
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Name40
from aops_utils.restful.validation import Text1024
from aops_utils.restful.validation import described

FILE_NAME = "default.json"
_ALL = Window(0, None)


class DefaultTemplate(Body):
    username: Name40 = DEFAULT_USER
    template_name: TemplateName
    description: Text1024 = ""
    template_content: TemplateContent


class DefaultHost(Body):
    """A host of the user by id, or by name or address (21.09's file named hosts by their IP)."""

    host_name: str = ""
    host_id: str = ""
    # Absent: every component the task's templates enable.
    components: list[Component] | None = Field(None, min_length=1)


class DefaultTask(Body):
    task_id: Hex32
    task_name: TaskName
    username: Name40 = DEFAULT_USER
    description: Text1024 = ""
    template_name: list[TemplateName] = Field(default_factory=list)
    host_list: list[DefaultHost] = Field(default_factory=list)


class Defaults(Body):
    templates: list[DefaultTemplate] = Field(default_factory=list)
    tasks: list[DefaultTask] = Field(default_factory=list)


def read_defaults(path: Path) -> Defaults | None:
    """The file's content (None when there is no file); ConfigError naming the file and field."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        return Defaults.model_validate(jsonio.decode(raw))
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            first = described(exc)[0]
            raise ConfigError(f"{path}: {first['field']}: {first['error']}") from None
        raise ConfigError(f"{path}: is not valid JSON: {exc}") from None


def _users(store: RelationalStore) -> set[str]:
    with store.begin() as conn:
        return set(conn.execute(sa.select(models.user.c.username)).scalars())


def _template_exists(store: RelationalStore, username: str, name: str) -> bool:
    return deploy.get_templates(store, username, [name], sort="", direction="asc", window=_ALL)[0] > 0


def _task_exists(store: RelationalStore, item: DefaultTask) -> bool:
    task = models.deploy_task
    with store.begin() as conn:
        found = conn.execute(
            sa.select(task.c.task_id).where(
                (task.c.task_id == item.task_id)
                | ((task.c.username == item.username) & (task.c.task_name == item.task_name))
            )
        ).first()
    return found is not None


def _user_hosts(store: RelationalStore, username: str) -> list[Any]:
    host = models.host
    with store.begin() as conn:
        query = sa.select(host.c.host_id, host.c.host_name, host.c.public_ip).where(
            host.c.username == username
        )
        return list(conn.execute(query.order_by(host.c.host_name)))


def _match(hosts: Sequence[Any], wanted: DefaultHost) -> str | None:
    for row in hosts:
        if wanted.host_id and row.host_id == wanted.host_id:
            return str(row.host_id)
    for row in hosts:
        if wanted.host_name and wanted.host_name in (row.host_name, row.public_ip):
            return str(row.host_id)
    return None


def _enabled(store: RelationalStore, username: str, names: Sequence[str]) -> list[str] | None:
    """The components the templates enable, in order; None when a template does not exist."""
    _total, rows = deploy.get_templates(store, username, names, sort="", direction="asc", window=_ALL)
    by_name = {row["template_name"]: row["template_content"] for row in rows}
    if any(name not in by_name for name in names):
        return None
    enabled: dict[str, None] = {}
    for name in names:
        content = TemplateContent.model_validate(by_name[name])
        enabled.update((c, None) for c, step in content.step_list.items() if step.enable)
    return list(enabled)


def _add_task(store: RelationalStore, item: DefaultTask) -> str:
    defaults = _enabled(store, item.username, item.template_name)
    if defaults is None:
        return f"default task {item.task_name}: a template of it does not exist; not created"
    hosts: list[dict[str, Any]] = []
    missing: list[str] = []
    owned = _user_hosts(store, item.username)
    for wanted in item.host_list:
        host_id = _match(owned, wanted)
        components = wanted.components or defaults
        if host_id is None or not components or host_id in {h["host_id"] for h in hosts}:
            missing.append(wanted.host_name or wanted.host_id)
            continue
        hosts.append({"host_id": host_id, "components": list(dict.fromkeys(components))})
    body = item.model_dump(include={"task_id", "task_name", "description", "template_name"})
    deploy.add_task(store, item.username, {**body, "host_list": hosts})
    line = f"created default task {item.task_name} for {item.username} with {len(hosts)} host(s)"
    if missing:
        line += (
            f"; not among the user's hosts (add them, delete the task, run init again): {', '.join(missing)}"
        )
    return line


def import_defaults(store: RelationalStore, path: Path) -> list[str]:
    """Create the file's templates and tasks that do not exist yet; returns what was done."""
    defaults = read_defaults(path)
    if defaults is None:
        return []
    users, done = _users(store), []
    for template in defaults.templates:
        if template.username not in users:
            done.append(
                f"default template {template.template_name}: no user {template.username}; not created"
            )
        elif not _template_exists(store, template.username, template.template_name):
            content = template.template_content.stored()
            deploy.add_template(
                store, template.username, template.template_name, content, template.description
            )
            done.append(f"created default template {template.template_name} for {template.username}")
    for task in defaults.tasks:
        if task.username not in users:
            done.append(f"default task {task.task_name}: no user {task.username}; not created")
        elif not _task_exists(store, task):
            try:
                done.append(_add_task(store, task))
            except AopsError as exc:
                done.append(f"default task {task.task_name}: {exc.detail}; not created")
    return done
