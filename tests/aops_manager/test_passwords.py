"""Password changes: the old password for all but young sessions, a minimum length, and the
same minimum for `aops-database user add`."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import sqlalchemy as sa

from aops_database import settings
from tests.aops_manager.audit import records
from tests.suite import Suite

CHANGE = "/manage/account/change"
USER_ADD = [str(Path(sys.executable).parent / "aops-database"), "user", "add"]


def age_sessions(suite: Suite, username: str, seconds: int) -> None:
    """Make the user's sessions look `seconds` older, as a token stolen hours ago would be."""
    _system, ini = settings.load(suite.conf_dir)
    engine = sa.create_engine(ini.mysql.url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE auth_session SET created_at = created_at - :s WHERE username = :u"),
                {"s": seconds, "u": username},
            )
    finally:
        engine.dispose()


def test_a_session_older_than_five_minutes_must_give_the_old_password(suite: Suite) -> None:
    name, token = suite.add_user(password="Mine-pass1")
    age_sessions(suite, name, 301)
    status, body = suite.call("POST", CHANGE, {"password": "Taken-over1"}, token)
    assert (status, body["code"], body["field"]) == (400, 1000, "old_password")
    assert "old_password is required" in str(body["detail"])
    assert suite.call("POST", "/manage/account/login", {"username": name, "password": "Mine-pass1"})[0] == 200
    body_with_old = {"password": "Next-pass2", "old_password": "Mine-pass1"}
    assert suite.call("POST", CHANGE, body_with_old, token)[1]["code"] == 200


def test_a_session_younger_than_five_minutes_changes_it_without_the_old_one(suite: Suite) -> None:
    name, token = suite.add_user(password="Mine-pass1")
    age_sessions(suite, name, 290)
    assert suite.call("POST", CHANGE, {"password": "Next-pass2"}, token)[1]["code"] == 200


def test_wrong_old_passwords_count_like_failed_logins(suite: Suite) -> None:
    name, token = suite.add_user(password="Mine-pass1")
    for n in range(5):
        status, body = suite.call(
            "POST", CHANGE, {"password": "Next-pass2", "old_password": f"guess{n}"}, token
        )
        assert (status, body["code"], body["field"]) == (401, 1200, "old_password")
    status, body = suite.call("POST", CHANGE, {"password": "Next-pass2", "old_password": "Mine-pass1"}, token)
    assert (status, body["code"]) == (429, 1200)
    status, body = suite.call("POST", "/manage/account/login", {"username": name, "password": "Mine-pass1"})
    assert (status, body["code"]) == (429, 1200)


def test_a_new_password_shorter_than_eight_characters_is_refused_naming_the_field(suite: Suite) -> None:
    name, token = suite.add_user(password="Mine-pass1")
    status, body = suite.call("POST", CHANGE, {"password": "Seven77"}, token)
    assert (status, body["code"], body["field"]) == (400, 1000, "password")
    assert "at least 8 characters" in str(body["detail"])
    # The session lives on and the password is unchanged.
    assert suite.call("POST", "/manage/host/count", token=token)[1]["code"] == 200
    assert suite.call("POST", CHANGE, {"password": "Eight888"}, token)[1]["code"] == 200
    refused = [
        r for r in records(suite, "database") if r["user"] == name and r["event"].startswith("password")
    ]
    assert [(r["event"], r.get("code")) for r in refused] == [
        ("password_change_refused", 1000),
        ("password_changed", None),
    ]


def _user_add(suite: Suite, name: str, password: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AOPS_")}
    environ.update(AOPS_CONF_DIR=str(suite.conf_dir), **env)
    return subprocess.run(
        [*USER_ADD, name],
        input=f"{password}\n{password}\n",
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_user_add_refuses_a_password_below_the_configured_minimum(suite: Suite) -> None:
    name = "u" + uuid.uuid4().hex[:10]
    short = _user_add(suite, name, "Seven77")
    assert short.returncode == 2 and "Traceback" not in short.stderr
    assert "the password must hold at least 8 characters" in short.stderr
    stricter = _user_add(suite, name, "Twelve-char", AOPS_SYSTEM__AUTH__PASSWORD_MIN_LENGTH="12")
    assert stricter.returncode == 2 and "at least 12 characters" in stricter.stderr
    done = _user_add(suite, name, "Twelve-chars")
    assert done.returncode == 0 and done.stdout.endswith(f"created user {name}\n"), done.stderr
    assert suite.login(name, "Twelve-chars")
