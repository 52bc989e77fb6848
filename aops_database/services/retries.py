"""The durable retry queue of failed check windows; the check scheduler owns the policy."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aops_database import models
from aops_database.services.sql import chunks
from aops_database.services.sql import insert_new
from aops_utils.db import RelationalStore

retry, user = models.check_retry, models.user


def retry_key(
    username: str, host_ids: Sequence[str], check_items: Sequence[str], start: int, end: int
) -> str:
    """The id of a new retry: the same failed window reported twice is one retry."""
    key = [username, sorted(set(host_ids)), sorted(set(check_items)), start, end]
    return hashlib.sha256(orjson.dumps(key)).hexdigest()[:32]


@dataclass(slots=True)
class Added:
    added: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    # Retries of users that no longer exist: nothing would ever check them.
    dropped: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Known:
    attempts: int
    dead: bool


def add_retries(store: RelationalStore, retries: Sequence[dict[str, Any]], max_attempts: int) -> Added:
    """Store new failed windows; a known id failed again, so its attempts grow until it dies.

    A retry dies when its attempts exceed `max_attempts`: with 3 it is run at most 4 times, as
    21.09 did. A dead retry is never due again and stays dead when it is reported again.
    """
    now = int(time.time())
    outcome = Added()
    entries = [
        (
            item.get("retry_id")
            or retry_key(
                item["username"],
                [h["host_id"] for h in item["host_list"]],
                item["check_items"],
                *item["time_range"],
            ),
            item,
        )
        for item in retries
    ]
    with store.begin() as conn:
        names = list({item["username"] for _, item in entries})
        users = set(conn.execute(sa.select(user.c.username).where(user.c.username.in_(names))).scalars())
        known = _lock_known(conn, {rid for rid, _ in entries})
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        kept: dict[str, None] = {}
        for rid, item in entries:
            if item["username"] not in users:
                outcome.dropped.append(rid)
                continue
            kept[rid] = None
            current = known.get(rid)
            if current is None:
                known[rid] = _Known(0, False)
                inserts[rid] = _row(rid, item, now)
            elif not current.dead and item.get("retry_id"):
                current.attempts += 1
                current.dead = current.attempts > max_attempts
                # The window's hosts and items narrow to those that failed this time.
                updates[rid] = {
                    "rid": rid,
                    "attempts": current.attempts,
                    "dead": current.dead,
                    "due_at": item["due_at"],
                    "host_list": orjson.dumps(item["host_list"]).decode(),
                    "check_items": orjson.dumps(item["check_items"]).decode(),
                }
        if inserts:
            # In id order, so that two adds inserting the same new ids cannot deadlock; when a
            # concurrent add of the same new window already stored it, that one is kept.
            rows = [inserts[rid] for rid in sorted(inserts)]
            conn.execute(insert_new(store.dialect, retry, "retry_id"), rows)
        if updates:
            conn.execute(
                retry.update()
                .where(retry.c.retry_id == sa.bindparam("rid"))
                .values(
                    attempts=sa.bindparam("attempts"),
                    dead=sa.bindparam("dead"),
                    due_at=sa.bindparam("due_at"),
                    host_list=sa.bindparam("host_list"),
                    check_items=sa.bindparam("check_items"),
                ),
                list(updates.values()),
            )
    for rid in kept:
        (outcome.dead if known[rid].dead else outcome.added).append(rid)
    return outcome


def _lock_known(conn: Connection, ids: set[str]) -> dict[str, _Known]:
    """Lock the stored retries among `ids` (in id order, so concurrent adds cannot deadlock).

    Only rows found by a plain read are locked: a locking read of an absent key would also
    lock the gap, and two adds of the same new window would then deadlock on their inserts.
    """
    found: list[str] = []
    for part in chunks(sorted(ids)):
        found += conn.execute(sa.select(retry.c.retry_id).where(retry.c.retry_id.in_(part))).scalars()
    known: dict[str, _Known] = {}
    for part in chunks(sorted(found)):
        rows = conn.execute(
            sa.select(retry.c.retry_id, retry.c.attempts, retry.c.dead)
            .where(retry.c.retry_id.in_(part))
            .order_by(retry.c.retry_id)
            .with_for_update()
        ).all()
        known.update({row.retry_id: _Known(row.attempts, bool(row.dead)) for row in rows})
    return known


def _row(rid: str, item: dict[str, Any], now: int) -> dict[str, Any]:
    start, end = item["time_range"]
    return {
        "retry_id": rid,
        "username": item["username"],
        "host_list": orjson.dumps(item["host_list"]).decode(),
        "check_items": orjson.dumps(item["check_items"]).decode(),
        "start": start,
        "end": end,
        "attempts": 0,
        "due_at": item["due_at"],
        "dead": False,
        "created_at": now,
    }


def _public(row: Any) -> dict[str, Any]:
    return {
        "retry_id": row.retry_id,
        "username": row.username,
        "host_list": orjson.loads(row.host_list),
        "check_items": orjson.loads(row.check_items),
        "time_range": [int(row.start), int(row.end)],
        "attempts": int(row.attempts),
    }


_COLUMNS = (
    retry.c.retry_id,
    retry.c.username,
    retry.c.host_list,
    retry.c.check_items,
    retry.c.start,
    retry.c.end,
    retry.c.attempts,
)


def claim_due(store: RelationalStore, now: int, limit: int, lease: int) -> list[dict[str, Any]]:
    """Claim up to `limit` live retries due at `now`, earliest first, for `lease` seconds.

    A claimed retry is due again only at now + lease (when its run was lost). Two callers
    never claim the same retry: each takes only rows that no other transaction holds.
    """
    due = (retry.c.dead == sa.false(), retry.c.due_at <= now)
    picked = sa.select(retry.c.retry_id).where(*due).order_by(retry.c.due_at, retry.c.retry_id).limit(limit)
    with store.begin() as conn:
        if store.dialect == "sqlite":
            # No row locks in SQLite: each candidate is claimed by a conditional update, and
            # kept only if that update found it still due (writers take turns there). The
            # candidates are read in full first: a read still open when this connection
            # starts writing would pin an old snapshot, which SQLite refuses to write from.
            candidates = list(conn.execute(picked).scalars())
            claim = (
                retry.update().where(retry.c.retry_id == sa.bindparam("rid"), *due).values(due_at=now + lease)
            )
            ids = [rid for rid in candidates if conn.execute(claim, {"rid": rid}).rowcount == 1]
        else:
            # SKIP LOCKED passes over rows another claim holds; the locking read sees the
            # newest row versions, so a retry claimed and committed meanwhile is not due.
            ids = list(conn.execute(picked.with_for_update(skip_locked=True)).scalars())
            if ids:
                conn.execute(retry.update().where(retry.c.retry_id.in_(ids)).values(due_at=now + lease))
        if not ids:
            return []
        rows = conn.execute(
            sa.select(*_COLUMNS).where(retry.c.retry_id.in_(ids)).order_by(retry.c.retry_id)
        ).all()
    # Earliest first, as they were due (their due_at is now the lease end).
    rank = {rid: index for index, rid in enumerate(ids)}
    return [_public(row) for row in sorted(rows, key=lambda row: rank[row.retry_id])]


def delete_retries(store: RelationalStore, retry_ids: Sequence[str]) -> int:
    deleted = 0
    with store.begin() as conn:
        for part in chunks(list(dict.fromkeys(retry_ids))):
            deleted += conn.execute(retry.delete().where(retry.c.retry_id.in_(part))).rowcount
    return deleted


def trim_dead(store: RelationalStore, max_dead: int, discount: float) -> int:
    """Keep at most `max_dead` dead retries, deleting the ones that died first.

    Beyond the limit, at least ceil(max_dead * discount) go at once (21.09's intent, broken
    there by reading the discount as a string), and always enough to get back to the limit.
    """
    with store.begin() as conn:
        dead = conn.execute(
            sa.select(sa.func.count()).select_from(retry).where(retry.c.dead == sa.true())
        ).scalar_one()
        if dead <= max_dead:
            return 0
        # Rounded first: 10 * 0.3 is 3.0000000000000004 in binary floating point, not 4.
        excess = max(math.ceil(round(max_dead * discount, 9)), dead - max_dead, 1)
        # A retry's due_at is set when it dies, so the smallest died first.
        oldest = list(
            conn.execute(
                sa.select(retry.c.retry_id)
                .where(retry.c.dead == sa.true())
                .order_by(retry.c.due_at, retry.c.created_at, retry.c.retry_id)
                .limit(excess)
            ).scalars()
        )
        deleted = 0
        for part in chunks(oldest):
            deleted += conn.execute(
                retry.delete().where(retry.c.retry_id.in_(part), retry.c.dead == sa.true())
            ).rowcount
    return deleted


def get_retries(store: RelationalStore, dead: bool | None) -> list[dict[str, Any]]:
    """Every retry (or only the dead or live ones), for inspection."""
    query = sa.select(*_COLUMNS, retry.c.due_at, retry.c.dead, retry.c.created_at)
    if dead is not None:
        query = query.where(retry.c.dead == dead)
    with store.begin() as conn:
        rows = conn.execute(query.order_by(retry.c.due_at, retry.c.retry_id)).all()
    return [
        {**_public(row), "due_at": int(row.due_at), "dead": bool(row.dead), "created_at": int(row.created_at)}
        for row in rows
    ]
