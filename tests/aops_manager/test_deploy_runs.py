"""Deployment runs on real SSH test hosts through real ansible-runner, states in MariaDB."""

from __future__ import annotations

import shutil
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests import sshhosts
from tests.aops_manager.deploying import Added
from tests.aops_manager.deploying import add_host
from tests.aops_manager.deploying import execute
from tests.aops_manager.deploying import hosts_of
from tests.aops_manager.deploying import step_status
from tests.aops_manager.deploying import template
from tests.aops_manager.deploying import wait_run
from tests.suite import Suite


@pytest.fixture
def suite(deploy_suite: Suite) -> Suite:
    return deploy_suite


@pytest.fixture
def token(deploy_token: str) -> str:
    return deploy_token


@pytest.fixture
def hosts(deploy_hosts: sshhosts.SshHosts, clean_roots: None) -> sshhosts.SshHosts:
    return deploy_hosts


def conf_of(host: sshhosts.SshHost) -> Path:
    return host.root / "opt" / "testpkg" / "testpkg.conf"


def both_steps(hosts: sshhosts.SshHosts, greeting: str, **testpkg: object) -> dict[str, object]:
    base = str(hosts.base / "hosts")
    return template(
        {
            "testpkg": {"enable": True, "continue": bool(testpkg.pop("proceed", False))},
            "probe": {"enable": True},
        },
        {
            "testpkg": {"hosts_base": base, "greeting": greeting, **testpkg},
            "probe": {"hosts_base": base, "greeting": greeting},
        },
    )


def two_hosts(suite: Suite, token: str, hosts: sshhosts.SshHosts) -> tuple[Added, Added]:
    password_host = add_host(suite, token, hosts, hosts.hosts[0], auth="password")
    key_host = add_host(suite, token, hosts, hosts.hosts[1], auth="key")
    return password_host, key_host


def test_a_task_runs_a_component_and_a_custom_step_on_a_password_host_and_a_key_host(
    suite: Suite, token: str, hosts: sshhosts.SshHosts
) -> None:
    a, b = two_hosts(suite, token, hosts)
    task_id, run_id = execute(
        suite, token, [both_steps(hosts, "bonjour")], [(a, ["testpkg", "probe"]), (b, ["testpkg", "probe"])]
    )
    run = wait_run(suite, token, run_id)
    assert run["status"] == "succeeded", run
    assert run["check"] is False and run["task_id"] == task_id
    assert step_status(run) == {"testpkg": "changed", "probe": "ok"}
    for step in ("testpkg", "probe"):
        states = hosts_of(run, step)
        assert set(states) == {a.name, b.name}
        for state in states.values():
            assert state["started_at"] <= state["ended_at"]
            assert state["task"] == "" and state["message"] == ""
    assert {h["status"] for h in hosts_of(run, "testpkg").values()} == {"changed"}
    assert "ok: [" in hosts_of(run, "probe")[a.name]["output"]
    for host in hosts.hosts[:2]:
        assert conf_of(host).read_text() == "greeting=bonjour\n"
    assert not conf_of(hosts.hosts[2]).exists()
    # The task's history holds the run, newest first, with the newest in full.
    status, history = suite.call("POST", "/manage/task/status", {"task_id": task_id}, token)
    assert status == 200, history
    assert history["total_count"] == 1 and [r["run_id"] for r in history["run_list"]] == [run_id]  # type: ignore[index]
    assert history["run"]["steps"] == run["steps"]  # type: ignore[index]


def failed_on_the_first(
    suite: Suite, token: str, hosts: sshhosts.SshHosts, *, proceed: bool
) -> tuple[Added, Added, dict[str, Any]]:
    """Two hosts and the run of both steps on them, ended: testpkg fails on the first, so the
    run fails naming it."""
    a, b = two_hosts(suite, token, hosts)
    _, run_id = execute(
        suite,
        token,
        [both_steps(hosts, "hi", fail_on=[a.name], proceed=proceed)],
        [(a, ["testpkg", "probe"]), (b, ["testpkg", "probe"])],
    )
    run = wait_run(suite, token, run_id)
    assert run["status"] == "failed" and run["reason"] == "failed steps: testpkg"
    return a, b, run


def test_a_failing_step_without_continue_stops_the_run(
    suite: Suite, token: str, hosts: sshhosts.SshHosts
) -> None:
    a, b, run = failed_on_the_first(suite, token, hosts, proceed=False)
    assert step_status(run) == {"testpkg": "failed", "probe": "skipped"}
    failed = hosts_of(run, "testpkg")[a.name]
    assert failed["status"] == "failed"
    assert failed["task"] == "Start testpkg"
    assert failed["message"] == f"testpkg did not start on {a.name}"
    assert "fatal: [" in failed["output"]
    assert hosts_of(run, "testpkg")[b.name]["status"] == "changed"
    for state in hosts_of(run, "probe").values():
        assert state["status"] == "skipped"
        assert state["message"] == "the step testpkg failed and does not continue"


def test_a_failing_step_with_continue_lets_the_next_step_run(
    suite: Suite, token: str, hosts: sshhosts.SshHosts
) -> None:
    a, b, run = failed_on_the_first(suite, token, hosts, proceed=True)
    assert step_status(run) == {"testpkg": "failed", "probe": "ok"}
    assert {n: h["status"] for n, h in hosts_of(run, "probe").items()} == {a.name: "ok", b.name: "ok"}


def test_unreachable_hosts_and_a_wrong_password_fail_the_step_on_those_hosts_only(
    suite: Suite, token: str, hosts: sshhosts.SshHosts
) -> None:
    good = add_host(suite, token, hosts, hosts.hosts[0], auth="key")
    wrong = add_host(suite, token, hosts, hosts.hosts[2], password=hosts.wrong_password())
    nowhere = add_host(
        suite, token, hosts, hosts.hosts[1], auth="key", address=hosts.unreachable_address, name="nowhere"
    )
    steps = template(
        {"testpkg": {"enable": True, "continue": False}},
        {"testpkg": {"hosts_base": str(hosts.base / "hosts")}},
    )
    _, run_id = execute(
        suite, token, [steps], [(good, ["testpkg"]), (wrong, ["testpkg"]), (nowhere, ["testpkg"])]
    )
    run = wait_run(suite, token, run_id)
    assert run["status"] == "failed"
    states = hosts_of(run, "testpkg")
    assert states[good.name]["status"] == "changed"
    assert states[wrong.name]["status"] == "unreachable"
    assert "password" in states[wrong.name]["message"].lower() or "denied" in states[wrong.name]["message"]
    assert states["nowhere"]["status"] == "unreachable"
    assert "timed out" in states["nowhere"]["message"] or "No route" in states["nowhere"]["message"]
    assert states[wrong.name]["task"] == "Install testpkg"
    assert not conf_of(hosts.hosts[2]).exists()


def test_check_mode_reports_what_would_change_and_changes_nothing(
    suite: Suite, token: str, hosts: sshhosts.SshHosts
) -> None:
    a, b = two_hosts(suite, token, hosts)
    steps = template(
        {"testpkg": {"enable": True, "continue": False}},
        {"testpkg": {"hosts_base": str(hosts.base / "hosts")}},
    )
    _, run_id = execute(suite, token, [steps], [(a, ["testpkg"]), (b, ["testpkg"])], check=True)
    run = wait_run(suite, token, run_id)
    assert run["status"] == "succeeded" and run["check"] is True
    assert {h["status"] for h in hosts_of(run, "testpkg").values()} == {"changed"}
    for host in hosts.hosts:
        assert not (host.root / "opt").exists()


def test_a_step_not_enabled_is_skipped_and_a_host_without_its_component_is_not_in_it(
    suite: Suite, token: str, hosts: sshhosts.SshHosts
) -> None:
    a, b = two_hosts(suite, token, hosts)
    base = str(hosts.base / "hosts")
    steps = template(
        {"probe": {"enable": False}, "testpkg": {"enable": True}},
        {"testpkg": {"hosts_base": base}, "probe": {"hosts_base": base}},
    )
    _, run_id = execute(suite, token, [steps], [(a, ["testpkg", "probe"]), (b, ["probe"])])
    run = wait_run(suite, token, run_id)
    assert run["status"] == "succeeded"
    assert step_status(run) == {"probe": "skipped", "testpkg": "changed"}
    assert set(hosts_of(run, "testpkg")) == {a.name}
    assert {h["message"] for h in hosts_of(run, "probe").values()} == {"the step is not enabled"}
    assert conf_of(hosts.hosts[0]).exists()
    assert not conf_of(hosts.hosts[1]).exists()


def test_a_shipped_component_deploys_through_the_api_and_runs_on_its_host(
    suite: Suite, token: str, hosts: sshhosts.SshHosts
) -> None:
    # node_exporter's role (and aops_common, its dependency) from the package, beside the
    # tests' custom components; Debian's package is installed on this machine already.
    host = hosts.hosts[2]
    root = host.root / "shipped"
    shutil.rmtree(root, ignore_errors=True)
    a = add_host(suite, token, hosts, host, auth="key")
    variables = {"aops_root": str(root), "aops_start_mode": "command", "aops_firewall": False}
    steps = template({"node_exporter": {"enable": True}}, {"node_exporter": variables})
    _, run_id = execute(suite, token, [steps], [(a, ["node_exporter"])])
    run = wait_run(suite, token, run_id, timeout=600)
    assert run["status"] == "succeeded", run
    assert hosts_of(run, "node_exporter")[a.name]["status"] == "changed"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://{host.address}:9100/metrics", timeout=5) as reply:
                assert b"node_uname_info{" in reply.read()
                break
        except OSError:
            assert time.monotonic() < deadline, "node_exporter does not answer on its host"
            time.sleep(0.5)
