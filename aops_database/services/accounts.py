"""Users, login with lock-out, sessions (the revocation list of tokens) and password changes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa

from aops_database import models
from aops_database.services.login_guard import LockedOut
from aops_database.services.login_guard import LoginGuard
from aops_database.services.login_guard import Scope
from aops_database.services.login_guard import Slot
from aops_database.services.login_guard import now_ms
from aops_database.services.sql import add_row
from aops_utils.audit import AuditLog
from aops_utils.audit import Event
from aops_utils.auth import HashGate
from aops_utils.auth import TokenCodec
from aops_utils.auth import hash_password
from aops_utils.auth import verify_password
from aops_utils.codes import Code
from aops_utils.conf import AuthSection
from aops_utils.db import RelationalStore
from aops_utils.errors import AopsError
from aops_utils.errors import LoginError
from aops_utils.errors import ParamError
from aops_utils.errors import TooManyLogins

user, session = models.user, models.auth_session
# Asked on every call a service makes for a user: built once, since building the SELECT cost
# SQLAlchemy more CPU than the database spends answering it.
_SESSION_EXPIRY = sa.select(session.c.expires_at).where(
    session.c.token_id == sa.bindparam("token_id"), session.c.username == sa.bindparam("username")
)


@dataclass(frozen=True, slots=True)
class Login:
    token: str
    default_password: bool


class Accounts:
    def __init__(
        self, store: RelationalStore, codec: TokenCodec, settings: AuthSection, audit: AuditLog | None = None
    ) -> None:
        self._store = store
        self._codec = codec
        self._settings = settings
        self._audit = audit
        self._guard = LoginGuard(store, settings)
        self._hashes = HashGate(settings.password_hash_concurrency, settings.password_hash_wait)

    def _record(self, event: Event, username: str, address: str, **fields: Any) -> None:
        if self._audit is not None:
            self._audit.record(event, user=username, address=address, **fields)

    def check_password_length(self, password: str) -> None:
        least = self._settings.password_min_length
        if len(password) < least:
            raise ParamError(
                f"the password must hold at least {least} characters (system.ini [auth] password_min_length)",
                field="password",
            )

    def add_user(self, username: str, password: str) -> None:
        self.check_password_length(password)
        with self._hashes.turn():
            hashed = hash_password(password)
        values = {"username": username, "password": hashed, "default_password": False}
        add_row(self._store, user, values, f"user {username}", "username")
        self._record(Event.USER_ADDED, username, "")

    def login(self, username: str, password: str, address: str) -> Login:
        now = now_ms()
        self._guard.purge(now)
        slots = self._reserve(username, address, now)
        with self._store.begin() as conn:
            row = conn.execute(
                sa.select(user.c.password, user.c.default_password).where(user.c.username == username)
            ).first()
        try:
            with self._hashes.turn():
                # Hash even for an unknown user so that timing does not tell which names exist.
                ok = verify_password(row.password if row else _dummy_hash(), password)
        except TooManyLogins:
            for slot in slots:
                self._guard.release(slot)
            self._record(Event.LOGIN_REFUSED, username, address, reason="busy")
            raise
        if row is None or not ok:
            self._record(Event.LOGIN_FAILED, username, address)
            for slot in slots:
                if slot.locks:
                    wait = max(0, slot.after[2] - now) // 1000
                    self._record(Event.LOCKED_OUT, username, address, scope=slot.scope.value, seconds=wait)
            raise LoginError("incorrect username or password", field="password")
        for slot in slots:
            self._guard.succeeded(slot)
        token, claims = self._codec.issue(
            username, self._settings.token_ttl, default_password=bool(row.default_password)
        )
        seconds = now // 1000
        with self._store.begin() as conn:
            conn.execute(session.delete().where(session.c.expires_at < seconds))
            conn.execute(
                session.insert().values(
                    token_id=claims.token_id,
                    username=username,
                    created_at=seconds,
                    expires_at=claims.expires_at,
                )
            )
        self._record(Event.LOGIN_SUCCEEDED, username, address, default_password=bool(row.default_password))
        return Login(token, bool(row.default_password))

    def _reserve(self, username: str, address: str, now: int) -> list[Slot]:
        """One attempt counted for the source address and for the account, or LockedOut."""
        slots: list[Slot] = []
        try:
            if address:
                slots.append(self._guard.reserve(Scope.ADDRESS, address, now))
            slots.append(self._guard.reserve(Scope.USER, username, now))
        except LockedOut as exc:
            for slot in slots:
                self._guard.release(slot)
            self._record(
                Event.LOGIN_REFUSED, username, address, reason=exc.scope.value, retry_after=exc.retry_after
            )
            raise
        return slots

    def logout(self, token_id: str, username: str = "", address: str = "") -> None:
        with self._store.begin() as conn:
            conn.execute(session.delete().where(session.c.token_id == token_id))
        self._record(Event.LOGOUT, username, address)

    def session_alive(self, token_id: str, username: str) -> bool:
        """Whether `username`'s session `token_id` is open (not logged out, not ended by a
        password change, not expired)."""
        with self._store.begin() as conn:
            expires = conn.execute(_SESSION_EXPIRY, {"token_id": token_id, "username": username}).scalar()
        return expires is not None and expires > time.time()

    def change_password(
        self, username: str, password: str, old_password: str | None, *, session_id: str, address: str = ""
    ) -> None:
        """Set a new password and end every session of the user. The old password is needed
        unless the session `session_id` was opened within the last
        `password_change_fresh_seconds` (log in, then change, as the manual says)."""
        try:
            self._change_password(username, password, old_password, session_id)
        except AopsError as exc:
            self._record(
                Event.PASSWORD_CHANGE_REFUSED, username, address, code=int(exc.code), reason=exc.detail
            )
            raise
        self._record(Event.PASSWORD_CHANGED, username, address)

    def _change_password(
        self, username: str, password: str, old_password: str | None, session_id: str
    ) -> None:
        self.check_password_length(password)
        with self._store.begin() as conn:
            row = conn.execute(sa.select(user.c.password).where(user.c.username == username)).first()
            opened = conn.execute(
                sa.select(session.c.created_at).where(
                    session.c.token_id == session_id, session.c.username == username
                )
            ).scalar()
        if row is None:
            raise LoginError(f"user {username} does not exist", field="username")
        slot = None
        if old_password is None:
            fresh = self._settings.password_change_fresh_seconds
            if opened is None or time.time() - opened > fresh:
                raise ParamError(
                    f"old_password is required: this session was opened more than {fresh} s ago "
                    "(log in again to change the password without it)",
                    field="old_password",
                )
        else:
            # The old password is guessed like a login: the same per-account count applies.
            slot = self._guard.reserve(Scope.USER, username, now_ms())
        try:
            with self._hashes.turn():
                old_ok = old_password is None or verify_password(row.password, old_password)
                same = old_ok and verify_password(row.password, password)
                hashed = hash_password(password) if old_ok and not same else ""
        except TooManyLogins:
            if slot is not None:
                self._guard.release(slot)
            raise
        if not old_ok:
            raise LoginError("the old password is not correct", field="old_password")
        if slot is not None:
            self._guard.succeeded(slot)
        if same:
            raise AopsError(code=Code.REPEAT_PASSWORD, field="password")
        with self._store.begin() as conn:
            conn.execute(
                user.update()
                .where(user.c.username == username)
                .values(password=hashed, default_password=False)
            )
            # Every token of the user dies with the old password.
            conn.execute(session.delete().where(session.c.username == username))


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")
