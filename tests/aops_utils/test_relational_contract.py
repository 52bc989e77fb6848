"""The relational store seam: one contract, run on MariaDB and on SQLite."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from aops_utils.db import MySQLStore
from aops_utils.db import RelationalStore
from aops_utils.db import SQLiteStore
from aops_utils.db import UniqueViolation
from aops_utils.errors import DatabaseUnavailable

meta = sa.MetaData()
owner = sa.Table("owner", meta, sa.Column("name", sa.String(40), primary_key=True))
item = sa.Table(
    "item",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("owner", sa.String(40), sa.ForeignKey("owner.name", ondelete="RESTRICT"), nullable=False),
    sa.Column("name", sa.String(40), nullable=False),
    sa.UniqueConstraint("owner", "name"),
)


@pytest.fixture(params=["mariadb", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RelationalStore]:
    if request.param == "mariadb":
        made: RelationalStore = MySQLStore(request.getfixturevalue("mysql_url"), pool_size=4)
    else:
        made = SQLiteStore(tmp_path / "contract.db")
    meta.create_all(made.engine)
    with made.begin() as conn:
        conn.execute(owner.insert().values(name="alice"))
    yield made
    made.dispose()


def test_a_committed_transaction_is_visible(store: RelationalStore) -> None:
    with store.begin() as conn:
        conn.execute(item.insert().values(owner="alice", name="a"))
    with store.begin() as conn:
        assert conn.execute(sa.select(item.c.name)).scalars().all() == ["a"]


def test_an_error_rolls_the_whole_transaction_back(store: RelationalStore) -> None:
    with pytest.raises(RuntimeError), store.begin() as conn:
        conn.execute(item.insert().values(owner="alice", name="a"))
        raise RuntimeError("half-way")
    with store.begin() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(item)).scalar() == 0


def test_a_duplicate_is_a_unique_violation(store: RelationalStore) -> None:
    with store.begin() as conn:
        conn.execute(item.insert().values(owner="alice", name="a"))
    with pytest.raises(UniqueViolation), store.begin() as conn:
        conn.execute(item.insert().values(owner="alice", name="a"))


def test_foreign_keys_are_enforced(store: RelationalStore) -> None:
    with pytest.raises(sa.exc.IntegrityError), store.begin() as conn:
        conn.execute(item.insert().values(owner="nobody", name="a"))
    with store.begin() as conn:
        conn.execute(item.insert().values(owner="alice", name="a"))
    with pytest.raises(sa.exc.IntegrityError), store.begin() as conn:
        conn.execute(owner.delete())


def test_concurrent_inserts_of_one_name_yield_exactly_one_row(store: RelationalStore) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def insert() -> None:
        barrier.wait()
        try:
            with store.begin() as conn:
                conn.execute(item.insert().values(owner="alice", name="same"))
            outcomes.append("ok")
        except UniqueViolation:
            outcomes.append("duplicate")

    threads = [threading.Thread(target=insert) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["duplicate"] * 3 + ["ok"]


def test_ping_says_whether_the_database_answers(store: RelationalStore) -> None:
    assert store.ping() is True


def test_an_unreachable_mysql_is_a_1101_error() -> None:
    dead = MySQLStore("mysql+pymysql://root@127.0.0.1:1/nothing")
    assert dead.ping() is False
    with pytest.raises(DatabaseUnavailable), dead.begin() as conn:
        conn.execute(sa.text("SELECT 1"))
    dead.dispose()


def test_mysql_recovers_after_its_connections_are_killed(mysql_url: str) -> None:
    store = MySQLStore(mysql_url, pool_size=2)
    with store.begin() as conn:
        conn_id = conn.execute(sa.text("SELECT CONNECTION_ID()")).scalar()
    killer = sa.create_engine(mysql_url)
    with killer.connect() as conn:
        conn.execute(sa.text(f"KILL {int(conn_id or 0)}"))
    killer.dispose()
    with store.begin() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    store.dispose()
