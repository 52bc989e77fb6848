"""`aops login`/`logout`, the stored token and password changes, against a real manager."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator

import pytest
import requests

from tests.aops_cli.conftest import Api
from tests.aops_cli.conftest import Cli
from tests.suite import Suite

COUNT = "stat --action count --field host"


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


def test_commands_need_no_access_token_after_login(cli: Cli, name: str) -> None:
    cli.ok("login --password changeme")
    assert cli.ok(f"group --action add --host_group_name {name}").out == f"added host group {name}\n"
    assert name in cli.ok("group --action query --per_page 50").out
    assert cli.ok(COUNT).out == "0 hosts\n"


def test_login_reads_a_piped_password_without_echoing_it(suite: Suite, cli: Cli) -> None:
    result = cli.ok("login", stdin="changeme\n")
    assert "changeme" not in result.out + result.err
    assert stored_token(cli, suite)


def test_the_token_is_printed_only_when_asked(suite: Suite, cli: Cli) -> None:
    assert cli.ok("login --password changeme --print-token").out == stored_token(cli, suite) + "\n"
    reply = cli.ok("login --password changeme --json").json
    assert reply["code"] == 1204 and reply["access_token"] == stored_token(cli, suite)
    assert cli.ok(f"{COUNT} --json").json == {"code": 200, "msg": "operation succeed", "host_count": 0}


def test_an_explicit_access_token_wins_over_the_stored_one(cli: Cli) -> None:
    cli.ok("login --password changeme")
    line = cli.fails(f"{COUNT} --access_token not-a-token")
    assert line == "aops: the access token is missing or malformed (code 1201: the session is invalid)"


def test_logout_ends_the_session_and_later_commands_fail_with_code_1201(suite: Suite, cli: Cli) -> None:
    cli.ok("login --password changeme")
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
    assert cli.fails("login --password wrong").endswith("(code 1200: incorrect username or password)")
    assert not (cli.home / "sessions.json").exists()


@pytest.fixture
def restore_password(api: Api) -> Iterator[None]:
    yield
    # Other tests of this module log in with the default password: put it back if the test did not.
    reply = requests.post(
        f"{api.url}/manage/account/login", json={"username": "admin", "password": "n3w-Passw0rd"}, timeout=10
    ).json()
    if "access_token" in reply:
        Api(api.url, reply["access_token"]).call("/manage/account/change", {"password": "changeme"})


def test_changing_the_password_ends_every_session(cli: Cli, api: Api, restore_password: None) -> None:
    out = cli.ok(f"account --action change --password n3w-Passw0rd --access_token {api.token}").out
    assert out == "password changed; every session has ended, log in again with `aops login`\n"
    line = cli.fails(f"{COUNT} --access_token {api.token}")
    assert "the session has ended" in line and "(code 1201: " in line

    assert cli.ok("login --password n3w-Passw0rd").err == ""  # no default-password warning any more
    cli.ok(COUNT)
    cli.ok("account --action change --old_password n3w-Passw0rd", stdin="changeme\n")
    assert not (cli.home / "sessions.json").exists()
    cli.ok("login --password changeme")
