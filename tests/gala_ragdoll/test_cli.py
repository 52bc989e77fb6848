"""`aops conf` as a subprocess against gala-ragdoll beside a running suite."""

from __future__ import annotations

from pathlib import Path

from tests.aops_cli.conftest import Result
from tests.aops_cli.conftest import run_module
from tests.gala_ragdoll.serving import Served
from tests.suite import Suite


def test_conf_covers_domains_hosts_files_status_and_log(suite: Suite, served: Served, tmp_path: Path) -> None:
    user, token = suite.add_user()

    def aops(*argv: str) -> Result:
        env = {"AOPS_RAGDOLL_URL": served.url}
        return run_module(
            "aops_cli.main", suite.conf_dir, tmp_path, [*argv, "--access_token", token], env=env
        )

    assert aops("conf", "domain", "create", user).code == 0
    listed = aops("conf", "domain", "list", "--json")
    assert listed.code == 0 and listed.json["domains"] == [{"domainName": user, "priority": 0}], listed
    added = aops("conf", "host", "add", user, "h1", "h2")
    assert (added.code, added.out.strip()) == (0, "added 2 hosts"), added
    assert "h2" in aops("conf", "host", "list", user).out
    local = tmp_path / "motd"
    local.write_text("hello\n")
    assert (
        aops("conf", "file", "add", user, "/etc/motd", "--from-file", str(local), "--mode", "0644").code == 0
    )
    local.write_text("hello again\n")
    assert (
        aops("conf", "file", "add", user, "/etc/motd", "--from-file", str(local), "--reason", "why").code == 0
    )
    assert aops("conf", "file", "list", user, "--show", "/etc/motd").out == "hello again\n"
    log = aops("conf", "log", user)
    assert log.code == 0 and "-hello\n+hello again\n" in log.out, log
    expected = aops("conf", "expected", "--json").json["expectedConfs"]
    assert [d["domainName"] for d in expected] == [user]
    # The user never gave the manager their vault key: the check is refused, saying so.
    status = aops("conf", "status", user)
    assert status.code == 1 and "code 1203" in status.one_error_line(), status
    assert aops("conf", "status", user, "--kept", "--json").json["checkedAt"] is None
    assert aops("conf", "file", "delete", user, "/etc/motd").code == 0
    removed = aops("conf", "host", "delete", user, "h1", "nope")
    assert removed.code == 0 and "1 failed: nope" in removed.out, removed
    gone = aops("conf", "domain", "delete", user)
    assert (gone.code, gone.out.strip()) == (0, "deleted 1 domain"), gone
    refused = aops("conf", "host", "list", user)
    assert refused.code == 1 and "does not exist" in refused.one_error_line(), refused
