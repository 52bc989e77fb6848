"""Deep pages of the host listing read from marks (services/host_marks.py) are the pages an
OFFSET reads, in both directions, on MariaDB and SQLite, also when hosts came and went between
the marks and the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aops_database import models
from aops_database import schema
from aops_database.services import groups
from aops_database.services import hosts
from aops_database.services.host_marks import STRIDE
from aops_database.services.host_marks import MarkBook
from aops_database.services.host_marks import Marks
from aops_utils.contracts import GetHostsBody
from aops_utils.db import MySQLStore
from aops_utils.db import RelationalStore
from aops_utils.db import SQLiteStore
from aops_utils.restful.paging import Window
from tests.stores import mysql_database

HOSTS = 10 * STRIDE + 7  # marks end inside the last stretch


@pytest.fixture(params=["sqlite", "mariadb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RelationalStore]:
    if request.param == "sqlite":
        made: RelationalStore = SQLiteStore(tmp_path / "aops.db")
        schema.upgrade(made)
        yield made
        made.dispose()
        return
    with mysql_database(request.getfixturevalue("mysql_server_url")) as url:
        made = MySQLStore(url)
        schema.upgrade(made)
        yield made
        made.dispose()


def _user(store: RelationalStore, name: str, count: int) -> None:
    with store.begin() as conn:
        conn.execute(
            models.user.insert().values(username=name, password="x", default_password=False, created_at=0)
        )
    groups.add_group(store, name, "g", "")
    _add(store, name, range(count))


def _add(store: RelationalStore, name: str, numbers: range | list[int], prefix: str = "h") -> None:
    # Names in an order unlike their numbers, so that the listing's order is the index's.
    fleet = [
        {
            "host_id": f"{name}{i:031d}"[-32:],
            "host_name": f"{prefix}{(i * 7919) % 100003:06d}",
            "public_ip": f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}",
            "ssh_port": 22,
            "management": False,
            "host_group_name": "g",
            "credential": 0,
        }
        for i in numbers
    ]
    assert not hosts.add_hosts(store, name, fleet, ["vault"]).failed


def _by_offset(store: RelationalStore, name: str, direction: str, offset: int, limit: int) -> list[str]:
    """The page as an OFFSET reads it (the shape with a group filter takes that path)."""
    query = GetHostsBody(host_group_list=["g"], direction=direction)
    return [row["host_name"] for row in hosts.get_hosts(store, name, query, Window(offset, limit))[1]]


def _page(
    store: RelationalStore, name: str, direction: str, offset: int, limit: int
) -> tuple[int, list[str]]:
    total, rows = hosts.get_hosts(store, name, GetHostsBody(direction=direction), Window(offset, limit))
    return total, [row["host_name"] for row in rows]


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_every_page_read_from_marks_is_the_page_an_offset_reads(
    store: RelationalStore, direction: str
) -> None:
    _user(store, "ann", HOSTS)
    _user(store, "bob", 40)  # another user's hosts interleave in the index, never in a page
    hosts._MARKS = MarkBook()
    for limit in (1, 7, STRIDE, 50):
        for offset in range(0, HOSTS + limit, limit):
            assert _page(store, "ann", direction, offset, limit) == (
                HOSTS,
                _by_offset(store, "ann", direction, offset, limit),
            ), (offset, limit)
    marks = hosts._MARKS.get("ann", direction)
    assert marks is not None and len(marks.names) == -(-HOSTS // STRIDE)


def test_a_page_after_hosts_came_and_went_is_read_anew_not_from_the_old_marks(store: RelationalStore) -> None:
    _user(store, "ann", HOSTS)
    hosts._MARKS = MarkBook()
    deep = 5 * STRIDE + 3
    before = _page(store, "ann", "asc", deep, 20)
    old = hosts._MARKS.get("ann", "asc")
    assert old is not None
    # One host in and one out keeps the count: only the version tells the marks are old.
    _add(store, "ann", [HOSTS + 1], prefix="a")  # first by name
    gone = sorted(
        hosts.get_hosts(store, "ann", GetHostsBody(), Window(0, None))[1], key=lambda r: r["host_name"]
    )
    hosts.delete_hosts(store, "ann", [gone[-1]["host_id"]])
    after = _page(store, "ann", "asc", deep, 20)
    assert after == (HOSTS, _by_offset(store, "ann", "asc", deep, 20))
    assert after != before, "the added host falls before this page: it must move by one"
    assert hosts._MARKS.get("ann", "asc") is not old


def test_a_page_past_the_end_and_a_user_without_hosts_answer_as_by_offset(store: RelationalStore) -> None:
    _user(store, "ann", 2 * STRIDE)
    _user(store, "cy", 0)
    hosts._MARKS = MarkBook()
    assert _page(store, "ann", "asc", 3 * STRIDE, 10) == (2 * STRIDE, [])
    assert _page(store, "cy", "asc", 3 * STRIDE, 10) == (0, [])


def test_the_book_keeps_the_users_served_last_and_drops_only_the_marks_it_was_shown() -> None:
    book = MarkBook(capacity=2)
    first, second, third = Marks(1, ("a",)), Marks(2, ("b",)), Marks(3, ("c",))
    book.put("ann", "asc", first)
    book.put("bob", "asc", second)
    assert book.get("ann", "asc") is first  # ann used last: bob goes next
    book.put("cy", "asc", third)
    assert book.get("bob", "asc") is None and book.get("ann", "asc") is first
    book.drop("ann", "asc", Marks(1, ("a",)))  # equal but not the same: newer marks stay
    assert book.get("ann", "asc") is first
    book.drop("ann", "asc", first)
    assert book.get("ann", "asc") is None
    assert Marks(7, ("a", "k")).start(STRIDE + 5) == ("k", 5)
    assert Marks(7, ("a", "k")).start(2 * STRIDE) is None
