"""`aops login`/`logout`, the stored token and password changes, against a real manager."""

from __future__ import annotations

import json
import sqlite3
import stat
import uuid
from pathlib import Path

import pytest

from tests.aops_cli.conftest import Cli
from tests.suite import Suite

COUNT = "stat --action count --field host"
PASSWORD = "Passw0rd!"


@pytest.fixture
def account(suite: Suite) -> str:
    """`--username NAME --password PASSWORD` of a fresh user (admin keeps its default password)."""
    name, _ = suite.add_user(password=PASSWORD)
    return f"--username {name} --password {PASSWORD}"


def stored_token(cli: Cli, suite: Suite) -> str:
    sessions = json.loads((cli.home / "sessions.json").read_text())
    token: str = sessions[suite.manager_url]["access_token"]
    return token


def test_account_login_as_in_21_09_stores_a_private_token_and_warns_about_the_default_password(
    suite: Suite, cli: Cli
) -> None:
    result = cli.ok("account --action login --username admin --password changeme")
    token = stored_token(cli, suite)
    assert (
        result.out
        == f"logged in to {suite.manager_url} as admin; token stored in {cli.home / 'sessions.json'}\n"
    )
    assert token not in result.out + result.err
    assert result.err == (
        "aops: warning: the default password is still in use; change it with `aops account --action change`\n"
    )
    assert stat.S_IMODE((cli.home / "sessions.json").stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.home.stat().st_mode) == 0o700
    # Until the password is changed, the session serves nothing else.
    assert cli.fails(COUNT) == (
        "aops: this session was opened with the default password: change the password "
        "(/manage/account/change), then log in again "
        "(code 1204: please change the default password or you can not use)"
    )


def test_commands_need_no_access_token_after_login(cli: Cli, name: str, account: str) -> None:
    cli.ok(f"login {account}")
    assert cli.ok(f"group --action add --host_group_name {name}").out == f"added host group {name}\n"
    assert name in cli.ok("group --action query --per_page 50").out
    assert cli.ok(COUNT).out == "0 hosts\n"


def test_login_reads_a_piped_password_without_echoing_it(suite: Suite, cli: Cli) -> None:
    name, _ = suite.add_user(password=PASSWORD)
    result = cli.ok(f"login --username {name}", stdin=f"{PASSWORD}\n")
    assert PASSWORD not in result.out + result.err
    assert stored_token(cli, suite)


def test_the_token_is_printed_only_when_asked(suite: Suite, cli: Cli, account: str) -> None:
    assert cli.ok(f"login {account} --print-token").out == stored_token(cli, suite) + "\n"
    reply = cli.ok(f"login {account} --json").json
    assert reply["code"] == 200 and reply["access_token"] == stored_token(cli, suite)
    assert cli.ok(f"{COUNT} --json").json == {"code": 200, "msg": "operation succeed", "host_count": 0}
    reply = cli.ok("login --password changeme --json").json
    assert reply["code"] == 1204 and reply["access_token"] == stored_token(cli, suite)


def test_an_explicit_access_token_wins_over_the_stored_one(cli: Cli, account: str) -> None:
    cli.ok(f"login {account}")
    line = cli.fails(f"{COUNT} --access_token not-a-token")
    assert line == "aops: the access token is missing or malformed (code 1201: the session is invalid)"


def test_logout_ends_the_session_and_later_commands_fail_with_code_1201(
    suite: Suite, cli: Cli, account: str
) -> None:
    cli.ok(f"login {account}")
    token = stored_token(cli, suite)
    assert cli.ok("logout").out == f"logged out of {suite.manager_url}\n"
    assert not (cli.home / "sessions.json").exists()

    assert cli.fails(COUNT) == (
        f"aops: not logged in to {suite.manager_url}: run `aops login` or pass --access_token "
        "(code 1201: the session is invalid)"
    )
    line = cli.fails(f"{COUNT} --access_token {token}")
    assert "the session has ended" in line and line.endswith("(code 1201: the session is invalid)")
    assert cli.ok("logout").out == f"not logged in to {suite.manager_url}\n"


def test_a_wrong_password_fails_with_code_1200_and_stores_nothing(cli: Cli) -> None:
    line = cli.fails(f"login --username nobody{uuid.uuid4().hex[:6]} --password wrong")
    assert line.endswith("(code 1200: incorrect username or password)")
    assert not (cli.home / "sessions.json").exists()


def test_changing_the_password_ends_every_session(suite: Suite, cli: Cli) -> None:
    name, token = suite.add_user(password=PASSWORD)
    out = cli.ok(f"account --action change --password n3w-Passw0rd --access_token {token}").out
    assert out == "password changed; every session has ended, log in again with `aops login`\n"
    line = cli.fails(f"{COUNT} --access_token {token}")
    assert "the session has ended" in line and "(code 1201: " in line

    assert cli.ok(f"login --username {name} --password n3w-Passw0rd").err == ""
    cli.ok(COUNT)
    cli.ok("account --action change --old_password n3w-Passw0rd", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert not (cli.home / "sessions.json").exists()
    cli.ok(f"login --username {name} --password {PASSWORD}")


def test_an_older_session_must_give_the_old_password_and_the_cli_says_how(suite: Suite, cli: Cli) -> None:
    name, token = suite.add_user(password=PASSWORD)
    with sqlite3.connect(suite.conf_dir / "aops.db") as db:
        db.execute("UPDATE auth_session SET created_at = created_at - 301 WHERE username = ?", (name,))
    line = cli.fails(f"account --action change --password n3w-Passw0rd --access_token {token}")
    assert line.startswith("aops: old_password is required: this session was opened more than 300 s ago")
    assert line.endswith("(code 1000: request parameter error)")
    change = (
        f"account --action change --password n3w-Passw0rd --old_password {PASSWORD} --access_token {token}"
    )
    assert cli.ok(change).out.startswith("password changed")


def test_a_short_new_password_is_refused_with_the_minimum(suite: Suite, cli: Cli) -> None:
    _, token = suite.add_user(password=PASSWORD)
    line = cli.fails(f"account --action change --password Seven77 --access_token {token}")
    assert line == (
        "aops: the password must hold at least 8 characters (system.ini [auth] password_min_length) "
        "(code 1000: request parameter error)"
    )


def test_the_default_password_is_changed_right_after_the_first_login_as_the_manual_says(
    suite: Suite, tmp_path: Path
) -> None:
    """Last in this module: afterwards admin's password is no longer the default."""
    cli = Cli(suite.conf_dir, tmp_path / "admin-home")
    cli.ok("login --password changeme")
    cli.ok("account --action change --password Admin-pass1")
    assert cli.ok("login --password Admin-pass1").err == ""
    assert cli.ok(COUNT).out == "0 hosts\n"
