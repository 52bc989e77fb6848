"""A repository written by 21.09's gala-ragdoll is adopted: domains, hosts, files and history."""

from __future__ import annotations

import json
import pprint
import shutil
import subprocess
from pathlib import Path

from gala_ragdoll.parsers import parse
from gala_ragdoll.store import ConfigRepository
from gala_ragdoll.store import HostRecord

HOSTS = [
    {"host_id": "551d02da-7d8c-4357-b88d-15dc55ee22ss", "ip": "210.22.22.155", "ipv6": None},
    {"host_id": "551d02da-7d8c-4357-b88d-15dc55ee22cc", "ip": "210.22.22.156", "ipv6": None},
]
REPO_JSON = {
    "snn": {
        "name": "snn",
        "baseurl": "https://repo.huaweicloud.com/openeuler/openEuler-20.03-LTS-SP1/everything/x86_64/",
        "enabled": "1",
        "gpgcheck": "0",
    }
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def write_2109_repository(root: Path) -> None:
    """What 21.09 left: commits by its configured user, `git add .` of its work tree, a domain
    created without a commit and one deleted without a commit."""
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.name", "orange-snn")
    git(root, "config", "user.email", "songnannan2@huawei.com")
    (root / "dnf" / "yum").mkdir(parents=True)
    (root / "dnf" / "hostRecord.txt").write_text("".join(json.dumps(pprint.pformat(h)) + "\n" for h in HOSTS))
    (root / "gone").mkdir()
    (root / "gone" / "hostRecord.txt").write_text(json.dumps(pprint.pformat(HOSTS[0])) + "\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "Add the host in dnf domian, the host including : ['551d02da']")
    (root / "dnf" / "yum" / "openEuler.repo").write_text(
        json.dumps(REPO_JSON, indent=4, ensure_ascii=False) + "\n"
    )
    (root / "dnf" / "nginx").mkdir()
    (root / "dnf" / "nginx" / "nginx.conf").write_text("{}")
    git(root, "add", ".")
    git(
        root,
        "commit",
        "-q",
        "-m",
        "Add the conf in dnf domian, the path including : /etc/yum.repos.d/openEuler.repo ",
    )
    (root / "ll").mkdir()
    shutil.rmtree(root / "gone")


def test_a_21_09_repository_is_adopted_in_one_commit_with_its_domains_hosts_and_files(tmp_path: Path) -> None:
    root = tmp_path / "confTraceTest"
    write_2109_repository(root)
    repo = ConfigRepository(root, "aops", "aops@localhost")
    outcome = repo.open("admin")
    assert outcome.done == ("dnf", "ll")
    assert outcome.skipped == {"dnf/nginx": "left as it was: a YANG module this version does not know"}
    assert git(root, "log", "-1", "--format=%an|%s") == "aops|Adopt the 21.09 domains dnf, ll (owner admin)\n"
    assert git(root, "status", "--porcelain") == ""
    assert [d.name for d in repo.domains("admin")] == ["dnf", "ll"]
    # 21.09 deleted "gone" from the work tree only; the adoption commit records it.
    assert "gone" not in git(root, "ls-tree", "--name-only", "HEAD").split()
    assert repo.hosts("dnf", "admin") == [HostRecord(h["host_id"], h["ip"]) for h in HOSTS]
    (expected,) = repo.files("dnf", "admin")
    assert expected.path == "/etc/yum.repos.d/openEuler.repo"
    assert parse(expected.path, expected.content).sections() == REPO_JSON
    # Opening again finds nothing left to adopt.
    assert repo.open("admin").commit is None


def test_the_change_log_of_an_adopted_file_goes_back_to_its_21_09_commits(tmp_path: Path) -> None:
    root = tmp_path / "confTraceTest"
    write_2109_repository(root)
    repo = ConfigRepository(root, "aops", "aops@localhost")
    repo.open("admin")
    log = repo.change_log("dnf", "admin", "/etc/yum.repos.d/openEuler.repo")
    assert [c.author for c in log] == ["aops", "orange-snn"]
    assert log[1].reason.startswith("Add the conf in dnf domian")
    assert (log[1].pre, json.loads(log[1].post or "")) == (None, REPO_JSON)
    assert log[0].pre == log[1].post and log[0].post is not None and log[0].post.startswith("[snn]\n")
