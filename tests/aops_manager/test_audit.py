"""The audit log: who logged in, failed, was locked out, logged out, changed a password or key,
or sent a refused token, and from which address; one private JSON line per event."""

from __future__ import annotations

import stat
import uuid

import requests

from tests.aops_manager.audit import records
from tests.aops_manager.factories import KEY
from tests.suite import Suite


def _login(suite: Suite, username: str, password: str, address: str) -> dict[str, object]:
    reply = requests.post(
        f"{suite.manager_url}/manage/account/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
        timeout=30,
    )
    body: dict[str, object] = reply.json()
    return body


def _mine(suite: Suite, service: str, name: str) -> list[tuple[str, str | None]]:
    return [(r["event"], r["address"]) for r in records(suite, service) if r["user"] == name]


def test_logins_failures_logouts_and_changes_are_recorded_with_user_and_client_address(suite: Suite) -> None:
    name, _ = suite.add_user(password="Mine-pass1")
    _login(suite, name, "wrong", "192.0.2.1")
    token = str(_login(suite, name, "Mine-pass1", "192.0.2.2")["access_token"])
    headers = {"access_token": token, "X-Forwarded-For": "192.0.2.3"}
    post = f"{suite.manager_url}/manage/account"
    assert requests.post(f"{post}/certificate", json={"key": KEY}, headers=headers, timeout=30).ok
    assert requests.post(f"{post}/change", json={"password": "Next-pass2"}, headers=headers, timeout=30).ok
    token = str(_login(suite, name, "Next-pass2", "192.0.2.4")["access_token"])
    headers = {"access_token": token, "X-Forwarded-For": "192.0.2.5"}
    assert requests.post(f"{post}/logout", json={}, headers=headers, timeout=30).ok

    # (suite.add_user logged in once, straight from this host)
    assert [e for e in _mine(suite, "database", name) if e[0] != "user_added"] == [
        ("login_succeeded", "127.0.0.1"),
        ("login_failed", "192.0.2.1"),
        ("login_succeeded", "192.0.2.2"),
        ("password_changed", "127.0.0.1"),  # the data center hears it from the manager
        ("login_succeeded", "192.0.2.4"),
        ("logout", "127.0.0.1"),
    ]
    assert _mine(suite, "manager", name) == [
        ("key_accepted", "192.0.2.3"),
        ("password_changed", "192.0.2.3"),
        ("key_dropped", "192.0.2.3"),
        ("logout", "192.0.2.5"),
    ]


def test_a_lock_out_is_recorded(suite: Suite) -> None:
    name = "ghost" + uuid.uuid4().hex[:8]
    for _ in range(6):
        _login(suite, name, "guess", "192.0.2.20")
    events = [r for r in records(suite, "database") if r["user"] == name]
    assert [r["event"] for r in events] == ["login_failed"] * 4 + [
        "login_failed",
        "locked_out",
        "login_refused",
    ]
    assert events[-2]["scope"] == "user" and events[-1]["reason"] == "user"


def test_refused_tokens_are_recorded_with_the_name_they_claim_and_the_address(suite: Suite) -> None:
    name, token = suite.add_user()
    payload = token.partition(".")[0]
    forged = payload + "." + "A" * 43
    for sent in (forged, "garbage"):
        requests.post(
            f"{suite.manager_url}/manage/host/count",
            json={},
            headers={"access_token": sent, "X-Forwarded-For": "192.0.2.30"},
            timeout=30,
        )
    refused = [
        r for r in records(suite, "manager") if r["event"] == "token_refused" and r["address"] == "192.0.2.30"
    ]
    assert [(r["user"], r["code"], r["path"]) for r in refused] == [
        (name, 1201, "/manage/host/count"),
        (None, 1201, "/manage/host/count"),
    ]
    assert "signature" in refused[0]["reason"]


def test_the_audit_files_are_private(suite: Suite) -> None:
    suite.add_user()
    log_dir = suite.conf_dir / "log"
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    for service in ("database", "manager"):
        path = log_dir / f"{service}-audit.log"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
