"""Accounts through HTTP: login, default password, lock-out, tokens, logout, password change."""

from __future__ import annotations

import requests

from aops_manager.api import api as manager_api
from aops_utils.auth import TokenType
from aops_utils.restful import Access
from tests.suite import Suite


def test_a_default_password_session_can_only_change_the_password(suite: Suite) -> None:
    status, body = suite.call("POST", "/manage/account/login", {"username": "admin", "password": "changeme"})
    assert (status, body["code"]) == (200, 1204)
    assert body["msg"] == "please change the default password or you can not use"
    default = str(body["access_token"])
    for endpoint in manager_api.endpoints:
        if endpoint.access is Access.PUBLIC or endpoint.default_password_ok:
            continue
        status, reply = suite.call(endpoint.methods[0], endpoint.path, {}, default)
        assert (status, reply["code"]) == (403, 1204), endpoint.path
        assert "change the password" in str(reply["detail"])
    # The manual's "log in, then change": no old password in a session this young.
    assert (
        suite.call("POST", "/manage/account/change", {"password": "Admin-pass1"}, default)[1]["code"] == 200
    )
    status, body = suite.call(
        "POST", "/manage/account/login", {"username": "admin", "password": "Admin-pass1"}
    )
    assert (status, body["code"]) == (200, 200)
    assert suite.call("POST", "/manage/host/count", token=str(body["access_token"]))[1]["code"] == 200


def test_a_wrong_password_and_an_unknown_user_look_the_same(suite: Suite) -> None:
    name, _ = suite.add_user()
    wrong = suite.call("POST", "/manage/account/login", {"username": name, "password": "nope"})
    unknown = suite.call("POST", "/manage/account/login", {"username": "ghost", "password": "nope"})
    assert wrong[0] == unknown[0] == 401
    assert wrong[1]["code"] == unknown[1]["code"] == 1200
    assert wrong[1]["msg"] == "incorrect username or password"


def test_repeated_failures_make_the_right_password_wait_too(suite: Suite) -> None:
    name, _ = suite.add_user(password="Right-pass1")
    for _ in range(5):
        assert (
            suite.call("POST", "/manage/account/login", {"username": name, "password": "x"})[1]["code"]
            == 1200
        )
    status, body = suite.call("POST", "/manage/account/login", {"username": name, "password": "Right-pass1"})
    assert (status, body["code"]) == (429, 1200)
    assert "retry in" in str(body["detail"])


def test_every_endpoint_but_login_and_logout_refuses_a_missing_token(suite: Suite) -> None:
    for method, path in [
        ("POST", "/manage/host/get"),
        ("POST", "/manage/host/count"),
        ("DELETE", "/manage/host/delete"),
        ("POST", "/manage/host/add"),
        ("POST", "/manage/host/info/query"),
        ("POST", "/manage/host/group/add"),
        ("DELETE", "/manage/host/group/delete"),
        ("POST", "/manage/host/group/get"),
        ("POST", "/manage/account/change"),
        ("POST", "/manage/account/certificate"),
        ("POST", "/manage/host/status/refresh"),
    ]:
        status, body = suite.call(method, path, {})
        assert (status, body["code"], body["msg"]) == (401, 1201, "the session is invalid"), path


def test_a_forged_token_is_refused(suite: Suite, token: str) -> None:
    payload, _, _signature = token.partition(".")
    forged = payload + "." + "A" * 43
    status, body = suite.call("POST", "/manage/host/count", token=forged)
    assert (status, body["code"]) == (401, 1201)
    assert suite.call("POST", "/manage/host/count", token="anything-non-empty")[1]["code"] == 1201


def test_an_expired_token_is_refused(suite: Suite) -> None:
    name, _ = suite.add_user()
    expired, _ = suite.codec().issue(name, -10, TokenType.USER)
    status, body = suite.call("POST", "/manage/host/count", token=expired)
    assert (status, body["code"]) == (401, 1201)
    assert "expired" in str(body["detail"])


def test_a_signed_token_without_a_session_is_refused(suite: Suite) -> None:
    name, _ = suite.add_user()
    unsessioned, _ = suite.codec().issue(name, 3600, TokenType.USER)
    assert suite.call("POST", "/manage/host/count", token=unsessioned)[1]["code"] == 1201


def test_logout_revokes_the_token_at_once_on_both_paths(suite: Suite) -> None:
    name, first = suite.add_user()
    second = suite.login(name, "Passw0rd!")
    assert suite.call("POST", "/manage/account/logout", token=first)[1]["code"] == 200
    assert suite.call("POST", "/manage/host/count", token=first)[0] == 401
    assert suite.call("POST", "/manage/host/count", token=second)[1]["code"] == 200
    assert suite.call("POST", "/manage/logout", token=second)[1]["code"] == 200
    assert suite.call("POST", "/manage/host/count", token=second)[0] == 401


def test_logout_without_a_valid_session_succeeds_on_both_paths(suite: Suite) -> None:
    name, token = suite.add_user()
    expired, _ = suite.codec().issue(name, -10, TokenType.USER)
    suite.call("POST", "/manage/account/logout", token=token)
    # No token, an expired one, garbage, and one whose session has already ended.
    for path in ("/manage/account/logout", "/manage/logout"):
        for sent in (None, expired, "garbage", token):
            status, body = suite.call("POST", path, token=sent)
            assert (status, body["code"], body["msg"]) == (200, 200, "operation succeed"), (path, sent)


def test_logout_without_a_valid_session_leaves_other_sessions_alone(suite: Suite) -> None:
    _name, token = suite.add_user()
    suite.call("POST", "/manage/logout", token="garbage")
    suite.call("POST", "/manage/logout")
    assert suite.call("POST", "/manage/host/count", token=token)[1]["code"] == 200


def test_the_web_header_spelling_and_bearer_both_work(suite: Suite, token: str) -> None:
    for headers in ({"Access-Token": token}, {"Authorization": f"Bearer {token}"}):
        reply = requests.post(f"{suite.manager_url}/manage/host/count", json={}, headers=headers, timeout=10)
        assert reply.json()["code"] == 200


def test_changing_the_password_revokes_every_session(suite: Suite) -> None:
    name, token = suite.add_user(password="Old-pass1")
    other = suite.login(name, "Old-pass1")
    status, body = suite.call("POST", "/manage/account/change", {"password": "New-pass2"}, token)
    assert (status, body["code"]) == (200, 200)
    for old in (token, other):
        assert suite.call("POST", "/manage/host/count", token=old)[1]["code"] == 1201
    assert (
        suite.call("POST", "/manage/account/login", {"username": name, "password": "Old-pass1"})[1]["code"]
        == 1200
    )
    status, body = suite.call("POST", "/manage/account/login", {"username": name, "password": "New-pass2"})
    assert (status, body["code"]) == (200, 200)


def test_the_same_password_again_is_1205(suite: Suite) -> None:
    _, token = suite.add_user(password="Same-pass1")
    status, body = suite.call("POST", "/manage/account/change", {"password": "Same-pass1"}, token)
    assert (status, body["code"]) == (400, 1205)


def test_a_wrong_old_password_is_refused(suite: Suite) -> None:
    _, token = suite.add_user(password="Mine-pass1")
    body = {"password": "Next-pass2", "old_password": "not-mine"}
    status, reply = suite.call("POST", "/manage/account/change", body, token)
    assert (status, reply["code"], reply["field"]) == (401, 1200, "old_password")


def test_passwords_are_stored_hashed(suite: Suite) -> None:
    import sqlalchemy as sa

    from aops_database import settings

    _system, ini = settings.load(suite.conf_dir)
    engine = sa.create_engine(ini.mysql.url)
    name, _ = suite.add_user(password="Visible-pass1")
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password FROM user WHERE username=:u"), {"u": name}).scalar()
    engine.dispose()
    assert stored and "Visible-pass1" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
