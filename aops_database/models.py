"""Relational schema of the data center; uniqueness and ownership are database constraints."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.schema import SchemaItem

from aops_utils.contracts import NAME_LENGTH as NAME
from aops_utils.contracts import TEXT_LENGTH as TEXT

metadata = sa.MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s_%(column_1_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    }
)


def _table(name: str, *items: SchemaItem) -> sa.Table:
    return sa.Table(name, metadata, *items)


def _column(name: str, kind: Any, *args: Any, nullable: bool = False, **kw: Any) -> sa.Column[Any]:
    """A column, NOT NULL unless it says otherwise: nearly every value here is required, and a
    NULL where none was meant would read back as a missing field."""
    return sa.Column(name, kind, *args, nullable=nullable, **kw)


def _seconds(name: str, **kw: Any) -> sa.Column[Any]:
    """A time in POSIX seconds: BIGINT, since a 32-bit INT runs out in 2038."""
    return _column(name, sa.BigInteger, **kw)


def _reference(name: str, target: str, *, nullable: bool = False) -> sa.Column[Any]:
    """A link to another table's row, indexed: a row still linked to cannot be deleted."""
    return _column(
        name, sa.Integer, sa.ForeignKey(target, ondelete="RESTRICT"), nullable=nullable, index=True
    )


def _owner(*, index: bool = False) -> sa.Column[Any]:
    """The owning user: deleting a user deletes what it owns."""
    return _column("username", sa.String(40), sa.ForeignKey("user.username", ondelete="CASCADE"), index=index)


def _case_sensitive_name(name: str) -> sa.Column[Any]:
    # Binary collation: rule and tree names are case-sensitive, as the 21.09 keyword field was.
    return _column(
        name, sa.String(128).with_variant(mysql.VARCHAR(128, collation="utf8mb4_bin"), "mysql", "mariadb")
    )


def _stamps() -> tuple[sa.Column[Any], sa.Column[Any]]:
    return _seconds("created_at"), _seconds("updated_at")


def _serial(name: str) -> sa.Column[Any]:
    return _column(name, sa.Integer, primary_key=True, autoincrement=True)


def _part_of(parent: str, key: str, **kw: Any) -> sa.Column[Any]:
    """The 32-character id of the `parent` row this row belongs to: deleting that deletes it."""
    return _column(key, sa.String(32), sa.ForeignKey(f"{parent}.{key}", ondelete="CASCADE"), **kw)


def _span() -> tuple[sa.Column[Any], sa.Column[Any]]:
    """When a run, step or host started and ended (POSIX seconds with fractions); NULL until then."""
    return _column("started_at", sa.Double, nullable=True), _column("ended_at", sa.Double, nullable=True)


def _definitions(name: str, key: sa.Column[Any], label: str, *content: SchemaItem) -> sa.Table:
    """A user's named definitions (check rules, fault trees, deployment templates and tasks),
    unique per user by `label`, each with a description: 21.09 kept them in Elasticsearch, where
    nothing made a name unique."""
    return _table(
        name,
        key,
        _owner(),
        _case_sensitive_name(label),
        *content,
        _column("description", sa.String(1024), default=""),
        *_stamps(),
        sa.UniqueConstraint("username", label),
    )


def _task_state() -> tuple[sa.Column[Any], ...]:
    """The state of long-running work (aops_utils.tasks; services/task_states.py changes it)."""
    return (
        _column("status", sa.String(16), server_default="running"),
        # Why a failed task failed (empty otherwise).
        _column("reason", sa.String(1024), server_default=""),
        # The scheduler that publishes the task, and until when it holds it (POSIX seconds):
        # a task whose lease ran out is claimed by another scheduler's watch.
        _column("lease_owner", sa.String(64), nullable=True),
        _seconds("lease_until", server_default="0"),
        # When a running task is failed (none: not before a watch gives it a deadline).
        _seconds("deadline", nullable=True),
        _seconds("ended_at", nullable=True),
    )


user = _table(
    "user",
    _column("username", sa.String(40), primary_key=True),
    _column("password", sa.String(255)),
    _column("default_password", sa.Boolean, default=False),
    _seconds("created_at"),
    # The user's hosts, kept in the transactions that add and delete them (services/hosts.py):
    # counting them per listing walked the user's whole index, the largest cost of an uncached
    # listing in MariaDB (1.4 ms of CPU at 10,000 hosts).
    # Filled by the database (server default): an insert through this model leaves it out, as a
    # schema before 0008 needs.
    _column("host_count", sa.Integer, server_default=sa.text("0")),
    # Set to a new random value by every add and delete of the user's hosts (services/hosts.py):
    # the listing's page marks (host_marks.py) are valid for one value. Random, not counted up,
    # so that a user deleted and made again never meets the marks of the old one's hosts.
    _column("host_version", sa.BigInteger, server_default=sa.text("0")),
)

auth_session = _table(
    "auth_session",
    _column("token_id", sa.String(32), primary_key=True),
    _owner(index=True),
    _seconds("created_at"),
    _seconds("expires_at"),
)

# Login attempts per account (scope "user", any name tried, so that a lock-out does not tell
# which names exist) and per source address (scope "address"); see services/login_guard.py.
login_guard = _table(
    "login_guard",
    _column("scope", sa.String(8), primary_key=True),
    _column("name", sa.String(64), primary_key=True),
    _column("failures", sa.Integer),
    _seconds("last_at", index=True),
    _seconds("locked_until"),
)

host_group = _table(
    "host_group",
    _column("host_group_id", sa.Integer, primary_key=True, autoincrement=True),
    _owner(),
    _column("host_group_name", sa.String(NAME)),
    _column("description", sa.String(TEXT), default=""),
    _seconds("created_at"),
    sa.UniqueConstraint("username", "host_group_name"),
)

credential = _table(
    "credential",
    _column("credential_id", sa.Integer, primary_key=True, autoincrement=True),
    _owner(index=True),
    # ansible-vault text encrypted by the manager with the user's key; never decrypted here.
    _column("vault", sa.Text),
    _seconds("created_at"),
)

host = _table(
    "host",
    _column("host_id", sa.String(32), primary_key=True),
    _owner(),
    _column("host_name", sa.String(NAME)),
    _column("public_ip", sa.String(45)),
    _column("ssh_port", sa.Integer),
    _column("management", sa.Boolean),
    _reference("host_group_id", "host_group.host_group_id"),
    _reference("credential_id", "credential.credential_id", nullable=True),
    _column("status", sa.String(16), nullable=True),
    _seconds("status_time", nullable=True),
    _seconds("created_at"),
    sa.UniqueConstraint("username", "host_name"),
    sa.UniqueConstraint("username", "public_ip"),
)

# MySQL's TEXT holds 65,535 bytes: too little for a 100,000-character condition or the JSON of
# a big data list or host list, which MEDIUMTEXT (16 MiB) holds.
_LONG_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")

# Check rules of a user.
check_rule = _definitions(
    "check_rule",
    _serial("rule_id"),
    "check_item",
    _column("data_list", _LONG_TEXT),
    _column("condition", _LONG_TEXT),
    _column("plugin", sa.String(128), default=""),
)

# Positions of the check scheduler (forward and backward windows), so a restart resumes.
check_state = _table(
    "check_state",
    _column("name", sa.String(64), primary_key=True),
    _seconds("value"),
    _seconds("updated_at"),
)

# Failed check windows waiting to be checked again; 21.09 kept them in one process's memory.
check_retry = _table(
    "check_retry",
    _column("retry_id", sa.String(32), primary_key=True),
    _owner(index=True),
    _column("host_list", _LONG_TEXT),
    _column("check_items", _LONG_TEXT),
    _seconds("start"),
    _seconds("end"),
    _column("attempts", sa.Integer, default=0),
    _seconds("due_at"),
    _column("dead", sa.Boolean, default=False),
    _seconds("created_at"),
    # Claims read live retries in due order: walking this index, a locking read with a LIMIT
    # locks only the rows it takes, so concurrent claims take different rows side by side.
    sa.Index("ix_check_retry_dead_due_at", "dead", "due_at"),
)

# Fault trees of a user.
diag_tree = _definitions(
    "diag_tree",
    _serial("tree_id"),
    "tree_name",
    # The tree as JSON text, stored as received (the diag scheduler validated its structure).
    _column("tree_content", _LONG_TEXT),
    # JSON list of tag strings.
    _column("tag", sa.Text, default="[]"),
)

# Diagnosis tasks (one per /diag/execute); their reports are documents of the diag_report index.
diag_task = _table(
    "diag_task",
    _column("task_id", sa.String(32), primary_key=True),
    _owner(),
    # When the task was created (POSIX seconds): task lists filter and sort on it.
    _seconds("time"),
    _column("host_list", _LONG_TEXT),
    _column("tree_list", _LONG_TEXT),
    _column("time_range", sa.Text),
    _column("interval", sa.Integer),
    _column("expected_report_num", sa.Integer),
    _seconds("created_at"),
    *_task_state(),
    sa.Index("ix_diag_task_username_time", "username", "time"),
    # The task watch reads the running tasks.
    sa.Index("ix_diag_task_status", "status"),
)

# Deployment (issue 10). 21.09 kept templates and tasks in Elasticsearch, where nothing made a
# name unique and a task named no host it could run on.

# A user's deployment templates: a step list with the variables of its components, as JSON.
deploy_template = _definitions(
    "deploy_template",
    _serial("template_id"),
    "template_name",
    _column("template_content", _LONG_TEXT),
)

# A user's deployment tasks: templates (by name, in order) run on hosts.
deploy_task = _definitions(
    "deploy_task",
    _column("task_id", sa.String(32), primary_key=True),
    "task_name",
)

# The templates of a task by name, not by key: deleting a template and importing it again (how a
# template is edited) leaves the tasks that use it intact, and they run the new content. A task
# whose template is gone says so when it is resolved for a run.
deploy_task_template = _table(
    "deploy_task_template",
    _part_of("deploy_task", "task_id", primary_key=True),
    _column("position", sa.Integer, primary_key=True),
    _case_sensitive_name("template_name"),
)

# The hosts of a task with the components (inventory groups) each gets. Deleting a host takes it
# out of its tasks (CASCADE): a host delete is the user's explicit act, which a task must not
# block (21.09 deleted hosts per item), and its credentials go with it, so no run could reach it.
deploy_task_host = _table(
    "deploy_task_host",
    _part_of("deploy_task", "task_id", primary_key=True),
    _part_of("host", "host_id", primary_key=True, index=True),
    # The order the hosts were given in (21.09's inventories numbered zookeeper ids by it).
    _column("position", sa.Integer),
    # JSON list of component names.
    _column("components", sa.Text),
)

# Deployment runs (one per /manage/task/execute of a task), their steps in order and, per
# step, each host's state; the manager records them as they happen. A run keeps its task's
# name and steps as they were when it started; deleting the task deletes its runs (one still
# running stops at its next update).
deploy_run = _table(
    "deploy_run",
    _column("run_id", sa.String(32), primary_key=True),
    _owner(),
    _part_of("deploy_task", "task_id"),
    _column("task_name", sa.String(128), default=""),
    _column("check_mode", sa.Boolean, default=False),
    _column("status", sa.String(16)),
    _column("reason", sa.String(1024), default=""),
    # The manager process that runs it, and until when: a run whose lease ran out is ended as
    # interrupted (that manager stopped without ending it).
    _column("lease_owner", sa.String(64), nullable=True),
    _column("lease_until", sa.BigInteger, default=0),
    _column("created_at", sa.Double),
    *_span(),
    sa.Index("ix_deploy_run_username_task_id_created_at", "username", "task_id", "created_at"),
    # The lease watch reads the unfinished runs.
    sa.Index("ix_deploy_run_status", "status"),
)

deploy_run_step = _table(
    "deploy_run_step",
    _part_of("deploy_run", "run_id", primary_key=True),
    _column("position", sa.Integer, primary_key=True, autoincrement=False),
    _column("step", sa.String(128)),
    _column("template_name", sa.String(128), default=""),
    _column("enable", sa.Boolean),
    # 21.09's `continue` (a reserved word in MySQL).
    _column("proceed", sa.Boolean),
    _column("status", sa.String(16)),
    *_span(),
)

deploy_run_host = _table(
    "deploy_run_host",
    _column("run_id", sa.String(32), primary_key=True),
    _column("position", sa.Integer, primary_key=True, autoincrement=False),
    _column("host_id", sa.String(64), primary_key=True),
    _column("host_name", sa.String(NAME)),
    _column("status", sa.String(16)),
    # The failing task's name and message, and the host's last lines of output in the step.
    _column("task", sa.String(1024), default=""),
    _column("message", sa.Text, default=""),
    _column("output", sa.Text, default=""),
    *_span(),
    sa.ForeignKeyConstraint(
        ["run_id", "position"],
        ["deploy_run_step.run_id", "deploy_run_step.position"],
        ondelete="CASCADE",
    ),
)
