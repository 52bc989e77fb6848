"""Vault keys: a minimum length, and a time in the manager's memory that ends at expiry, logout
and password change."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from aops_manager import vault
from aops_manager.keyring import Keyring
from tests.aops_manager.audit import records
from tests.aops_manager.factories import KEY
from tests.aops_manager.factories import add
from tests.aops_manager.factories import count
from tests.aops_manager.factories import group
from tests.aops_manager.factories import host
from tests.conftest import mariadb_suite
from tests.suite import Suite
from tests.suite import data_call

CERTIFY = "/manage/account/certificate"


def keyring(suite: Suite) -> Keyring:
    found: Keyring = suite.servers["manager_app"].extensions["aops_manager"].keyring
    return found


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AOPS_MANAGER__MANAGER__VAULT_KEY_TTL", "2")
        with mariadb_suite(tmp_path_factory.mktemp("keys")) as running:
            yield running


def test_a_first_key_shorter_than_twelve_characters_is_refused_naming_the_field(
    suite: Suite, user: tuple[str, str]
) -> None:
    name, token = user
    status, body = suite.call("POST", CERTIFY, {"key": "eleven-char"}, token)
    assert (status, body["code"], body["field"]) == (400, 1000, "key")
    assert "at least 12 characters" in str(body["detail"])
    g = group(suite, token)
    status, body = add(suite, token, host(g), key="eleven-char")
    assert (status, body["code"], body["field"]) == (400, 1000, "key")
    assert count(suite, token) == 0
    assert keyring(suite).key_of(name) is None
    assert suite.call("POST", CERTIFY, {"key": "twelve-chars"}, token)[1]["code"] == 200
    assert keyring(suite).key_of(name) == "twelve-chars"


def test_a_held_key_leaves_memory_when_its_time_is_up(suite: Suite, user: tuple[str, str]) -> None:
    name, token = user
    assert suite.call("POST", CERTIFY, {"key": KEY}, token)[1]["code"] == 200
    assert keyring(suite).key_of(name) == KEY
    time.sleep(2.5)
    assert keyring(suite).key_of(name) is None
    dropped = [r for r in records(suite, "manager") if r["user"] == name and r["event"] == "key_dropped"]
    assert [r["reason"] for r in dropped] == ["expired"]


def test_a_key_given_again_gets_its_full_time_again(suite: Suite, user: tuple[str, str]) -> None:
    name, token = user
    suite.call("POST", CERTIFY, {"key": KEY}, token)
    time.sleep(1.5)
    suite.call("POST", CERTIFY, {"key": KEY}, token)
    time.sleep(1.0)  # past the first key's time, within the second's
    assert keyring(suite).key_of(name) == KEY


def test_logout_drops_the_users_key(suite: Suite, user: tuple[str, str]) -> None:
    name, token = user
    suite.call("POST", CERTIFY, {"key": KEY}, token)
    assert suite.call("POST", "/manage/account/logout", token=token)[1]["code"] == 200
    assert keyring(suite).key_of(name) is None
    assert [
        r["reason"] for r in records(suite, "manager") if r["user"] == name and r["event"] == "key_dropped"
    ] == ["logout"]


def test_a_password_change_drops_the_users_key(suite: Suite, user: tuple[str, str]) -> None:
    name, token = user
    suite.call("POST", CERTIFY, {"key": KEY}, token)
    assert suite.call("POST", "/manage/account/change", {"password": "Other-pass1"}, token)[1]["code"] == 200
    assert keyring(suite).key_of(name) is None


def test_a_short_key_that_opens_credentials_stored_before_the_minimum_is_still_taken(
    suite: Suite, user: tuple[str, str]
) -> None:
    name, token = user
    g = group(suite, token)
    # A host whose credentials were stored with a 4-character key, before any minimum applied.
    stored = {
        "host_list": [
            {
                "host_id": uuid.uuid4().hex,
                "host_name": "old",
                "host_group_name": g,
                "public_ip": "10.200.0.1",
                "ssh_port": 22,
                "management": False,
                "credential": 0,
            }
        ],
        "credentials": [vault.encrypt("old!", vault.credential_vars("root", "pw", None, None))],
    }
    status, reply = data_call(suite, "/data/host/add", stored, token=suite.service_token(name))
    assert status == 200, reply
    assert suite.call("POST", CERTIFY, {"key": "old!"}, token)[1]["code"] == 200
    status, body = suite.call("POST", CERTIFY, {"key": "some-other-key"}, token)
    assert (status, body["code"]) == (403, 1203)
    assert keyring(suite).key_of(name) == "old!"
