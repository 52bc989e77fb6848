"""Faults: the data center going away and coming back, MariaDB dropping its connections."""

from __future__ import annotations

import sqlalchemy as sa

from aops_database import settings
from tests.aops_manager.factories import add
from tests.aops_manager.factories import count
from tests.aops_manager.factories import group
from tests.aops_manager.factories import host
from tests.suite import Suite


def test_a_stopped_data_center_is_a_clear_1001_and_recovery_needs_no_restart(
    suite: Suite, token: str
) -> None:
    group(suite, token)
    suite.stop_database()
    try:
        status, body = suite.call("POST", "/manage/host/count", token=token)
        assert (status, body["code"], body["msg"]) == (503, 1001, "restful connection error")
        assert "unreachable" in str(body["detail"]) and suite.database_url in str(body["detail"])
        status, body = add(suite, token, host("web"))
        assert (status, body["code"]) == (503, 1001)
        status, body = suite.call("POST", "/manage/account/login", {"username": "admin", "password": "x"})
        assert (status, body["code"]) == (503, 1001)
    finally:
        suite.start_database()
    assert count(suite, token) == 0
    assert add(suite, token, host("web"))[1]["code"] == 200


def test_dropped_mariadb_connections_are_replaced_transparently(suite: Suite, token: str) -> None:
    group(suite, token)
    assert count(suite, token) == 0
    _system, ini = settings.load(suite.conf_dir)
    killer = sa.create_engine(ini.mysql.url)
    with killer.connect() as conn:
        mine = conn.execute(sa.text("SELECT CONNECTION_ID()")).scalar()
        ids = (
            conn.execute(
                sa.text("SELECT id FROM information_schema.processlist WHERE db = :db AND id <> :me"),
                {"db": ini.mysql.database_name, "me": mine},
            )
            .scalars()
            .all()
        )
        for conn_id in ids:
            conn.execute(sa.text(f"KILL {int(conn_id)}"))
    killer.dispose()
    assert ids, "the data center should have held pooled connections"
    assert add(suite, token, host("web"))[1]["code"] == 200
    assert count(suite, token) == 1
