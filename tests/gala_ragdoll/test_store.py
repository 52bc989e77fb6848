"""The git store of expected configurations, on real git: commits, owners, history, locking."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from gala_ragdoll.store import ConfigRepository
from gala_ragdoll.store import DomainExists
from gala_ragdoll.store import DomainNotFound
from gala_ragdoll.store import ExpectedFile
from gala_ragdoll.store import FileAttributes
from gala_ragdoll.store import ForeignDomain
from gala_ragdoll.store import HostRecord
from gala_ragdoll.store import InvalidName

SSHD = "Port 22\r\nPermitRootLogin no"  # CRLF and no final newline: kept byte for byte


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "confTrace"


@pytest.fixture
def repo(root: Path) -> ConfigRepository:
    repository = ConfigRepository(root, "aops", "aops@localhost")
    repository.open("admin")
    return repository


def test_creating_a_domain_is_a_commit_authored_by_the_user_and_committed_by_the_service(
    repo: ConfigRepository, root: Path
) -> None:
    outcome = repo.create_domain("web", "alice", priority=2)
    assert outcome.commit == git(root, "rev-parse", "HEAD").strip()
    assert (
        git(root, "log", "-1", "--format=%an|%ae|%cn|%ce|%s")
        == "alice||aops|aops@localhost|Create domain web\n"
    )
    assert [(d.name, d.owner, d.priority) for d in repo.domains("alice")] == [("web", "alice", 2)]
    with pytest.raises(DomainExists):
        repo.create_domain("web", "bob")


@pytest.mark.parametrize("name", ["", ".git", "..", "a/b", "a b", "x" * 256, "..hidden"])
def test_a_domain_name_21_09_would_refuse_or_that_escapes_the_repository_is_refused(
    repo: ConfigRepository, name: str
) -> None:
    with pytest.raises(InvalidName) as caught:
        repo.create_domain(name, "alice")
    assert caught.value.field == "domainName"


def test_another_user_s_domain_is_neither_listed_read_nor_changed(repo: ConfigRepository) -> None:
    repo.create_domain("web", "alice")
    assert repo.domains("bob") == []
    for attempt in (
        lambda: repo.hosts("web", "bob"),
        lambda: repo.files("web", "bob"),
        lambda: repo.add_hosts("web", "bob", [HostRecord("h1")]),
        lambda: repo.put_files("web", "bob", [ExpectedFile("/etc/motd", "hi\n")]),
        lambda: repo.delete_domain("web", "bob"),
    ):
        with pytest.raises(ForeignDomain):
            attempt()
    with pytest.raises(DomainNotFound):
        repo.hosts("nowhere", "alice")


def test_hosts_are_matched_by_their_whole_id_not_a_substring(repo: ConfigRepository, root: Path) -> None:
    repo.create_domain("web", "alice")
    outcome = repo.add_hosts("web", "alice", [HostRecord("h10", "10.0.0.10"), HostRecord("h1", "10.0.0.1")])
    assert outcome.done == ("h10", "h1")
    again = repo.add_hosts("web", "alice", [HostRecord("h1"), HostRecord("h2", ipv6="::2")])
    assert (again.done, again.skipped) == (("h2",), {"h1": "already in the domain"})
    assert git(root, "log", "-1", "--format=%s") == "Add hosts h2 to domain web\n"
    removed = repo.remove_hosts("web", "alice", ["h1", "h3"])
    assert (removed.done, removed.skipped) == (("h1",), {"h3": "not in the domain"})
    assert repo.hosts("web", "alice") == [HostRecord("h10", "10.0.0.10"), HostRecord("h2", None, "::2")]
    assert repo.add_hosts("web", "alice", [HostRecord("h2")]).commit is None


def test_expected_files_come_back_byte_for_byte_with_their_attributes(
    repo: ConfigRepository, root: Path
) -> None:
    repo.create_domain("web", "alice")
    attributes = FileAttributes("0600", "root", "root")
    outcome = repo.put_files(
        "web",
        "alice",
        [ExpectedFile("/etc/ssh/sshd_config", SSHD, attributes), ExpectedFile("/etc/motd", "")],
        reason="harden ssh",
    )
    assert outcome.done == ("/etc/ssh/sshd_config", "/etc/motd")
    assert git(root, "log", "-1", "--format=%B").strip() == (
        "Manage /etc/ssh/sshd_config, /etc/motd in domain web\n\nharden ssh"
    )
    assert repo.files("web", "alice") == [
        ExpectedFile("/etc/motd", ""),
        ExpectedFile("/etc/ssh/sshd_config", SSHD, attributes),
    ]
    assert (root / "web/files/etc/ssh/sshd_config").read_bytes() == SSHD.encode()
    unchanged = repo.put_files("web", "alice", [ExpectedFile("/etc/ssh/sshd_config", SSHD, attributes)])
    assert (unchanged.commit, unchanged.skipped) == (None, {"/etc/ssh/sshd_config": "unchanged"})


@pytest.mark.parametrize("path", ["etc/motd", "/etc/../root/x", "/etc/", "/etc//motd", "/etc/a\nb"])
def test_a_path_that_is_not_absolute_and_normalised_is_refused(repo: ConfigRepository, path: str) -> None:
    repo.create_domain("web", "alice")
    with pytest.raises(InvalidName) as caught:
        repo.put_files("web", "alice", [ExpectedFile(path, "x")])
    assert caught.value.field == "filePath"


def test_the_change_log_tells_who_when_why_and_the_diff_of_each_change(
    repo: ConfigRepository, root: Path
) -> None:
    repo.create_domain("web", "alice")
    repo.put_files("web", "alice", [ExpectedFile("/etc/sysctl.conf", "a = 1\n")], reason="first")
    repo.put_files("web", "alice", [ExpectedFile("/etc/sysctl.conf", "a = 2\n")], reason="raise a")
    repo.remove_files("web", "alice", ["/etc/sysctl.conf"], reason="not ours")
    log = repo.change_log("web", "alice", "/etc/sysctl.conf")
    assert [(c.author, c.reason.split("\n")[-1], c.pre, c.post) for c in log] == [
        ("alice", "not ours", "a = 2\n", None),
        ("alice", "raise a", "a = 1\n", "a = 2\n"),
        ("alice", "first", None, "a = 1\n"),
    ]
    assert log[1].diff.splitlines()[2:] == ["@@ -1 +1 @@", "-a = 1", "+a = 2"]
    assert log[0].date.startswith(git(root, "log", "-1", "--format=%aI").strip()[:10])
    # History is read from the commits: the work tree stays on its branch and clean.
    assert git(root, "symbolic-ref", "--short", "HEAD").strip() in ("master", "main")
    assert git(root, "status", "--porcelain") == ""


def test_a_domain_made_again_after_deletion_starts_a_new_history(repo: ConfigRepository) -> None:
    repo.create_domain("web", "alice")
    repo.put_files("web", "alice", [ExpectedFile("/etc/motd", "old\n")])
    repo.delete_domain("web", "alice")
    repo.create_domain("web", "bob")
    repo.put_files("web", "bob", [ExpectedFile("/etc/motd", "new\n")])
    assert [(c.author, c.pre, c.post) for c in repo.change_log("web", "bob", "/etc/motd")] == [
        ("bob", None, "new\n")
    ]


def test_what_a_crashed_write_left_in_the_work_tree_is_not_committed(
    repo: ConfigRepository, root: Path
) -> None:
    repo.create_domain("web", "alice")
    (root / "web/files/etc").mkdir(parents=True)
    (root / "web/files/etc/half-written").write_text("junk")
    repo.add_hosts("web", "alice", [HostRecord("h1")])
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["web/hostRecord.txt"]
    assert repo.files("web", "alice") == []


def test_concurrent_writers_to_one_domain_lose_nothing_and_never_corrupt_the_repository(
    repo: ConfigRepository, root: Path
) -> None:
    repo.create_domain("web", "alice")
    # A second instance stands for a second uWSGI process: only the lock file orders the two.
    other = ConfigRepository(root, "aops", "aops@localhost")
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        store = repo if worker % 2 else other
        try:
            for i in range(4):
                store.add_hosts("web", "alice", [HostRecord(f"h{worker}-{i}")])
                store.put_files("web", "alice", [ExpectedFile(f"/etc/app/{worker}.conf", f"n = {i}\n")])
                store.files("web", "alice")
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(repo.hosts("web", "alice")) == 24
    assert {f.path: f.content for f in repo.files("web", "alice")} == {
        f"/etc/app/{n}.conf": "n = 3\n" for n in range(6)
    }
    assert int(git(root, "rev-list", "--count", "HEAD")) == 2 + 48
    git(root, "fsck", "--strict", "--no-progress")
    assert git(root, "status", "--porcelain") == ""
