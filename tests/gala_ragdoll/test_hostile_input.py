"""gala-ragdoll against a hostile caller: names that climb out of the repository or into git's
own files, names git would read as options, another user's domain, bodies beyond the limits.
Each is refused with a 4xx naming the field, and the repository is left as it was."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gala_ragdoll.schemas import CONFS_MAX_BODY
from gala_ragdoll.schemas import MAX_CONTENT
from tests.conftest import suite_on
from tests.gala_ragdoll.serving import Served
from tests.gala_ragdoll.serving import ragdoll
from tests.suite import VAULT_KEY
from tests.suite import Suite

BAD_DOMAIN_NAMES = [
    "..",
    ".",
    "../escaped",
    "a/../../escaped",
    "/tmp/escaped",
    ".git",
    "a/b",
    "a\0b",
    "a\nb",
    "x" * 256,
    "",
    # Would be an option to git if a command took it before "--".
    "--output=escaped",
    "HEAD@{0}",
    "a..b~1^2:c",
]
BAD_FILE_PATHS = [
    "etc/motd",
    "/etc/../../../escaped",
    "/../escaped",
    "/etc/./motd",
    "//etc/motd",
    "/etc/motd/",
    "/etc/mo\0td",
    "/etc/mo\ntd",
    "/" + "x" * 4096,
    "",
    "/",
]
# A managed file whose path would land in git's own files of the repository (or a nested one).
GIT_PATHS = ["/.git/config", "/etc/.git/hooks/post-commit", "/etc/.GIT/config"]


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with suite_on("sqlite", tmp_path_factory.mktemp("ragsuite")) as running:
        yield running


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def served(suite: Suite, root: Path) -> Iterator[Served]:
    with ragdoll(suite, root / "repo") as running:
        yield running


def snapshot(root: Path) -> tuple[list[str], str]:
    """Every path under the test's directory (the repository and beside it) and git's HEAD."""
    paths = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    head = subprocess.run(
        ["git", "-C", str(root / "repo"), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    )
    return paths, head.stdout


def test_domain_names_that_leave_the_repository_or_confuse_git_are_refused(
    served: Served, suite: Suite, root: Path
) -> None:
    _, token = suite.add_user()
    before = snapshot(root)
    for name in BAD_DOMAIN_NAMES:
        status, reply = served.call("POST", "/domain/createDomain", [{"domainName": name}], token)
        assert 400 <= status < 500, (name, reply)
        assert reply.get("field", "0.domainName") in ("0.domainName", "domainName"), (name, reply)
        for method, path, body in (
            ("POST", "/host/getHost", {"domainName": name}),
            ("POST", "/management/getManagementConf", {"domainName": name}),
            ("PUT", "/confs/syncConf", {"domainName": name}),
            ("POST", "/confs/getDomainStatus", {"domainName": name}),
        ):
            status, reply = served.call(method, path, body, token)
            assert 400 <= status < 500 and reply["field"] == "domainName", (name, path, reply)
        status, reply = served.call("DELETE", "/domain/deleteDomain", {"domainName": [name]}, token)
        assert 400 <= status < 500, (name, reply)
    assert snapshot(root) == before


def test_file_paths_that_leave_the_domain_or_reach_git_are_refused(
    served: Served, suite: Suite, root: Path
) -> None:
    user, token = suite.add_user()
    assert served.call("POST", "/domain/createDomain", [{"domainName": user}], token)[0] == 200
    before = snapshot(root)
    for path in [*BAD_FILE_PATHS, *GIT_PATHS]:
        body = {"domainName": user, "confFiles": [{"filePath": path, "contents": "owned\n"}]}
        status, reply = served.call("POST", "/management/addManagementConf", body, token)
        assert 400 <= status < 500, (path, reply)
        assert reply["field"] == "confFiles.0.filePath", (path, reply)
        for method, route, other in (
            ("POST", "/management/queryManageConfChange", {"confFiles": [{"filePath": path}]}),
            ("DELETE", "/management/deleteManagementConf", {"confFiles": [{"filePath": path}]}),
            ("PUT", "/confs/syncConf", {"filePaths": [path], "dryRun": True}),
        ):
            status, reply = served.call(method, route, {"domainName": user, **other}, token)
            assert 400 <= status < 500, (path, route, reply)
    assert snapshot(root) == before
    assert not (root / "escaped").exists()


def test_a_long_but_legal_name_and_path_are_kept(served: Served, suite: Suite) -> None:
    _, token = suite.add_user()
    name = "d" * 255
    assert served.call("POST", "/domain/createDomain", [{"domainName": name}], token)[0] == 200
    path = "/etc/" + "/".join(["p" * 200] * 4) + "/f.conf"
    body = {"domainName": name, "confFiles": [{"filePath": path, "contents": "k = v\n"}]}
    status, reply = served.call("POST", "/management/addManagementConf", body, token)
    assert status == 200, reply
    status, reply = served.call("POST", "/management/getManagementConf", {"domainName": name}, token)
    assert [f["filePath"] for f in reply["confFiles"]] == [path], reply


def test_another_users_domain_cannot_be_read_changed_or_deleted(
    served: Served, suite: Suite, root: Path
) -> None:
    owner, mine = suite.add_user()
    _, theirs = suite.add_user()
    served.call("POST", "/domain/createDomain", [{"domainName": owner}], mine)
    body = {"domainName": owner, "confFiles": [{"filePath": "/etc/motd", "contents": "hello\n"}]}
    assert served.call("POST", "/management/addManagementConf", body, mine)[0] == 200
    before = snapshot(root)
    for method, path, attempt in (
        (
            "POST",
            "/management/addManagementConf",
            {**body, "confFiles": [{"filePath": "/etc/x", "contents": ""}]},
        ),
        (
            "DELETE",
            "/management/deleteManagementConf",
            {"domainName": owner, "confFiles": [{"filePath": "/etc/motd"}]},
        ),
        ("POST", "/management/queryManageConfChange", {"domainName": owner}),
        ("DELETE", "/host/deleteHost", {"domainName": owner, "hostInfos": [{"hostId": "h1"}]}),
        ("POST", "/confs/queryRealConfs", {"domainName": owner}),
        ("POST", "/confs/getDriftRecord", {"domainName": owner}),
    ):
        status, reply = served.call(method, path, attempt, theirs)
        assert (status, reply["field"]) == (403, "domainName"), (path, reply)
    status, reply = served.call("DELETE", "/domain/deleteDomain", {"domainName": [owner]}, theirs)
    assert (status, reply["fail_list"]) == (403, [owner]), reply
    # Nor does taking the same name make it theirs.
    status, reply = served.call("POST", "/domain/createDomain", [{"domainName": owner}], theirs)
    assert 400 <= status < 500, reply
    expected = served.call("POST", "/confs/queryExpectedConfs", None, theirs)[1]
    assert all(d["domainName"] != owner for d in expected["expectedConfs"]), expected
    assert snapshot(root) == before


def test_bodies_beyond_the_limits_are_refused_before_they_are_read(served: Served, suite: Suite) -> None:
    user, token = suite.add_user()
    served.call("POST", "/domain/createDomain", [{"domainName": user}], token)
    headers = {"access_token": token, "Content-Type": "application/json"}
    for path, size in (
        ("/host/getHost", 2 * 1024 * 1024),
        ("/management/addManagementConf", CONFS_MAX_BODY + 1),
    ):
        reply = requests.post(served.url + path, data=b" " * size, headers=headers, timeout=120)
        assert reply.status_code == 413, (path, reply.text[:200])
    too_big = {
        "domainName": user,
        "confFiles": [{"filePath": "/etc/big", "contents": "x" * (MAX_CONTENT + 1)}],
    }
    status, reply = served.call("POST", "/management/addManagementConf", too_big, token)
    assert (status, reply["field"]) == (400, "confFiles.0.contents"), reply
    many = {"domainName": user, "hostInfos": [{"hostId": f"h{i}"} for i in range(1001)]}
    status, reply = served.call("POST", "/host/addHost", many, token)
    assert (status, reply["field"]) == (400, "hostInfos"), reply


def test_another_users_host_in_ones_domain_is_never_reached(served: Served, suite: Suite) -> None:
    _, owner = suite.add_user()
    host_id = suite.add_host(owner)
    user, token = suite.add_user()
    assert suite.call("POST", "/manage/account/certificate", {"key": VAULT_KEY}, token)[0] == 200
    served.call("POST", "/domain/createDomain", [{"domainName": user}], token)
    # A host id is not secret; naming one keeps it in the domain, but the manager, asked as the
    # caller, knows no such host of theirs: nothing is collected from or written to it.
    assert (
        served.call("POST", "/host/addHost", {"domainName": user, "hostInfos": [{"hostId": host_id}]}, token)[
            0
        ]
        == 200
    )
    body = {"domainName": user, "confFiles": [{"filePath": "/etc/motd", "contents": "owned\n"}]}
    assert served.call("POST", "/management/addManagementConf", body, token)[0] == 200
    status, reply = served.call("PUT", "/confs/syncConf", {"domainName": user}, token)
    assert (status, reply["code"]) == (502, 1301), reply
    assert [r["reason"] for r in reply["syncResults"][0]["syncResult"]] == ["no such host"], reply
    status, reply = served.call("POST", "/confs/queryRealConfs", {"domainName": user}, token)
    assert status < 500 and "owned" not in str(reply), reply
