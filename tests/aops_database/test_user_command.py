"""`aops-database user add|list|passwd|delete`: users are administered on the database host only,
as processes on the running suite's MariaDB and ES-API stores."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from aops_database.app import HOST_INFO_INDEX
from aops_database.services.abnormal import ABNORMAL_INDEX
from aops_database.services.check_results import RESULT_INDEX
from aops_utils.docstore.protocol import Term
from tests.aops_database.test_check_results import result
from tests.suite import Suite
from tests.suite import data_call

COMMAND = str(Path(sys.executable).parent / "aops-database")


def user(suite: Suite, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AOPS_")}
    env["AOPS_CONF_DIR"] = str(suite.conf_dir)
    done = subprocess.run(
        [COMMAND, "user", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert (done.returncode == 0) is ok, (done.returncode, done.stdout, done.stderr)
    return done


def login(suite: Suite, name: str, password: str) -> tuple[int, dict[str, object]]:
    return suite.call("POST", "/manage/account/login", {"username": name, "password": password})


def test_add_creates_a_user_who_logs_in_and_list_shows_their_sessions(suite: Suite) -> None:
    name = f"u{uuid.uuid4().hex[:12]}"
    assert user(suite, "add", name, "--password", "Passw0rd!").stdout == f"created user {name}\n"
    status, reply = login(suite, name, "Passw0rd!")
    assert (status, reply["code"]) == (200, 200), reply
    rows = {line.split()[0]: line.split() for line in user(suite, "list").stdout.splitlines()[1:]}
    assert rows[name][3:] == ["1", "set"] and rows["admin"][-3:] == ["must", "be", "changed"]
    again = user(suite, "add", name, "--password", "Other-pass1", ok=False)
    assert f"user {name} already exists" in again.stderr


def test_add_refuses_a_bad_name_naming_the_field_and_creates_nothing(suite: Suite) -> None:
    long = "x" * 41
    refused = user(suite, "add", long, "--password", "Passw0rd!", ok=False)
    assert "username" in refused.stderr and refused.returncode == 2
    assert long not in user(suite, "list").stdout


def test_passwd_ends_every_session_at_once_and_temporary_asks_for_a_change(suite: Suite) -> None:
    name, token = suite.add_user(password="Old-pass1")
    assert data_call(suite, "/data/host/count", token=token)[0] == 200
    user(suite, "passwd", name, "--password", "New-pass2")
    # At once at the data center (a manager may answer a listing it read for this session from
    # its cache for up to [manager] read_cache_seconds; this change did not pass through it).
    assert data_call(suite, "/data/host/count", token=token)[0] == 401
    assert login(suite, name, "Old-pass1")[1]["code"] == 1200
    assert login(suite, name, "New-pass2")[1]["code"] == 200
    user(suite, "passwd", name, "--password", "Temp-pass3", "--temporary")
    assert login(suite, name, "Temp-pass3")[1]["code"] == 1204
    assert "does not exist" in user(suite, "passwd", "nobody-here", "--password", "Pw-12345", ok=False).stderr


def test_delete_removes_the_user_with_its_hosts_and_ends_its_sessions(suite: Suite) -> None:
    name, token = suite.add_user()
    host_id = suite.add_host(token, ip="10.77.0.1")
    saved = {"host_infos": [{"host_id": host_id, "infos": {"os": "x"}}]}
    assert data_call(suite, "/data/host/info/save", saved, token=suite.service_token())[0] == 200
    results = {"check_results": [result("10.77.0.1", "r1", 1000, 1060)]}
    assert data_call(suite, "/data/check/result/save", results, token=token)[0] == 200
    center = suite.servers["database_app"][0].extensions["aops_database"]
    docs = center.docs
    assert docs.count(RESULT_INDEX, [Term("username", name)]) == 1
    assert center.abnormal.count(ABNORMAL_INDEX, [Term("username", name)]) == 1
    _other, other_token = suite.add_user()
    other_host = suite.add_host(other_token, ip="10.77.0.1")

    assert user(suite, "delete", name, "--yes").stdout == f"deleted user {name} and its 1 host(s)\n"
    assert data_call(suite, "/data/host/count", token=token)[0] == 401
    assert login(suite, name, "Passw0rd!")[1]["code"] == 1200
    assert docs.get(HOST_INFO_INDEX, host_id) is None
    assert docs.count(RESULT_INDEX, [Term("username", name)]) == 0
    assert center.abnormal.count(ABNORMAL_INDEX, [Term("username", name)]) == 0
    # The other user's host at the same address is theirs still.
    _, listing = suite.call("POST", "/manage/host/get", {}, other_token)
    assert [h["host_id"] for h in listing["host_infos"]] == [other_host], listing  # type: ignore[union-attr]
    assert "does not exist" in user(suite, "delete", name, "--yes", ok=False).stderr
    assert name not in user(suite, "list").stdout
