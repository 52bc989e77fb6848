"""`/data/check/state/*` and `/data/check/retry/*`: the check scheduler's durable state."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aops_database import models
from aops_database import schema
from aops_database.services import retries
from aops_utils.db import SQLiteStore
from tests.suite import Suite
from tests.suite import data_call

HOSTS = [{"host_id": "a" * 32, "public_ip": "10.0.0.1"}, {"host_id": "b" * 32, "public_ip": "10.0.0.2"}]


def call(
    suite: Suite, path: str, body: Any = None, *, token: str = "", method: str = "POST"
) -> tuple[int, dict[str, Any]]:
    return data_call(suite, path, body, token=token or suite.service_token(), method=method, timeout=60)


def ok(suite: Suite, path: str, body: Any = None, method: str = "POST") -> dict[str, Any]:
    status, reply = call(suite, path, body, method=method)
    assert (status, reply["code"]) == (200, 200), reply
    return reply


def window(username: str, start: int = 0, due_at: int = 100, **extra: Any) -> dict[str, Any]:
    return {
        "username": username,
        "host_list": HOSTS,
        "check_items": ["cpu"],
        "time_range": [start, start + 60],
        "due_at": due_at,
        **extra,
    }


def add(suite: Suite, *items: dict[str, Any], max_attempts: int = 3) -> dict[str, Any]:
    reply = ok(suite, "/data/check/retry/add", {"retries": list(items), "max_attempts": max_attempts})
    return {key: reply[key] for key in ("added", "dead", "dropped")}


def due(suite: Suite, now: int, limit: int = 1000, lease: int = 300) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(
        suite, "/data/check/retry/due", {"now": now, "limit": limit, "lease": lease}
    )["retries"]
    return found


def stored(suite: Suite, **body: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(suite, "/data/check/retry/get", body)["retries"]
    return found


@pytest.fixture(autouse=True)
def empty_queue(request: pytest.FixtureRequest) -> None:
    """The queue is shared by every user of the module's data center: start each test empty."""
    if "suite" not in request.fixturenames:
        return
    suite: Suite = request.getfixturevalue("suite")
    ids = [item["retry_id"] for item in stored(suite)]
    ok(suite, "/data/check/retry/delete", {"retry_ids": ids}, method="DELETE")


def test_state_values_are_stored_and_read_back_by_name(suite: Suite) -> None:
    assert ok(suite, "/data/check/state/get", {"names": ["forward", "backward"]})["state"] == {}
    ok(suite, "/data/check/state/set", {"state": {"forward": 1_700_000_000, "backward": 1_690_000_000}})
    ok(suite, "/data/check/state/set", {"state": {"forward": 1_700_000_060}})
    state = ok(suite, "/data/check/state/get", {"names": ["forward", "backward", "never"]})["state"]
    assert state == {"forward": 1_700_000_060, "backward": 1_690_000_000}
    assert ok(suite, "/data/check/state/get", {"names": []})["state"] == {}


def test_state_and_retry_routes_are_for_services_only(suite: Suite, token: str) -> None:
    for path, body in [
        ("/data/check/state/get", {"names": ["forward"]}),
        ("/data/check/state/set", {"state": {"forward": 1}}),
        ("/data/check/retry/due", {"now": 1, "limit": 1, "lease": 1}),
        ("/data/check/retry/get", {}),
    ]:
        status, reply = data_call(suite, path, body, token=token, as_is=True)
        assert (status, reply["code"]) == (403, 1201), path


def test_bad_state_and_retry_bodies_are_refused_naming_the_field(suite: Suite, user: tuple[str, str]) -> None:
    username = user[0]
    cases = [
        ("/data/check/state/set", {"state": {"forward": "soon"}}, "state.forward"),
        ("/data/check/state/set", {"state": {}}, "state"),
        ("/data/check/state/get", {"names": ["x"], "all": True}, "all"),
        (
            "/data/check/retry/add",
            {"retries": [window(username, retry_id="xyz")], "max_attempts": 1},
            "retries.0.retry_id",
        ),
        (
            "/data/check/retry/add",
            {"retries": [window(username, host_list=[])], "max_attempts": 1},
            "retries.0.host_list",
        ),
        (
            "/data/check/retry/add",
            {"retries": [{**window(username), "time_range": [9, 1]}], "max_attempts": 1},
            "retries.0.time_range",
        ),
        ("/data/check/retry/add", {"retries": [window(username)], "max_attempts": -1}, "max_attempts"),
        (
            "/data/check/retry/add",
            {"retries": [window(username, extra=1)], "max_attempts": 1},
            "retries.0.extra",
        ),
        ("/data/check/retry/add", {"retries": [], "max_attempts": 1}, "retries"),
        ("/data/check/retry/due", {"now": 1, "limit": 0, "lease": 1}, "limit"),
        ("/data/check/retry/due", {"now": 1, "limit": 1001, "lease": 1}, "limit"),
        ("/data/check/retry/due", {"now": 1, "limit": 1, "lease": 0}, "lease"),
        ("/data/check/retry/due", {"limit": 1, "lease": 1}, "now"),
        ("/data/check/retry/trim", {"max_dead": 5, "discount": 0}, "discount"),
        ("/data/check/retry/trim", {"max_dead": 5, "discount": 1.5}, "discount"),
        ("/data/check/retry/trim", {"max_dead": -1, "discount": 0.5}, "max_dead"),
        ("/data/check/retry/get", {"dead": "maybe"}, "dead"),
    ]
    for path, body, field in cases:
        status, reply = call(suite, path, body)
        assert (status, reply["code"], reply["field"]) == (400, 1000, field), (path, field)
    status, reply = call(suite, "/data/check/retry/delete", {"retry_ids": ["1"]}, method="DELETE")
    assert (status, reply["field"]) == (400, "retry_ids.0")
    assert stored(suite) == []


def test_the_same_failed_window_added_twice_is_one_retry(suite: Suite, user: tuple[str, str]) -> None:
    username = user[0]
    first = add(suite, window(username))["added"]
    # Host order and repeated items do not make another window.
    again = add(suite, window(username, host_list=HOSTS[::-1], check_items=["cpu", "cpu"], due_at=999))
    assert again["added"] == first and len(first[0]) == 32
    [kept] = stored(suite)
    assert (kept["retry_id"], kept["attempts"], kept["due_at"], kept["dead"]) == (first[0], 0, 100, False)
    assert kept["time_range"] == [0, 60] and kept["host_list"] == HOSTS and kept["username"] == username
    assert len(add(suite, window(username, start=60))["added"]) == 1
    assert len(stored(suite)) == 2


def test_a_retry_of_an_unknown_user_is_dropped(suite: Suite) -> None:
    reply = add(suite, window("nobody-at-all"))
    assert (reply["added"], reply["dead"], len(reply["dropped"])) == ([], [], 1)
    assert stored(suite) == []


def test_a_retry_lives_until_it_has_failed_more_than_max_attempts_times(
    suite: Suite, user: tuple[str, str]
) -> None:
    username = user[0]
    [rid] = add(suite, window(username, due_at=100), max_attempts=2)["added"]
    assert due(suite, now=99) == []
    [claimed] = due(suite, now=100, lease=50)
    assert claimed == {
        "retry_id": rid,
        "username": username,
        "host_list": HOSTS,
        "check_items": ["cpu"],
        "time_range": [0, 60],
        "attempts": 0,
    }
    # Claimed: not due again until the lease ends (when its run would have been lost).
    assert due(suite, now=149) == []
    assert [r["retry_id"] for r in due(suite, now=150, lease=50)] == [rid]
    # It failed again, on one host only: an attempt is counted and the window narrows.
    again = window(username, due_at=300, retry_id=rid, host_list=HOSTS[:1])
    assert add(suite, again, max_attempts=2) == {"added": [rid], "dead": [], "dropped": []}
    assert due(suite, now=299) == []
    [claimed] = due(suite, now=300)
    assert (claimed["attempts"], claimed["host_list"]) == (1, HOSTS[:1])
    assert add(suite, again, max_attempts=2)["added"] == [rid]
    assert add(suite, again, max_attempts=2) == {"added": [], "dead": [rid], "dropped": []}
    [dead] = stored(suite, dead=True)
    assert (dead["retry_id"], dead["attempts"], dead["dead"]) == (rid, 3, True)
    assert stored(suite, dead=False) == []
    assert due(suite, now=10**9) == []
    # A dead retry reported again stays dead and counts no more attempts.
    assert add(suite, again, max_attempts=2)["dead"] == [rid]
    assert stored(suite)[0]["attempts"] == 3


def test_with_no_attempts_allowed_the_first_failed_retry_dies(suite: Suite, user: tuple[str, str]) -> None:
    username = user[0]
    [rid] = add(suite, window(username), max_attempts=0)["added"]
    assert add(suite, window(username, retry_id=rid), max_attempts=0)["dead"] == [rid]


def test_an_unknown_retry_id_reported_as_failed_is_stored_under_that_id(
    suite: Suite, user: tuple[str, str]
) -> None:
    rid = "0123456789abcdef" * 2
    assert add(suite, window(user[0], retry_id=rid))["added"] == [rid]
    assert [(r["retry_id"], r["attempts"]) for r in stored(suite)] == [(rid, 0)]


def test_due_retries_come_earliest_first_up_to_the_limit(suite: Suite, user: tuple[str, str]) -> None:
    username = user[0]
    ids = {
        add(suite, window(username, start=i * 60, due_at=due_at))["added"][0]: due_at
        for i, due_at in enumerate([50, 10, 40, 30, 20, 500])
    }
    first = due(suite, now=100, limit=3)
    assert [ids[r["retry_id"]] for r in first] == [10, 20, 30]
    rest = due(suite, now=100, limit=3)
    assert [ids[r["retry_id"]] for r in rest] == [40, 50]
    assert due(suite, now=100, limit=3) == []


def test_a_retry_that_succeeded_is_deleted(suite: Suite, user: tuple[str, str]) -> None:
    [rid] = add(suite, window(user[0]))["added"]
    reply = ok(suite, "/data/check/retry/delete", {"retry_ids": [rid, "f" * 32]}, method="DELETE")
    assert reply["deleted"] == 1
    assert stored(suite) == []
    assert ok(suite, "/data/check/retry/delete", {"retry_ids": []}, method="DELETE")["deleted"] == 0


def _kill(suite: Suite, username: str, count: int, first_due: int = 1000) -> list[str]:
    """`count` dead retries; the first one died first."""
    killed = []
    for i in range(count):
        item = window(username, start=i * 60, due_at=first_due + i)
        [rid] = add(suite, item, max_attempts=0)["added"]
        assert add(suite, {**item, "retry_id": rid}, max_attempts=0)["dead"] == [rid]
        killed.append(rid)
    return killed


def test_trim_deletes_the_dead_retries_that_died_first(suite: Suite, user: tuple[str, str]) -> None:
    username = user[0]
    killed = _kill(suite, username, 5)
    [live] = add(suite, window(username, start=9999))["added"]
    trim = {"max_dead": 5, "discount": 0.5}
    assert ok(suite, "/data/check/retry/trim", trim)["deleted"] == 0
    # One over the limit: ceil(4 * 0.5) = 2 of the oldest go, as 21.09 meant to do.
    assert ok(suite, "/data/check/retry/trim", {"max_dead": 4, "discount": 0.5})["deleted"] == 2
    assert [r["retry_id"] for r in stored(suite, dead=True)] == killed[2:]
    # Far over the limit: enough go to get back to it.
    assert ok(suite, "/data/check/retry/trim", {"max_dead": 1, "discount": 0.1})["deleted"] == 2
    assert [r["retry_id"] for r in stored(suite, dead=True)] == killed[4:]
    assert ok(suite, "/data/check/retry/trim", {"max_dead": 0, "discount": 1})["deleted"] == 1
    assert [r["retry_id"] for r in stored(suite)] == [live]


def test_two_schedulers_claiming_at_once_never_get_the_same_retry(
    suite: Suite, user: tuple[str, str]
) -> None:
    username = user[0]
    items = [window(username, start=i * 60, due_at=i % 17) for i in range(300)]
    added = ok(suite, "/data/check/retry/add", {"retries": items, "max_attempts": 3})["added"]
    assert len(added) == 300
    claims: dict[int, list[str]] = {0: [], 1: []}
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def claimer(index: int) -> None:
        try:
            start.wait()
            while batch := due(suite, now=100, limit=7):
                claims[index] += [r["retry_id"] for r in batch]
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not set(claims[0]) & set(claims[1])
    assert sorted(claims[0] + claims[1]) == sorted(added)
    # Each claim locks only the rows it takes, so the two worked side by side.
    assert claims[0] and claims[1], "both schedulers should have taken part"
    assert due(suite, now=100) == []


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "aops.db")
    schema.upgrade(store)
    with store.begin() as conn:
        conn.execute(models.user.insert().values(username="u", password="x", created_at=0))
    yield store
    store.dispose()


def test_on_sqlite_concurrent_claims_never_share_a_retry_either(sqlite_store: SQLiteStore) -> None:
    items = [window("u", start=i * 60, due_at=i % 5) for i in range(100)]
    added = retries.add_retries(sqlite_store, items, 3).added
    claims: list[list[str]] = [[], []]

    def claimer(index: int) -> None:
        while batch := retries.claim_due(sqlite_store, 100, 5, 300):
            claims[index] += [r["retry_id"] for r in batch]

    threads = [threading.Thread(target=claimer, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not set(claims[0]) & set(claims[1])
    assert sorted(claims[0] + claims[1]) == sorted(added)
    assert retries.claim_due(sqlite_store, 399, 5, 300) == []
    assert len(retries.claim_due(sqlite_store, 400, 1000, 300)) == 100
