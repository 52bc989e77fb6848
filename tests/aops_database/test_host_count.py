"""Migration 0008: every user's host count starts as the number of hosts they hold."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from aops_database import models
from aops_database import schema
from aops_utils.db import MySQLStore
from aops_utils.db import RelationalStore
from aops_utils.db import SQLiteStore
from tests.stores import mysql_database


def _upgraded_from_0007(store: RelationalStore) -> dict[str, int]:
    cfg = schema._config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    with store.engine.begin() as conn:
        for name, hosts in (("ann", 3), ("bob", 0), ("cy", 1)):
            conn.execute(
                sa.text(
                    "INSERT INTO user (username, password, default_password, created_at) "
                    "VALUES (:u, 'x', 0, 0)"
                ),
                {"u": name},
            )
            if not hosts:
                continue
            group_id = conn.execute(
                sa.text(
                    "INSERT INTO host_group (username, host_group_name, description, created_at) "
                    "VALUES (:u, 'g', '', 0)"
                ),
                {"u": name},
            ).lastrowid
            for i in range(hosts):
                conn.execute(
                    sa.text(
                        "INSERT INTO host (host_id, username, host_name, public_ip, ssh_port, management, "
                        "host_group_id, created_at) VALUES (:id, :u, :n, :ip, 22, 0, :g, 0)"
                    ),
                    {"id": f"{name}{i}", "u": name, "n": f"h{i}", "ip": f"10.0.0.{i}", "g": group_id},
                )
    schema.upgrade(store)
    with store.engine.begin() as conn:
        counts = dict(conn.execute(sa.select(models.user.c.username, models.user.c.host_count)).all())
    # Down again: the column goes, and nothing that hangs from the user's row goes with it.
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")
    with store.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM host")).scalar() == 4
        assert conn.execute(sa.text("SELECT count(*) FROM user")).scalar() == 3
    return counts


def test_on_sqlite(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "aops.db")
    try:
        assert _upgraded_from_0007(store) == {"ann": 3, "bob": 0, "cy": 1}
    finally:
        store.dispose()


def test_on_mariadb(mysql_server_url: str) -> None:
    with mysql_database(mysql_server_url) as url:
        store = MySQLStore(url)
        try:
            assert _upgraded_from_0007(store) == {"ann": 3, "bob": 0, "cy": 1}
        finally:
            store.dispose()
