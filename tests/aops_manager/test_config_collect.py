"""/manage/config/collect on real SSH test hosts: every file of every host, or why not."""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

import pytest

from aops_utils.auth import TokenCodec
from tests import sshhosts
from tests.aops_manager.deploying import Added
from tests.aops_manager.deploying import add_host
from tests.suite import Suite


def write(path: Path, text: str, mode: int, owner: str = "root") -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    entry = pwd.getpwnam(owner)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    return str(path)


@pytest.fixture
def files(deploy_hosts: sshhosts.SshHosts) -> dict[str, str]:
    """Configuration files in the first two test hosts' roots."""
    first, second = deploy_hosts.hosts[0].root, deploy_hosts.hosts[1].root
    for root in (first, second):
        shutil.rmtree(root / "etc", ignore_errors=True)
    return {
        "a": write(first / "etc" / "a.conf", "alpha=1\n", 0o640),
        "a2": write(first / "etc" / "app" / "a2.ini", "[s]\nk = v\n", 0o600, deploy_hosts.user),
        "b": write(second / "etc" / "b.conf", "beta ünïcode\n", 0o644),
        "missing": str(first / "etc" / "missing.conf"),
        "directory": str(first / "etc" / "app"),
    }


def collect(suite: Suite, token: str, infos: list[dict[str, object]]) -> tuple[int, dict[str, object]]:
    return suite.call("POST", "/manage/config/collect", {"infos": infos}, token)


def two_hosts(suite: Suite, token: str, hosts: sshhosts.SshHosts) -> tuple[Added, Added]:
    return add_host(suite, token, hosts, hosts.hosts[0]), add_host(
        suite, token, hosts, hosts.hosts[1], auth="key"
    )


def test_every_file_of_every_host_is_read_with_its_mode_owner_and_group(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts, files: dict[str, str]
) -> None:
    a, b = two_hosts(deploy_suite, deploy_token, deploy_hosts)
    status, reply = collect(
        deploy_suite,
        deploy_token,
        [
            {"host_id": a.host_id, "config_list": [files["a"], files["a2"]]},
            {"host_id": b.host_id, "config_list": [files["b"]]},
        ],
    )
    assert (status, reply["code"], reply["msg"]) == (200, 200, "operation succeed"), reply
    assert reply["succeed_list"] == [a.host_id, b.host_id] and reply["fail_list"] == []
    first, second = reply["resp"]  # type: ignore[misc]
    assert first["host_id"] == a.host_id and first["fail_files"] == [] and first["fail_reasons"] == {}
    assert first["success_files"] == [files["a"], files["a2"]]
    assert first["infos"] == [
        {
            "path": files["a"],
            "file_attr": {"mode": "0640", "owner": "root", "group": "root"},
            "content": "alpha=1\n",
        },
        {
            "path": files["a2"],
            "file_attr": {"mode": "0600", "owner": deploy_hosts.user, "group": deploy_hosts.user},
            "content": "[s]\nk = v\n",
        },
    ]
    assert second["infos"] == [
        {
            "path": files["b"],
            "file_attr": {"mode": "0644", "owner": "root", "group": "root"},
            "content": "beta ünïcode\n",
        }
    ]


def test_a_missing_file_a_directory_and_an_unknown_host_are_failures_with_their_reasons(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts, files: dict[str, str]
) -> None:
    a, b = two_hosts(deploy_suite, deploy_token, deploy_hosts)
    unknown = "f" * 32
    status, reply = collect(
        deploy_suite,
        deploy_token,
        [
            {"host_id": a.host_id, "config_list": [files["a"], files["missing"], files["directory"]]},
            {"host_id": b.host_id, "config_list": [files["b"]]},
            {"host_id": unknown, "config_list": [files["a"]]},
        ],
    )
    assert (status, reply["code"], reply["msg"]) == (207, 206, "partial succeed"), reply
    assert reply["succeed_list"] == [b.host_id] and reply["fail_list"] == [a.host_id, unknown]
    first, second, third = reply["resp"]  # type: ignore[misc]
    assert first["success_files"] == [files["a"]] and [i["content"] for i in first["infos"]] == ["alpha=1\n"]
    assert first["fail_files"] == [files["missing"], files["directory"]]
    assert first["fail_reasons"] == {
        files["missing"]: "no such file",
        files["directory"]: "not a regular file",
    }
    assert second["success_files"] == [files["b"]]
    assert third == {
        "host_id": unknown,
        "infos": [],
        "success_files": [],
        "fail_files": [files["a"]],
        "fail_reasons": {files["a"]: "no such host"},
    }


def test_an_unreachable_host_fails_all_its_files(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts, files: dict[str, str]
) -> None:
    nowhere = add_host(
        deploy_suite,
        deploy_token,
        deploy_hosts,
        deploy_hosts.hosts[0],
        address=deploy_hosts.unreachable_address,
    )
    status, reply = collect(
        deploy_suite, deploy_token, [{"host_id": nowhere.host_id, "config_list": [files["a"], files["b"]]}]
    )
    assert (status, reply["code"]) == (207, 206), reply
    resp = reply["resp"][0]  # type: ignore[index]
    assert resp["fail_files"] == [files["a"], files["b"]]
    assert all(r.startswith("the host is unreachable: ") for r in resp["fail_reasons"].values()), resp[
        "fail_reasons"
    ]


def test_a_service_may_collect_for_a_user_and_nobody_else_may(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts, files: dict[str, str]
) -> None:
    a = add_host(deploy_suite, deploy_token, deploy_hosts, deploy_hosts.hosts[0])
    username = deploy_suite.codec().decode(deploy_token).subject
    codec: TokenCodec = deploy_suite.codec()
    acting, _ = codec.issue_service("gala-ragdoll", "aops-manager", 300, acting=username)
    body = [{"host_id": a.host_id, "config_list": [files["a"]]}]
    status, reply = collect(deploy_suite, acting, body)
    assert (status, reply["code"]) == (200, 200), reply
    assert reply["resp"][0]["infos"][0]["content"] == "alpha=1\n"  # type: ignore[index]
    nobody, _ = codec.issue_service("gala-ragdoll", "aops-manager", 300)
    for token in (nobody, None, "not-a-token"):
        status, reply = collect(deploy_suite, token, body)  # type: ignore[arg-type]
        assert (status, reply["code"]) == (401, 1201), reply
    # Another user's hosts are not theirs to read.
    _, other = deploy_suite.add_user()
    add_host(deploy_suite, other, deploy_hosts, deploy_hosts.hosts[2])
    status, reply = collect(deploy_suite, other, body)
    assert reply["resp"][0]["fail_reasons"] == {files["a"]: "no such host"}, reply  # type: ignore[index]


def test_collect_needs_the_vault_key_and_names_a_bad_field(deploy_suite: Suite, deploy_token: str) -> None:
    _, keyless = deploy_suite.add_user()
    status, reply = collect(deploy_suite, keyless, [{"host_id": "a" * 32, "config_list": ["/etc/hosts"]}])
    assert (status, reply["code"]) == (403, 1203), reply
    for infos, field in (
        ([], "infos"),
        ([{"host_id": "a" * 32, "config_list": ["etc/hosts"]}], "infos.0.config_list.0"),
        ([{"host_id": "a" * 32}], "infos.0.config_list"),
        ([{"host_id": "a" * 32, "config_list": ["/etc/a\nb"]}], "infos.0.config_list.0"),
    ):
        status, reply = collect(deploy_suite, deploy_token, infos)
        assert (status, reply["code"], reply["field"]) == (400, 1000, field), reply


def test_each_file_is_judged_on_its_own_in_the_one_read_of_its_host(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts, files: dict[str, str]
) -> None:
    """The size bound (1 MiB by default) at its edge, links followed, and a path that cannot be
    examined: each file's own result, the host's other files read all the same."""
    a = add_host(deploy_suite, deploy_token, deploy_hosts, deploy_hosts.hosts[0])
    etc = Path(files["a"]).parent
    edge = write(etc / "edge.conf", "e" * (1 << 20), 0o600)
    big = write(etc / "big.conf", "b" * ((1 << 20) + 1), 0o644)
    (etc / "link.conf").symlink_to(files["a"])
    (etc / "dangling.conf").symlink_to(etc / "gone.conf")
    below_a_file = files["a"] + "/x"
    # The paths reach the module as JSON written into its source: quotes, backslashes and the like.
    odd = write(etc / "q\"u'o\\t\"\"\"e''' $HOME {{ x }} é.conf", "odd=1\n", 0o644)
    paths = [big, files["a"], str(etc / "link.conf"), str(etc / "dangling.conf"), below_a_file, edge, odd]
    status, reply = collect(deploy_suite, deploy_token, [{"host_id": a.host_id, "config_list": paths}])
    assert (status, reply["code"]) == (207, 206), reply
    resp = reply["resp"][0]  # type: ignore[index]
    assert resp["success_files"] == [files["a"], str(etc / "link.conf"), edge, odd], resp["fail_reasons"]
    assert [(i["file_attr"]["mode"], len(i["content"])) for i in resp["infos"]] == [
        ("0640", 8),
        ("0640", 8),
        ("0600", 1 << 20),
        ("0644", 6),
    ]
    assert resp["fail_reasons"] == {
        big: "larger than 1048576 bytes (manager.ini [deploy] collect_max_bytes)",
        str(etc / "dangling.conf"): "no such file",
        below_a_file: "Not a directory",
    }
