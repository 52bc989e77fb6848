"""Login attempts counted atomically per account and per source address, with growing delays.

An attempt is counted before its password is checked (a reservation), by a compare-and-set on
its row: however many requests arrive at once, no more of them reach the password check than
the count allows. A success gives the reservation back; a failure keeps it. Once `max_failures`
are counted, each further attempt first waits a delay that doubles from attempt to attempt up
to `max_delay`, the right password included (else the delay would mean nothing). The delays
stay short for an account, so that nobody can keep its owner out for long.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from aops_database import models
from aops_utils.conf import AuthSection
from aops_utils.db import RelationalStore
from aops_utils.db import UniqueViolation
from aops_utils.errors import TooManyLogins

guard = models.login_guard


class Scope(StrEnum):
    """What failed logins are counted against: the account, or the address they come from."""

    USER = "user"
    ADDRESS = "address"


@dataclass(frozen=True, slots=True)
class Policy:
    """How a scope's failures slow its next attempts down: free up to `max_failures`, then a
    delay doubling from `base_delay_ms` up to `max_delay_ms`."""

    max_failures: int
    base_delay_ms: int
    max_delay_ms: int
    window_ms: int  # failures are forgotten after this long without a new attempt

    def locked_until(self, count: int, now: int) -> int:
        """When the attempt after the `count`th may come (0: at once)."""
        if count < self.max_failures:
            return 0
        steps = min(count - self.max_failures, 40)
        delay: int = min(self.base_delay_ms << steps, self.max_delay_ms)
        return now + delay


def policies(settings: AuthSection) -> dict[Scope, Policy]:
    window = settings.login_lockout_seconds * 1000
    base = settings.login_delay_seconds * 1000
    return {
        Scope.USER: Policy(
            settings.login_max_failures, base, settings.login_max_delay_seconds * 1000, window
        ),
        # An address may wait longer than an account: only its own attempts suffer.
        Scope.ADDRESS: Policy(settings.login_address_max_failures, base, window, window),
    }


# (failures, last_at, locked_until) of a row, times in milliseconds.
State = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Slot:
    """One reserved attempt: the row before (None: it did not exist) and after the reservation."""

    scope: Scope
    name: str
    before: State | None
    after: State

    @property
    def locks(self) -> bool:
        """This attempt, should it fail, makes the next one wait."""
        return self.after[2] > 0


class LockedOut(TooManyLogins):
    def __init__(self, scope: Scope, wait_ms: int) -> None:
        seconds = max(1, math.ceil(wait_ms / 1000))
        whose = "this account" if scope is Scope.USER else "this address"
        super().__init__(
            f"too many failed logins for {whose}; retry in {seconds} s",
            field="username" if scope is Scope.USER else "address",
        )
        self.scope = scope
        self.retry_after = seconds


def now_ms() -> int:
    return int(time.time() * 1000)


# Compare-and-set rounds before a reservation gives up; each lost round means that another
# request's reservation of the same row went through, so a few suffice.
_ROUNDS = 50
_PURGE_EVERY_MS = 60_000


class LoginGuard:
    def __init__(self, store: RelationalStore, settings: AuthSection) -> None:
        self._store = store
        self._policies = policies(settings)
        self._purged_at = 0

    def reserve(self, scope: Scope, name: str, now: int) -> Slot:
        """Count one attempt, or raise LockedOut while this name must wait."""
        policy = self._policies[scope]
        key = (guard.c.scope == scope.value) & (guard.c.name == name)
        for _ in range(_ROUNDS):
            with self._store.begin() as conn:
                row = conn.execute(
                    sa.select(guard.c.failures, guard.c.last_at, guard.c.locked_until).where(key)
                ).first()
            if row is None:
                after = (1, now, policy.locked_until(1, now))
                try:
                    with self._store.begin() as conn:
                        conn.execute(guard.insert().values(scope=scope.value, name=name, **_values(after)))
                except UniqueViolation:
                    continue  # another attempt created it first: count on top of theirs
                return Slot(scope, name, None, after)
            before: State = (row.failures, row.last_at, row.locked_until)
            if row.locked_until > now:
                raise LockedOut(scope, row.locked_until - now)
            failures = 0 if now - row.last_at > policy.window_ms else row.failures
            after = (failures + 1, now, policy.locked_until(failures + 1, now))
            with self._store.begin() as conn:
                changed = conn.execute(
                    guard.update().where(key & _is(before)).values(**_values(after))
                ).rowcount
            if changed == 1:
                return Slot(scope, name, before, after)
        raise LockedOut(scope, 1000)

    def release(self, slot: Slot) -> None:
        """Give back an attempt that checked no password; a row changed since stays as it is."""
        key = (guard.c.scope == slot.scope.value) & (guard.c.name == slot.name) & _is(slot.after)
        with self._store.begin() as conn:
            if slot.before is None:
                conn.execute(guard.delete().where(key))
            else:
                conn.execute(guard.update().where(key).values(**_values(slot.before)))

    def succeeded(self, slot: Slot) -> None:
        """The password was right: an account starts afresh; an address gets its attempt back
        (its other failures, against other accounts, still count)."""
        key = (guard.c.scope == slot.scope.value) & (guard.c.name == slot.name)
        with self._store.begin() as conn:
            if slot.scope is Scope.USER:
                conn.execute(guard.delete().where(key))
            else:
                conn.execute(
                    guard.update().where(key & (guard.c.failures > 0)).values(failures=guard.c.failures - 1)
                )

    def purge(self, now: int) -> None:
        """Drop rows nobody waits on and whose failures are forgotten (made-up names, mostly);
        at most once a minute per process."""
        if now - self._purged_at < _PURGE_EVERY_MS:
            return
        self._purged_at = now
        oldest = now - max(policy.window_ms for policy in self._policies.values())
        with self._store.begin() as conn:
            conn.execute(guard.delete().where((guard.c.last_at < oldest) & (guard.c.locked_until <= now)))


def _values(state: State) -> dict[str, int]:
    return {"failures": state[0], "last_at": state[1], "locked_until": state[2]}


def _is(state: State) -> sa.ColumnElement[bool]:
    return (guard.c.failures == state[0]) & (guard.c.last_at == state[1]) & (guard.c.locked_until == state[2])
