"""Hosts of a user: batch add with shared credentials, delete, list, count, status, credentials."""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from typing import Any

import sqlalchemy as sa

from aops_database import models
from aops_database.services.host_marks import STRIDE
from aops_database.services.host_marks import MarkBook
from aops_database.services.host_marks import Marks
from aops_utils.contracts import GetHostsBody
from aops_utils.db import RelationalStore
from aops_utils.db import UniqueViolation
from aops_utils.restful.paging import Window

host, group, credential, user = models.host, models.host_group, models.credential, models.user
PUBLIC_FIELDS = ("host_id", "host_name", "host_group_name", "public_ip", "ssh_port", "management")
_ADD_ATTEMPTS = 3


@dataclass(slots=True)
class Batch:
    succeeded: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    # Some host clashed with a stored one (409); otherwise every failure named an unknown group (404).
    clashed: bool = False


def add_hosts(
    store: RelationalStore, username: str, hosts: Sequence[dict[str, Any]], vaults: Sequence[str]
) -> Batch:
    """Add hosts; each names a vault by index. Conflicts are per-host failures, never a 500."""
    for _ in range(_ADD_ATTEMPTS):
        try:
            return _add_once(store, username, hosts, vaults)
        except UniqueViolation:
            # A concurrent add took a name or address between our check and insert: the next
            # attempt sees that row and reports the host as failed.
            continue
    return _add_once(store, username, hosts, vaults)


def _add_once(
    store: RelationalStore, username: str, hosts: Sequence[dict[str, Any]], vaults: Sequence[str]
) -> Batch:
    batch = Batch()
    now = int(time.time())
    names = {h["host_name"] for h in hosts}
    ips = {h["public_ip"] for h in hosts}
    with store.begin() as conn:
        groups = dict(
            conn.execute(
                sa.select(group.c.host_group_name, group.c.host_group_id).where(
                    group.c.username == username,
                    group.c.host_group_name.in_({h["host_group_name"] for h in hosts}),
                )
            ).all()
        )
        taken = conn.execute(
            sa.select(host.c.host_name, host.c.public_ip).where(
                host.c.username == username, sa.or_(host.c.host_name.in_(names), host.c.public_ip.in_(ips))
            )
        ).all()
        taken_names = {r.host_name for r in taken}
        taken_ips = {r.public_ip for r in taken}
        accepted: list[dict[str, Any]] = []
        for item in hosts:
            entry = {k: item[k] for k in PUBLIC_FIELDS}
            problem = _conflict(item, groups, taken_names, taken_ips)
            if problem:
                reason, clash = problem
                batch.failed.append({**entry, "reason": reason})
                batch.clashed = batch.clashed or clash
                continue
            taken_names.add(item["host_name"])
            taken_ips.add(item["public_ip"])
            accepted.append(item)
            batch.succeeded.append(entry)
        if accepted:
            # The user's row first, as delete_hosts takes it: the host rows' foreign key would
            # take it shared, and two adds each holding it shared could not both raise it.
            _count(conn, username, len(accepted))
        vault_ids: dict[int, int] = {}
        for ref in sorted({h["credential"] for h in accepted}):
            result = conn.execute(
                credential.insert().values(username=username, vault=vaults[ref], created_at=now)
            )
            vault_ids[ref] = _new_id(result)
        if accepted:
            conn.execute(
                host.insert(),
                [
                    {
                        "host_id": h["host_id"],
                        "username": username,
                        "host_name": h["host_name"],
                        "public_ip": h["public_ip"],
                        "ssh_port": h["ssh_port"],
                        "management": h["management"],
                        "host_group_id": groups[h["host_group_name"]],
                        "credential_id": vault_ids[h["credential"]],
                        "created_at": now,
                    }
                    for h in accepted
                ],
            )
    return batch


def _count(conn: Any, username: str, change: int) -> None:
    """Add `change` to the user's host count, in the transaction that added or deleted them, and
    give their hosts a new version (the listing's marks of the old one no longer hold)."""
    conn.execute(
        user.update()
        .where(user.c.username == username)
        .values(host_count=user.c.host_count + change, host_version=secrets.randbits(62))
    )


def _new_id(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _conflict(
    item: dict[str, Any], groups: dict[str, int], names: set[str], ips: set[str]
) -> tuple[str, bool] | None:
    """Why the host cannot be added, and whether it clashes with another host."""
    if item["host_group_name"] not in groups:
        return f"host group {item['host_group_name']} does not exist", False
    if item["host_name"] in names:
        return f"host name {item['host_name']} is already used", True
    if item["public_ip"] in ips:
        return f"address {item['public_ip']} is already used", True
    return None


def delete_hosts(store: RelationalStore, username: str, host_ids: Sequence[str]) -> dict[str, str]:
    """Delete the user's hosts among `host_ids`; returns {host_id: host_name} of those deleted."""
    with store.begin() as conn:
        # The user's row first (locked on MariaDB), as _add_once takes it: the host count's
        # writers then queue on one row in one order.
        conn.execute(sa.select(user.c.username).where(user.c.username == username).with_for_update())
        rows = conn.execute(
            sa.select(host.c.host_id, host.c.host_name, host.c.credential_id).where(
                host.c.username == username, host.c.host_id.in_(host_ids)
            )
        ).all()
        if not rows:
            return {}
        gone = conn.execute(
            host.delete().where(host.c.username == username, host.c.host_id.in_([r.host_id for r in rows]))
        ).rowcount
        # What this delete removed, not what it read: a concurrent delete of the same hosts may
        # have removed some of them since.
        _count(conn, username, -gone)
        # A credential set shared by a fleet lives until its last host goes.
        used = sa.select(host.c.credential_id).where(host.c.credential_id.is_not(None)).distinct()
        conn.execute(
            credential.delete().where(
                credential.c.credential_id.in_({r.credential_id for r in rows}),
                credential.c.credential_id.not_in(used),
            )
        )
    return {r.host_id: r.host_name for r in rows}


def _listing() -> sa.Select[Any]:
    return sa.select(
        host.c.host_id,
        host.c.host_name,
        group.c.host_group_name,
        host.c.public_ip,
        host.c.ssh_port,
        host.c.management,
        host.c.status,
    ).select_from(host.join(group, group.c.host_group_id == host.c.host_group_id))


# The columns of `_listing()`, in its order.
_LISTED = ("host_id", "host_name", "host_group_name", "public_ip", "ssh_port", "management", "status")


def _row(r: Any) -> dict[str, Any]:
    # zip over the row's tuple: reading each field by name through the Row cost more than the
    # rest of making the page's dicts. It stops at the listed columns; any added after them
    # (the total, the username) are left out.
    entry = dict(zip(_LISTED, r, strict=False))
    entry["management"] = bool(entry["management"])
    return entry


def _ordered(column: Any, direction: str) -> Any:
    return column.desc() if direction == "desc" else column.asc()


@dataclass(frozen=True, slots=True)
class _Listing:
    """The statements of one shape of listing, built once: building a SELECT in SQLAlchemy (its
    clauses coerced, its cache key computed) cost more CPU than the database's answer."""

    page: sa.Select[Any]
    count: sa.Select[Any]


@cache
def _listing_of(groups: bool, management: bool, by_group: bool, direction: str, paged: bool) -> _Listing:
    """The page (with the total count in each row) and the count alone, for one query shape;
    every value (user, groups, management, offset, limit) is a bound parameter."""
    username: sa.BindParameter[str] = sa.bindparam("username")
    where = [host.c.username == username]
    if groups:
        wanted = sa.select(group.c.host_group_id).where(
            group.c.username == username, group.c.host_group_name.in_(sa.bindparam("groups", expanding=True))
        )
        where.append(host.c.host_group_id.in_(wanted))
    if management:
        where.append(host.c.management == sa.bindparam("management"))
    # Host names are unique per user, so ordering by name alone is stable and walks the
    # (username, host_name) index; the page's ids are picked first and only they are joined.
    keys: list[Any] = [host.c.host_name]
    source: Any = host
    if by_group:
        keys.insert(0, group.c.host_group_name)
        source = host.join(group, group.c.host_group_id == host.c.host_group_id)
    page = (
        sa.select(host.c.host_id, *keys)
        .select_from(source)
        .where(*where)
        .order_by(*[_ordered(k, direction) for k in keys])
    )
    if paged:
        page = page.offset(sa.bindparam("offset")).limit(sa.bindparam("limit"))
    subquery = page.subquery("page")
    counting = (
        # Unfiltered, the total is the user's kept count (one row), not a walk of their hosts.
        sa.select(user.c.host_count).where(user.c.username == username)
        if not (groups or management)
        else sa.select(sa.func.count()).select_from(host).where(*where)
    )
    # The total rides in the page's statement (one round trip instead of two): an uncorrelated
    # scalar subquery, which MariaDB and SQLite evaluate once per statement; filtered, it is the
    # same index walk the count made alone (COUNT(*) OVER () would make them read every match
    # into the window before the page could be cut: 9.9 ms of MariaDB CPU against 1.4 ms).
    listing = (
        _listing()
        .add_columns(counting.scalar_subquery().label("total"))
        .join(subquery, subquery.c.host_id == host.c.host_id)
        .order_by(*[_ordered(subquery.c[k.name], direction) for k in keys])
    )
    return _Listing(listing, counting)


_MARKS = MarkBook()


def _version() -> Any:
    return sa.select(user.c.host_version).where(user.c.username == sa.bindparam("username")).scalar_subquery()


@cache
def _marks_statement(direction: str) -> sa.Select[Any]:
    """Every name of the user's hosts in listing order, each with their hosts' version."""
    return (
        sa.select(host.c.host_name, _version().label("version"))
        .where(host.c.username == sa.bindparam("username"))
        .order_by(_ordered(host.c.host_name, direction))
    )


@cache
def _from_mark(direction: str) -> sa.Select[Any]:
    """A page of the unfiltered listing by name, from a mark on: the rows at or after it in the
    listing's direction, `skip` of them skipped; with the total and the hosts' version."""
    name = host.c.host_name
    after = name <= sa.bindparam("mark") if direction == "desc" else name >= sa.bindparam("mark")
    page = (
        sa.select(host.c.host_id, name)
        .where(host.c.username == sa.bindparam("username"), after)
        .order_by(_ordered(name, direction))
        .offset(sa.bindparam("skip"))
        .limit(sa.bindparam("limit"))
        .subquery("page")
    )
    count = sa.select(user.c.host_count).where(user.c.username == sa.bindparam("username"))
    return (
        _listing()
        .add_columns(count.scalar_subquery().label("total"), _version().label("version"))
        .join(page, page.c.host_id == host.c.host_id)
        .order_by(_ordered(page.c.host_name, direction))
    )


def _page_from_marks(
    store: RelationalStore, username: str, direction: str, window: Window
) -> tuple[int, list[dict[str, Any]]] | None:
    """A deep page of the unfiltered listing by name read from the nearest mark (host_marks.py),
    or None for the OFFSET path: no hosts, a page past the end, or a write since the marks."""
    assert window.limit is not None
    marks = _MARKS.get(username, direction)
    with store.begin() as conn:
        if marks is None:
            # In the page's transaction: both read one snapshot, so the version matches below.
            every = conn.execute(_marks_statement(direction), {"username": username}).all()
            if not every:
                return None
            marks = Marks(int(every[0].version), tuple(r.host_name for r in every[::STRIDE]))
            _MARKS.put(username, direction, marks)
        start = marks.start(window.offset)
        if start is None:
            return None
        values = {"username": username, "mark": start[0], "skip": start[1], "limit": window.limit}
        rows = conn.execute(_from_mark(direction), values).all()
    if not rows:
        return None  # past the end: counted on the OFFSET path
    if int(rows[0].version) != marks.version:
        _MARKS.drop(username, direction, marks)
        return None
    return int(rows[0].total), [_row(r) for r in rows]


def get_hosts(
    store: RelationalStore, username: str, query: GetHostsBody, window: Window
) -> tuple[int, list[dict[str, Any]]]:
    paged = window.limit is not None
    unfiltered = not query.host_group_list and query.management is None and query.sort != "host_group_name"
    if paged and unfiltered and window.offset >= STRIDE:
        found = _page_from_marks(store, username, query.direction, window)
        if found is not None:
            return found
    shape = _listing_of(
        bool(query.host_group_list),
        query.management is not None,
        query.sort == "host_group_name",
        query.direction,
        paged,
    )
    values: dict[str, Any] = {"username": username}
    if query.host_group_list:
        values["groups"] = list(query.host_group_list)
    if query.management is not None:
        values["management"] = query.management
    if paged:
        values["offset"] = window.offset
        values["limit"] = window.limit
    with store.begin() as conn:
        rows = conn.execute(shape.page, values).all()
        if rows:
            total = int(rows[0].total)
        elif window.offset == 0:
            total = 0
        else:
            # A page past the end has no row to carry the total: asked alone, in the same
            # transaction.
            total = int(conn.execute(shape.count, values).scalar_one())
    return total, [_row(r) for r in rows]


def count_hosts(store: RelationalStore, username: str) -> int:
    """The user's kept host count (changed by every add and delete), not a walk of their hosts."""
    with store.begin() as conn:
        count = conn.execute(sa.select(user.c.host_count).where(user.c.username == username)).scalar()
    return int(count or 0)


def basic_info(store: RelationalStore, username: str, host_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The user's hosts among `host_ids`, or all of them when the list is empty (as 21.09)."""
    query = _listing().where(host.c.username == username)
    if host_ids:
        query = query.where(host.c.host_id.in_(host_ids))
    with store.begin() as conn:
        return [_row(r) for r in conn.execute(query.order_by(host.c.host_name)).all()]


def owned_ids(store: RelationalStore, username: str, host_ids: Sequence[str]) -> list[str]:
    with store.begin() as conn:
        return list(
            conn.execute(
                sa.select(host.c.host_id).where(host.c.username == username, host.c.host_id.in_(host_ids))
            ).scalars()
        )


# Built once: every /data/data/get asks it (a check executor's task, 20 times a window), and
# building the select each time cost about a quarter of its CPU.
_OWNED_ADDRESSES = sa.select(host.c.public_ip).where(
    host.c.username == sa.bindparam("username"), host.c.public_ip.in_(sa.bindparam("ips", expanding=True))
)


def owned_addresses(store: RelationalStore, username: str, ips: Sequence[str]) -> set[str]:
    """The addresses among `ips` that are the public_ip of one of the user's hosts."""
    with store.begin() as conn:
        found = conn.execute(_OWNED_ADDRESSES, {"username": username, "ips": list(set(ips))})
        return set(found.scalars().all())


def hosts_by_user(store: RelationalStore, usernames: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Every host of the named users (all users when empty), for the schedulers and the prober."""
    query = _listing().add_columns(host.c.username)
    if usernames:
        query = query.where(host.c.username.in_(usernames))
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in usernames}
    with store.begin() as conn:
        for r in conn.execute(query.order_by(host.c.username, host.c.host_name)):
            found.setdefault(r.username, []).append(_row(r))
    return found


def update_status(store: RelationalStore, statuses: dict[str, str]) -> None:
    now = int(time.time())
    if not statuses:
        return
    with store.begin() as conn:
        conn.execute(
            host.update()
            .where(host.c.host_id == sa.bindparam("hid"))
            .values(status=sa.bindparam("st"), status_time=now),
            [{"hid": hid, "st": st} for hid, st in statuses.items()],
        )


def credentials(store: RelationalStore, username: str, host_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Vaults of the user's hosts (all when empty): the manager opens them with the user's key."""
    query = (
        sa.select(host.c.host_id, host.c.host_name, host.c.public_ip, host.c.ssh_port, credential.c.vault)
        .select_from(host.join(credential, credential.c.credential_id == host.c.credential_id))
        .where(host.c.username == username)
    )
    if host_ids:
        query = query.where(host.c.host_id.in_(host_ids))
    with store.begin() as conn:
        rows = conn.execute(query.order_by(host.c.host_name))
        # MySQL's row keys are quoted_name (a str subclass), which orjson refuses as a dict key.
        return [{str(key): value for key, value in r._mapping.items()} for r in rows]


def any_vault(store: RelationalStore, username: str) -> str | None:
    """One stored vault of the user, to check a key against (None when the user has none)."""
    with store.begin() as conn:
        return conn.execute(
            sa.select(credential.c.vault).where(credential.c.username == username).limit(1)
        ).scalar()
