"""Hosts of a user: batch add with shared credentials, delete, list, count, status, credentials."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa

from aops_database import models
from aops_utils.contracts import GetHostsBody
from aops_utils.db import RelationalStore
from aops_utils.db import UniqueViolation
from aops_utils.restful.paging import Window

host, group, credential = models.host, models.host_group, models.credential
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
        rows = conn.execute(
            sa.select(host.c.host_id, host.c.host_name, host.c.credential_id).where(
                host.c.username == username, host.c.host_id.in_(host_ids)
            )
        ).all()
        if not rows:
            return {}
        conn.execute(host.delete().where(host.c.host_id.in_([r.host_id for r in rows])))
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


def _row(r: Any) -> dict[str, Any]:
    return {
        "host_id": r.host_id,
        "host_name": r.host_name,
        "host_group_name": r.host_group_name,
        "public_ip": r.public_ip,
        "ssh_port": r.ssh_port,
        "management": bool(r.management),
        "status": r.status,
    }


def _ordered(column: Any, direction: str) -> Any:
    return column.desc() if direction == "desc" else column.asc()


def get_hosts(
    store: RelationalStore, username: str, query: GetHostsBody, window: Window
) -> tuple[int, list[dict[str, Any]]]:
    where = [host.c.username == username]
    if query.host_group_list:
        wanted = sa.select(group.c.host_group_id).where(
            group.c.username == username, group.c.host_group_name.in_(query.host_group_list)
        )
        where.append(host.c.host_group_id.in_(wanted))
    if query.management is not None:
        where.append(host.c.management == query.management)
    direction = query.direction
    # Host names are unique per user, so ordering by name alone is stable and walks the
    # (username, host_name) index; the page's ids are picked first and only they are joined.
    keys: list[Any] = [host.c.host_name]
    source: Any = host
    if query.sort == "host_group_name":
        keys.insert(0, group.c.host_group_name)
        source = host.join(group, group.c.host_group_id == host.c.host_group_id)
    page = (
        sa.select(host.c.host_id, *keys)
        .select_from(source)
        .where(*where)
        .order_by(*[_ordered(k, direction) for k in keys])
        .offset(window.offset)
        .limit(window.limit)
        .subquery("page")
    )
    listing = (
        _listing()
        .join(page, page.c.host_id == host.c.host_id)
        .order_by(*[_ordered(page.c[k.name], direction) for k in keys])
    )
    counting = sa.select(sa.func.count()).select_from(host).where(*where)
    with store.begin() as conn:
        total = conn.execute(counting).scalar_one()
        rows = conn.execute(listing).all() if total else []
    return total, [_row(r) for r in rows]


def count_hosts(store: RelationalStore, username: str) -> int:
    with store.begin() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(host).where(host.c.username == username)
            ).scalar_one()
        )


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


def owned_addresses(store: RelationalStore, username: str, ips: Sequence[str]) -> set[str]:
    """The addresses among `ips` that are the public_ip of one of the user's hosts."""
    with store.begin() as conn:
        return set(
            conn.execute(
                sa.select(host.c.public_ip).where(host.c.username == username, host.c.public_ip.in_(set(ips)))
            ).scalars()
        )


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
