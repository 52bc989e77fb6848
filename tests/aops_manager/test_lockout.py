"""The login lock-out over real HTTP, on MariaDB (production) and SQLite (`aops standalone`):
atomic counting, per account with growing delays, per source address, and capped hashing."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from aops_database.services import accounts as accounts_service
from tests.aops_manager.audit import records
from tests.conftest import mariadb_suite
from tests.suite import Suite
from tests.suite import running_suite

LOGIN = "/manage/account/login"


@contextmanager
def suite_with(store: str, conf_dir: Path, **auth: object) -> Iterator[Suite]:
    """A suite whose system.ini [auth] keys are overridden by the environment, as an operator may."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in auth.items():
            patch.setenv(f"AOPS_SYSTEM__AUTH__{key.upper()}", str(value))
        if store == "mariadb":
            with mariadb_suite(conf_dir) as running:
                yield running
        else:
            patch.setenv("AOPS_CONF_DIR", str(conf_dir))
            with running_suite(conf_dir, relational="sqlite", document="sql") as running:
                yield running


class Checks:
    """Counts the password checks the data center makes, and the most made at once."""

    def __init__(self) -> None:
        self.total = 0
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def wrap(self, verify: Callable[[str, str], bool]) -> Callable[[str, str], bool]:
        def counted(stored: str, password: str) -> bool:
            with self._lock:
                self.total += 1
                self.running += 1
                self.most = max(self.most, self.running)
            try:
                return verify(stored, password)
            finally:
                with self._lock:
                    self.running -= 1

        return counted


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Checks:
    found = Checks()
    monkeypatch.setattr(accounts_service, "verify_password", found.wrap(accounts_service.verify_password))
    return found


def login(
    suite: Suite, username: str, password: str, address: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"X-Forwarded-For": address} if address else {}
    reply = requests.post(
        suite.manager_url + LOGIN,
        json={"username": username, "password": password},
        headers=headers,
        timeout=60,
    )
    return reply.status_code, reply.json()


def login_from(suite: Suite, source: str, username: str, password: str) -> tuple[int, dict[str, Any]]:
    """A login sent from the local address `source`."""
    port = int(suite.manager_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        body = json.dumps({"username": username, "password": password})
        conn.request("POST", LOGIN, body, {"Content-Type": "application/json"})
        reply = conn.getresponse()
        return reply.status, json.loads(reply.read())
    finally:
        conn.close()


def at_once(
    count: int, send: Callable[[int], tuple[int, dict[str, Any]]]
) -> list[tuple[int, dict[str, Any]]]:
    """`count` requests released together."""
    start = threading.Barrier(count)

    def one(n: int) -> tuple[int, dict[str, Any]]:
        start.wait()
        return send(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def retry_after(body: dict[str, Any]) -> int:
    detail = str(body["detail"])
    assert "retry in" in detail, detail
    return int(detail.rsplit("retry in ", 1)[1].split(maxsplit=1)[0])


@pytest.fixture(scope="module", params=["mariadb", "sqlite"])
def slow_suite(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """A delay long enough that no request of a burst arrives after it has passed."""
    conf_dir = tmp_path_factory.mktemp(f"lockout-{request.param}")
    with suite_with(request.param, conf_dir, login_delay_seconds=60) as running:
        yield running


def test_thirty_parallel_wrong_passwords_get_no_more_checks_than_the_limit(
    slow_suite: Suite, checks: Checks
) -> None:
    name, _ = slow_suite.add_user(password="Right-pass1")
    checks.total = 0
    answers = at_once(30, lambda n: login(slow_suite, name, f"wrong-{n}", f"192.0.2.{n + 1}"))

    assert checks.total == 5
    assert sorted(status for status, _ in answers) == [401] * 5 + [429] * 25
    assert {body["code"] for _, body in answers} == {1200}
    # The right password now waits too, from any address.
    status, body = login(slow_suite, name, "Right-pass1", "198.51.100.7")
    assert (status, body["code"]) == (429, 1200) and retry_after(body) > 50
    events = [r for r in records(slow_suite, "database") if r["user"] == name]
    assert [r["event"] for r in events].count("login_failed") == 5
    assert [r["event"] for r in events].count("login_refused") == 26
    assert [r["event"] for r in events].count("locked_out") == 1


def test_failures_from_many_addresses_add_up_on_the_account(slow_suite: Suite, checks: Checks) -> None:
    """Counting per user and address allowed 20 addresses x 4 guesses; here each client really
    comes from an address of its own (any 127/8 address reaches loopback), no header involved."""
    name, _ = slow_suite.add_user(password="Right-pass1")
    checks.total = 0
    statuses = [login_from(slow_suite, f"127.0.1.{n + 1}", name, "wrong")[0] for n in range(20)]
    assert statuses == [401] * 5 + [429] * 15
    assert checks.total == 5
    assert login_from(slow_suite, "127.0.1.99", name, "Right-pass1")[0] == 429


def test_an_unknown_name_is_counted_and_hashed_like_a_real_one(slow_suite: Suite, checks: Checks) -> None:
    ghost = "ghost" + uuid.uuid4().hex[:8]
    checks.total = 0
    answers = [login(slow_suite, ghost, "guess", "192.0.2.200") for _ in range(6)]
    # A password check every time (no timing tells that the name does not exist), and the same
    # lock-out as a real account's (no refusal tells it either).
    assert checks.total == 5
    assert [status for status, _ in answers] == [401] * 5 + [429]


def test_a_source_address_is_limited_across_accounts(tmp_path: Path, checks: Checks) -> None:
    with suite_with("sqlite", tmp_path, login_address_max_failures=6, login_delay_seconds=60) as suite:
        name, _ = suite.add_user(password="Right-pass1")
        for n in range(6):
            assert login(suite, f"made-up-{n}", "guess", "192.0.2.50")[0] == 401
        status, body = login(suite, name, "Right-pass1", "192.0.2.50")
        assert (status, body["code"], body["field"]) == (429, 1200, "address")
        # The account itself is fine: its owner elsewhere logs in.
        assert login(suite, name, "Right-pass1", "192.0.2.51")[1]["code"] == 200


def test_the_delay_grows_with_each_failure_and_the_owner_gets_in_once_it_has_passed(
    tmp_path: Path, checks: Checks
) -> None:
    # Delays of 3 and 6 s, and a Retry-After read as "at most the delay, at least 2 s less": a
    # loaded machine may take a second or more between two requests (1 s delays failed in CI).
    with suite_with(
        "sqlite", tmp_path, login_max_failures=2, login_delay_seconds=3, login_max_delay_seconds=6
    ) as suite:
        name, _ = suite.add_user(password="Right-pass1")

        def fail() -> float:
            assert login(suite, name, "wrong")[0] == 401
            return time.monotonic()

        def waits(delay: int, at_least: int | None = None) -> None:
            status, body = login(suite, name, "Right-pass1")
            low = delay - 2 if at_least is None else at_least
            assert status == 429 and low <= retry_after(body) <= delay, body

        def sleep_until(t: float) -> None:
            time.sleep(max(0.0, t - time.monotonic()))

        fail()
        failed = fail()
        waits(3)  # the right password waits as well
        sleep_until(failed + 3.1)
        failed = fail()  # the third failure: now 6 s
        waits(6)
        sleep_until(failed + 3.1)
        waits(3, at_least=1)  # half of it still to wait
        sleep_until(failed + 6.1)
        failed = fail()  # capped at login_max_delay_seconds
        waits(6)
        sleep_until(failed + 6.1)
        status, body = login(suite, name, "Right-pass1")
        assert (status, body["code"]) == (200, 200)
        # A success starts afresh: two more failures before any delay.
        assert [login(suite, name, "wrong")[0] for _ in range(2)] == [401, 401]


def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(tmp_path: Path) -> None:
    trusted = tmp_path / "trusted"
    with suite_with("sqlite", trusted) as suite:  # the default: the nginx on this host
        login(suite, "someone", "guess", "192.0.2.9")
        login(suite, "someone", "guess", "10.9.9.9, 192.0.2.10")  # what the client wrote comes first
        assert [r["address"] for r in records(suite, "database") if r["event"] == "login_failed"] == [
            "192.0.2.9",
            "192.0.2.10",
        ]
    untrusting = tmp_path / "untrusting"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AOPS_SYSTEM__RESTFUL__TRUSTED_PROXIES", "none")
        with suite_with("sqlite", untrusting) as suite:
            login(suite, "someone", "guess", "192.0.2.9")
            failed = [r for r in records(suite, "database") if r["event"] == "login_failed"]
            assert [r["address"] for r in failed] == ["127.0.0.1"]


def test_concurrent_password_hashing_is_capped_and_the_excess_is_refused(
    tmp_path: Path, checks: Checks
) -> None:
    with suite_with("sqlite", tmp_path, password_hash_concurrency=1, password_hash_wait=0.05) as suite:
        answers = at_once(16, lambda n: login(suite, f"anon{n}", "guess", f"192.0.2.{n + 1}"))
        assert checks.most == 1
        statuses = sorted(status for status, _ in answers)
        assert set(statuses) == {401, 429} and statuses.count(401) == checks.total
        busy = [body for status, body in answers if status == 429]
        assert all(body["code"] == 1200 and "busy" in body["detail"] for body in busy)
        # Refused for want of a turn, the attempts were not counted against anyone.
        events = records(suite, "database")
        assert sum(r["event"] == "login_refused" and r["reason"] == "busy" for r in events) == len(busy)
