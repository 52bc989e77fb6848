"""Account administration for `aops-database user`: on the database host only, never over HTTP."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from aops_database import models
from aops_database.app import HOST_INFO_INDEX
from aops_database.services import abnormal
from aops_database.services.check_results import RESULT_INDEX
from aops_database.services.coverage import COVERAGE_INDEX
from aops_database.services.diag_reports import REPORT_INDEX
from aops_database.services.login_guard import Scope
from aops_utils.auth import hash_password
from aops_utils.db import RelationalStore
from aops_utils.docstore import DocumentStore
from aops_utils.docstore.protocol import Term
from aops_utils.docstore.protocol import Terms
from aops_utils.errors import NotFoundError

user, session, guard, host = models.user, models.auth_session, models.login_guard, models.host


@dataclass(frozen=True, slots=True)
class UserRow:
    username: str
    created_at: int
    must_change_password: bool
    open_sessions: int


def list_users(store: RelationalStore) -> list[UserRow]:
    now = int(time.time())
    open_sessions = (
        sa.select(sa.func.count())
        .where(session.c.username == user.c.username, session.c.expires_at > now)
        .scalar_subquery()
    )
    with store.begin() as conn:
        rows = conn.execute(
            sa.select(user.c.username, user.c.created_at, user.c.default_password, open_sessions).order_by(
                user.c.username
            )
        ).all()
    return [UserRow(r[0], int(r[1]), bool(r[2]), int(r[3])) for r in rows]


def set_password(store: RelationalStore, username: str, password: str, *, must_change: bool) -> None:
    """Set the password, end every session of the user and lift their lock-outs."""
    with store.begin() as conn:
        changed = conn.execute(
            user.update()
            .where(user.c.username == username)
            .values(password=hash_password(password), default_password=must_change)
        ).rowcount
        if not changed:
            raise NotFoundError(f"user {username} does not exist", field="username")
        conn.execute(session.delete().where(session.c.username == username))
        conn.execute(guard.delete().where((guard.c.scope == Scope.USER.value) & (guard.c.name == username)))


def delete_user(store: RelationalStore, docs: DocumentStore, username: str) -> int:
    """Delete the user with everything it owns; returns how many hosts went with it."""
    with store.begin() as conn:
        host_ids = list(conn.execute(sa.select(host.c.host_id).where(host.c.username == username)).scalars())
        # Hosts first: they hold their group and credentials (RESTRICT); the user's row then
        # takes its groups, credentials, rules, trees, tasks, retries and sessions (CASCADE).
        conn.execute(host.delete().where(host.c.username == username))
        deleted = conn.execute(user.delete().where(user.c.username == username)).rowcount
        if not deleted:
            raise NotFoundError(f"user {username} does not exist", field="username")
        conn.execute(guard.delete().where((guard.c.scope == Scope.USER.value) & (guard.c.name == username)))
    for index in (RESULT_INDEX, REPORT_INDEX, COVERAGE_INDEX):
        docs.delete_where(index, [Term("username", username)])
    abnormal.forget(abnormal.open_abnormal(store), [Term("username", username)])
    if host_ids:
        docs.delete_where(HOST_INFO_INDEX, [Terms("host_id", tuple(host_ids))])
    return len(host_ids)
