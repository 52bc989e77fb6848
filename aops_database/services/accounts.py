"""Users, login with lock-out, sessions (the revocation list of tokens) and password changes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from aops_database import models
from aops_utils.auth import TokenCodec
from aops_utils.auth import hash_password
from aops_utils.auth import verify_password
from aops_utils.codes import Code
from aops_utils.conf import AuthSection
from aops_utils.db import RelationalStore
from aops_utils.db import UniqueViolation
from aops_utils.errors import AopsError
from aops_utils.errors import DataExistError
from aops_utils.errors import LoginError

user, session, failure = models.user, models.auth_session, models.login_failure


@dataclass(frozen=True, slots=True)
class Login:
    token: str
    default_password: bool


class Accounts:
    def __init__(self, store: RelationalStore, codec: TokenCodec, settings: AuthSection) -> None:
        self._store = store
        self._codec = codec
        self._settings = settings

    def add_user(self, username: str, password: str) -> None:
        try:
            with self._store.begin() as conn:
                conn.execute(
                    user.insert().values(
                        username=username,
                        password=hash_password(password),
                        default_password=False,
                        created_at=int(time.time()),
                    )
                )
        except UniqueViolation:
            raise DataExistError(f"user {username} already exists", field="username") from None

    def login(self, username: str, password: str, address: str) -> Login:
        now = int(time.time())
        self._refuse_if_locked(username, address, now)
        with self._store.begin() as conn:
            row = conn.execute(
                sa.select(user.c.password, user.c.default_password).where(user.c.username == username)
            ).first()
        # Hash even for an unknown user so that timing does not tell which names exist.
        ok = verify_password(row.password if row else _dummy_hash(), password)
        if row is None or not ok:
            self._record_failure(username, address, now)
            raise LoginError("incorrect username or password", field="password")
        token, claims = self._codec.issue(username, self._settings.token_ttl)
        with self._store.begin() as conn:
            conn.execute(failure.delete().where(failure.c.username == username, failure.c.address == address))
            conn.execute(session.delete().where(session.c.expires_at < now))
            conn.execute(
                session.insert().values(
                    token_id=claims.token_id,
                    username=username,
                    created_at=now,
                    expires_at=claims.expires_at,
                )
            )
        return Login(token, bool(row.default_password))

    def _refuse_if_locked(self, username: str, address: str, now: int) -> None:
        with self._store.begin() as conn:
            locked = conn.execute(
                sa.select(failure.c.locked_until).where(
                    failure.c.username == username, failure.c.address == address
                )
            ).scalar()
        if locked and locked > now:
            raise AopsError(
                f"too many failed logins for {username} from {address}; retry in {locked - now} s",
                code=Code.LOGIN_ERROR,
                field="username",
                http_status=429,
            )

    def _record_failure(self, username: str, address: str, now: int) -> None:
        window = self._settings.login_lockout_seconds
        limit = self._settings.login_max_failures
        key = (failure.c.username == username) & (failure.c.address == address)
        try:
            with self._store.begin() as conn:
                row = conn.execute(sa.select(failure).where(key)).first()
                if row is None:
                    conn.execute(
                        failure.insert().values(
                            username=username,
                            address=address,
                            failures=1,
                            first_failure_at=now,
                            locked_until=0,
                        )
                    )
                    return
                fresh = now - row.first_failure_at > window
                count = 1 if fresh else row.failures + 1
                conn.execute(
                    failure.update()
                    .where(key)
                    .values(
                        failures=count,
                        first_failure_at=now if fresh else row.first_failure_at,
                        locked_until=now + window if count >= limit else 0,
                    )
                )
        except UniqueViolation:
            # Two failures raced to create the row; the other one counted.
            return

    def logout(self, token_id: str) -> None:
        with self._store.begin() as conn:
            conn.execute(session.delete().where(session.c.token_id == token_id))

    def session_alive(self, token_id: str, username: str) -> bool:
        """Whether `username`'s session `token_id` is open (not logged out, not ended by a
        password change, not expired)."""
        with self._store.begin() as conn:
            expires = conn.execute(
                sa.select(session.c.expires_at).where(
                    session.c.token_id == token_id, session.c.username == username
                )
            ).scalar()
        return expires is not None and expires > time.time()

    def change_password(self, username: str, password: str, old_password: str | None) -> None:
        with self._store.begin() as conn:
            row = conn.execute(sa.select(user.c.password).where(user.c.username == username)).first()
            if row is None:
                raise LoginError(f"user {username} does not exist", field="username")
            if old_password is not None and not verify_password(row.password, old_password):
                raise LoginError("the old password is not correct", field="old_password")
            if verify_password(row.password, password):
                raise AopsError(code=Code.REPEAT_PASSWORD, field="password")
            conn.execute(
                user.update()
                .where(user.c.username == username)
                .values(password=hash_password(password), default_password=False)
            )
            # Every token of the user dies with the old password.
            conn.execute(session.delete().where(session.c.username == username))


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")
