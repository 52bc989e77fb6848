"""Real configurations through the manager on SSH test hosts: a host in sync, one drifted, one
missing a file, one unreachable; status per key and attribute, sync with a dry run first, the
drift check with "drifted since". Each host sees its own files at `private_dir`."""

from __future__ import annotations

import os
import pwd
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gala_ragdoll.drift import check_every_domain
from tests import sshhosts
from tests.aops_manager.deploying import add_host
from tests.gala_ragdoll.serving import Served
from tests.suite import Suite

SYSCTL = "net.ipv4.ip_forward = 0\nkernel.panic = 10\n"
MOTD = "welcome\n"
# Read as sysctl by its path (*/sysctl.d/*.conf).
SYSCTL_FILE = "sysctl.d/99-aops.conf"


# The ragdoll of tests/gala_ragdoll/conftest.py is served on it.
@pytest.fixture(scope="module")
def suite(deploy_suite: Suite) -> Suite:
    return deploy_suite


def put(path: Path, text: str, mode: int = 0o644, owner: str = "root") -> None:
    path.write_text(text)
    path.chmod(mode)
    entry = pwd.getpwnam(owner)
    os.chown(path, entry.pw_uid, entry.pw_gid)


@pytest.fixture
def domain(suite: Suite, served: Served, deploy_hosts: sshhosts.SshHosts) -> Iterator[dict[str, Any]]:
    """A user's domain of four hosts managing sysctl.conf (mode 0644) and motd: the first host
    in sync, the second drifted (a value and the mode), the third without motd, the fourth
    unreachable. Deleted after the test: a drift check passes over every domain, each waiting
    out its unreachable host, so the earlier tests' domains would slow it."""
    # Emptied, not removed: the hosts see the directory itself through a bind mount.
    for host in deploy_hosts.hosts:
        for entry in host.private.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        (host.private / "sysctl.d").mkdir()
    first, second, third = (h.private for h in deploy_hosts.hosts)
    put(first / SYSCTL_FILE, SYSCTL)
    put(first / "motd", MOTD)
    put(second / SYSCTL_FILE, SYSCTL.replace("= 0", "= 1") + "# a comment\n", 0o600)
    put(second / "motd", MOTD)
    put(third / SYSCTL_FILE, SYSCTL)
    user, token = suite.add_user()
    added = [add_host(suite, token, deploy_hosts, h) for h in deploy_hosts.hosts]
    added.append(
        add_host(
            suite,
            token,
            deploy_hosts,
            deploy_hosts.hosts[0],
            address=deploy_hosts.unreachable_address,
            name="gone",
        )
    )
    ids = [a.host_id for a in added]
    served.call("POST", "/domain/createDomain", [{"domainName": user}], token)
    served.call(
        "POST", "/host/addHost", {"domainName": user, "hostInfos": [{"hostId": h} for h in ids]}, token
    )
    sysctl, motd = str(deploy_hosts.private_dir / SYSCTL_FILE), str(deploy_hosts.private_dir / "motd")
    confs = [{"filePath": sysctl, "contents": SYSCTL, "mode": "0644"}, {"filePath": motd, "hostId": ids[0]}]
    status, reply = served.call(
        "POST", "/management/addManagementConf", {"domainName": user, "confFiles": confs}, token
    )
    assert (status, reply["succeed_list"]) == (200, [sysctl, motd]), reply.get("detail")
    yield {"name": user, "token": token, "ids": ids, "sysctl": sysctl, "motd": motd}
    status, reply = served.call("DELETE", f"/domain/deleteDomain?domainName={user}", None, token)
    assert status == 200, reply


def by_path(host: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["filePath"]: f for f in host["syncStatus"]}


def test_a_file_from_a_host_keeps_its_content_and_attributes(served: Served, domain: dict[str, Any]) -> None:
    _, reply = served.call(
        "POST", "/management/getManagementConf", {"domainName": domain["name"]}, domain["token"]
    )
    files = {f["filePath"]: f for f in reply["confFiles"]}
    assert files[domain["motd"]] == {
        "filePath": domain["motd"],
        "contents": MOTD,
        "mode": "0644",
        "owner": "root",
        "group": "root",
    }


def test_the_status_tells_per_host_and_file_with_keys_attributes_and_unreachable_hosts(
    served: Served, domain: dict[str, Any]
) -> None:
    status, reply = served.call(
        "POST", "/confs/getDomainStatus", {"domainName": domain["name"]}, domain["token"]
    )
    assert status == 200, reply
    hosts = reply["hostStatus"]
    assert [h["hostId"] for h in hosts] == domain["ids"]
    synced, drifted, missing, gone = hosts
    sysctl, motd = domain["sysctl"], domain["motd"]
    assert {p: f["isSynced"] for p, f in by_path(synced).items()} == {
        sysctl: "SYNCHRONIZED",
        motd: "SYNCHRONIZED",
    }
    drift = by_path(drifted)[sysctl]
    assert drift["isSynced"] == "NOT SYNCHRONIZE" and drift["confType"] == "sysctl"
    # The comment is no drift; the value and the mode are.
    assert drift["diffKeys"] == [{"section": "", "key": "net.ipv4.ip_forward", "expected": "0", "real": "1"}]
    assert drift["diffAttributes"] == [{"name": "mode", "expected": "0644", "real": "0600"}]
    assert drift["driftedSince"] == reply["checkedAt"]
    assert (
        by_path(missing)[motd]["isSynced"] == "NOT FOUND"
        and by_path(missing)[motd]["reason"] == "no such file"
    )
    assert not gone["reachable"] and gone["reason"].startswith("the host is unreachable")
    assert {f["isSynced"] for f in gone["syncStatus"]} == {"NOT FOUND"}
    status, real = served.call(
        "POST",
        "/confs/queryRealConfs",
        {"domainName": domain["name"], "hostIds": [{"hostId": domain["ids"][1]}]},
        domain["token"],
    )
    (host,) = real["realConfs"]
    assert host["hostID"] == domain["ids"][1] and host["reachable"]
    assert {i["filePath"]: (i["fileAttr"], i["fileOwner"]) for i in host["confBaseInfos"]} == {
        sysctl: ("0600", "root"),
        motd: ("0644", "root"),
    }


def test_the_drift_check_keeps_when_each_file_drifted(
    served: Served, domain: dict[str, Any], deploy_hosts: sshhosts.SshHosts
) -> None:
    def sysctl_since() -> float | None:
        check_every_domain(served.state)
        kept = served.call("POST", "/confs/getDriftRecord", {"domainName": domain["name"]}, domain["token"])[
            1
        ]
        value: float | None = by_path(kept["hostStatus"][1])[domain["sysctl"]].get("driftedSince")
        return value

    on_host = deploy_hosts.hosts[1].private / SYSCTL_FILE
    since = sysctl_since()
    assert since is not None
    put(on_host, SYSCTL, 0o600)  # the value fixed, the mode still drifted: drifted since then
    assert sysctl_since() == since
    put(on_host, SYSCTL)
    assert sysctl_since() is None
    put(on_host, SYSCTL + "kernel.panic = 0\n")  # drifted again: since now
    again = sysctl_since()
    assert again is not None and again > since


def test_sync_shows_the_diff_first_then_writes_with_a_backup_per_host_and_file(
    served: Served, domain: dict[str, Any], deploy_hosts: sshhosts.SshHosts
) -> None:
    name, token, ids = domain["name"], domain["token"], domain["ids"]
    sysctl, motd = domain["sysctl"], domain["motd"]
    status, dry = served.call("PUT", "/confs/syncConf", {"domainName": name, "dryRun": True}, token)
    assert (status, dry["code"], dry["dryRun"]) == (207, 206, True), dry
    synced, drifted, missing, gone = dry["syncResults"]
    assert [f["changed"] for f in synced["syncResult"]] == [False, False]
    plan = {f["filePath"]: f for f in drifted["syncResult"]}
    assert "-net.ipv4.ip_forward = 1\n+net.ipv4.ip_forward = 0\n" in plan[sysctl]["diff"]
    assert plan[sysctl]["diffAttributes"] == [{"name": "mode", "from": "0600", "to": "0644"}]
    assert {f["filePath"]: f["changed"] for f in missing["syncResult"]}[motd] is True
    assert gone["syncStatus"] == "FAILED"
    # Nothing was written.
    assert (deploy_hosts.hosts[1].private / SYSCTL_FILE).stat().st_mode & 0o777 == 0o600

    status, done = served.call("PUT", "/confs/syncConf", {"domainName": name}, token)
    assert (status, done["code"]) == (207, 206), done
    results = {r["hostId"]: {f["filePath"]: f for f in r["syncResult"]} for r in done["syncResults"]}
    assert results[ids[1]][sysctl]["result"] == "SUCCESS" and results[ids[1]][sysctl]["changed"]
    backup = results[ids[1]][sysctl]["backup"]
    assert backup.startswith(sysctl + ".")
    assert results[ids[0]][sysctl] == {"filePath": sysctl, "result": "SUCCESS", "changed": False}
    assert results[ids[3]][sysctl]["result"] == "FAILED"
    assert results[ids[3]][sysctl]["reason"].startswith("the host is unreachable")
    written = deploy_hosts.hosts[1].private / SYSCTL_FILE
    assert written.read_text() == SYSCTL and written.stat().st_mode & 0o777 == 0o644
    kept = deploy_hosts.hosts[1].private / "sysctl.d" / Path(backup).name
    assert kept.read_text() == SYSCTL.replace("= 0", "= 1") + "# a comment\n"
    assert (deploy_hosts.hosts[2].private / "motd").read_text() == MOTD
    after = served.call("POST", "/confs/getDomainStatus", {"domainName": name}, token)[1]["hostStatus"]
    assert [{f["isSynced"] for f in h["syncStatus"]} for h in after[:3]] == [{"SYNCHRONIZED"}] * 3


def test_sync_of_a_host_not_the_users_fails_it_at_the_manager(
    served: Served, suite: Suite, domain: dict[str, Any], deploy_hosts: sshhosts.SshHosts
) -> None:
    _, other = suite.add_user()
    add_host(suite, other, deploy_hosts, deploy_hosts.hosts[2])  # their vault key in the manager's memory
    served.call("POST", "/domain/createDomain", [{"domainName": domain["name"] + "-x"}], other)
    body = {"domainName": domain["name"] + "-x", "hostInfos": [{"hostId": domain["ids"][0]}]}
    served.call("POST", "/host/addHost", body, other)
    served.call(
        "POST",
        "/management/addManagementConf",
        {"domainName": domain["name"] + "-x", "confFiles": [{"filePath": domain["motd"], "contents": "x\n"}]},
        other,
    )
    status, reply = served.call("PUT", "/confs/syncConf", {"domainName": domain["name"] + "-x"}, other)
    assert (status, reply["code"]) == (502, 1301), reply
    (result,) = reply["syncResults"]
    assert result["syncStatus"] == "FAILED", reply
    assert result["syncResult"][0]["reason"] == "no such host"
