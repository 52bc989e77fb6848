"""Check rules of a user (relational, upserted in bulk) and the check scheduler's positions."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa

from aops_database import models
from aops_database.services.sql import Upserted
from aops_database.services.sql import delete_named
from aops_database.services.sql import owned_named
from aops_database.services.sql import owned_rows
from aops_database.services.sql import read_page
from aops_database.services.sql import upsert
from aops_database.services.sql import upsert_named
from aops_utils.contracts.data_center.checks import GetRulesBody
from aops_utils.db import RelationalStore
from aops_utils.restful.paging import Window

rule, state = models.check_rule, models.check_state
RULE_FIELDS = ("check_item", "data_list", "condition", "description", "plugin")


def add_rules(store: RelationalStore, username: str, rules: Sequence[dict[str, Any]]) -> Upserted:
    """Insert or replace the user's rules by name, all in one transaction.

    The names of one call must be distinct (the route checks it).
    """
    encoded = (
        {**{f: item[f] for f in RULE_FIELDS}, "data_list": orjson.dumps(item["data_list"]).decode()}
        for item in rules
    )
    rows = owned_rows(username, encoded)
    replaced = ("data_list", "condition", "description", "plugin", "updated_at")
    with store.begin() as conn:
        return upsert_named(conn, rule, "check_item", username, rows=rows, replaced=replaced)


def delete_rules(store: RelationalStore, username: str, names: Sequence[str]) -> list[str]:
    """Delete the user's rules among `names`; returns those that existed, in request order."""
    wanted = list(dict.fromkeys(names))
    found = delete_named(store, rule, "check_item", username, wanted)
    return [name for name in wanted if name in found]


def _rule_row(row: Any) -> dict[str, Any]:
    return {
        "check_item": row.check_item,
        "data_list": orjson.loads(row.data_list),
        "condition": row.condition,
        "description": row.description,
        "plugin": row.plugin,
    }


def get_rules(
    store: RelationalStore, username: str, query: GetRulesBody, window: Window
) -> tuple[int, list[dict[str, Any]]]:
    """The user's rules (all when `check_items` is empty) by name; unpaged means every one."""
    where = owned_named(rule, "check_item", username, query.check_items)
    order = rule.c.check_item.desc() if query.direction == "desc" else rule.c.check_item.asc()
    select = sa.select(*[rule.c[name] for name in RULE_FIELDS]).where(*where).order_by(order)
    with store.begin() as conn:
        total, rows = read_page(conn, select, rule, where, window)
    return total, [_rule_row(row) for row in rows]


def count_rules(store: RelationalStore, username: str) -> int:
    with store.begin() as conn:
        counting = sa.select(sa.func.count()).select_from(rule).where(rule.c.username == username)
        return int(conn.execute(counting).scalar_one())


def get_state(store: RelationalStore, names: Sequence[str]) -> dict[str, int]:
    """Stored values of the named positions; names never set are absent."""
    if not names:
        return {}
    with store.begin() as conn:
        rows = conn.execute(sa.select(state.c.name, state.c.value).where(state.c.name.in_(names))).all()
    return {row.name: int(row.value) for row in rows}


def set_state(store: RelationalStore, values: dict[str, int]) -> None:
    now = int(time.time())
    rows = [{"name": name, "value": value, "updated_at": now} for name, value in sorted(values.items())]
    with store.begin() as conn:
        conn.execute(upsert(store.dialect, state, ("name",), ("value", "updated_at")).values(rows))
