"""Deployment runs under control: cancelled, kept apart per user, credentials kept off the disk."""

from __future__ import annotations

import stat
import subprocess
import time
from pathlib import Path

from aops_manager.deploy import workdir
from tests import sshhosts
from tests.aops_manager.deploying import Added
from tests.aops_manager.deploying import add_host
from tests.aops_manager.deploying import execute
from tests.aops_manager.deploying import generate
from tests.aops_manager.deploying import hosts_of
from tests.aops_manager.deploying import step_status
from tests.aops_manager.deploying import template
from tests.aops_manager.deploying import wait_for
from tests.aops_manager.deploying import wait_run
from tests.suite import Suite


def slow_task(hosts: sshhosts.SshHosts, seconds: int) -> dict[str, object]:
    base = str(hosts.base / "hosts")
    return template(
        {"testpkg": {"enable": True, "continue": False}, "probe": {"enable": True}},
        {"testpkg": {"hosts_base": base, "slow": seconds}, "probe": {"hosts_base": base}},
    )


def data_dir(suite: Suite) -> Path:
    return suite.conf_dir / "deploy"


def ssh_clients_to(addresses: set[str]) -> list[str]:
    """Command lines of ssh (and sshpass) clients talking to any of these addresses."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv if a]
        if (
            words
            and Path(words[0]).name in ("ssh", "sshpass")
            and any(a in w for a in addresses for w in words)
        ):
            found.append(" ".join(words))
    return found


def running_on_a_host(run: dict[str, object]) -> bool:
    steps = run["steps"]  # type: ignore[index]
    return any(h["status"] == "running" for h in steps[0]["hosts"])  # type: ignore[index]


def running_on_two_hosts(
    suite: Suite, token: str, hosts: sshhosts.SshHosts, seconds: int
) -> tuple[Added, Added, str]:
    """Hosts a (password; testpkg and probe) and b (key; testpkg) and the id of a run of the
    slow task on them, once it runs on a host."""
    a = add_host(suite, token, hosts, hosts.hosts[0])
    b = add_host(suite, token, hosts, hosts.hosts[1], auth="key")
    _, run_id = execute(
        suite, token, [slow_task(hosts, seconds)], [(a, ["testpkg", "probe"]), (b, ["testpkg"])]
    )
    wait_for(suite, token, run_id, running_on_a_host)
    return a, b, run_id


def three_runs(suite: Suite, token: str, hosts: sshhosts.SshHosts, seconds: int) -> list[str]:
    """The ids of three runs of the slow task on one host: max_runs is 2, so the third waits in
    the queue until one of the first two has ended."""
    a = add_host(suite, token, hosts, hosts.hosts[0], auth="key")
    return [execute(suite, token, [slow_task(hosts, seconds)], [(a, ["testpkg"])])[1] for _ in range(3)]


def test_a_cancelled_run_stops_at_once_and_leaves_no_process_or_directory(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts, clean_roots: None
) -> None:
    suite, token, hosts = deploy_suite, deploy_token, deploy_hosts
    a, b, run_id = running_on_two_hosts(suite, token, hosts, 120)
    assert (data_dir(suite) / "runs" / run_id).is_dir()
    time.sleep(1)
    asked = time.monotonic()
    status, reply = suite.call("POST", "/manage/task/cancel", {"run_id": run_id}, token)
    assert (status, reply["code"], reply["status"]) == (200, 200, "cancelling"), reply
    run = wait_run(suite, token, run_id, timeout=30)
    assert time.monotonic() - asked < 10
    assert run["status"] == "cancelled" and run["reason"] == "the run was cancelled"
    assert step_status(run) == {"testpkg": "cancelled", "probe": "cancelled"}
    assert {h["status"] for h in hosts_of(run, "testpkg").values()} == {"cancelled"}
    assert not (data_dir(suite) / "runs" / run_id).exists()
    assert workdir.users_of(data_dir(suite) / "runs" / run_id) == []
    deadline = time.monotonic() + 5
    while ssh_clients_to({a.address, b.address}) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ssh_clients_to({a.address, b.address}) == []
    # An ended run cannot be cancelled again.
    status, reply = suite.call("POST", "/manage/task/cancel", {"run_id": run_id}, token)
    assert (status, reply["code"], reply["field"]) == (409, 1000, "run_id"), reply


def test_runs_are_their_users_own(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts, clean_roots: None
) -> None:
    suite, token, hosts = deploy_suite, deploy_token, deploy_hosts
    a = add_host(suite, token, hosts, hosts.hosts[0])
    task_id, run_id = execute(suite, token, [slow_task(hosts, 0)], [(a, ["testpkg"])])
    wait_run(suite, token, run_id)
    _, other = suite.add_user()
    for path, body in (
        ("/manage/task/status", {"run_id": run_id}),
        ("/manage/task/cancel", {"run_id": run_id}),
    ):
        status, reply = suite.call("POST", path, body, other)
        assert (status, reply["code"], reply["field"]) == (404, 1000, "run_id"), reply
        assert "run" not in reply
    status, reply = suite.call("POST", "/manage/task/status", {"task_id": task_id}, other)
    assert (status, reply["total_count"], reply["run"]) == (200, 0, None), reply


def test_bad_status_and_cancel_requests_name_the_field(deploy_suite: Suite, deploy_token: str) -> None:
    suite, token = deploy_suite, deploy_token
    for path, body, field in (
        ("/manage/task/status", {}, "body"),
        ("/manage/task/status", {"run_id": "a" * 32, "task_id": "b" * 32}, "body"),
        ("/manage/task/status", {"run_id": "not-a-run"}, "run_id"),
        ("/manage/task/cancel", {"run_id": 5}, "run_id"),
        ("/manage/task/execute", {"task_list": []}, "task_list"),
        ("/manage/task/execute", {"task_list": ["a" * 32], "check": "maybe"}, "check"),
    ):
        status, reply = suite.call("POST", path, body, token)
        assert (status, reply["code"]) == (400, 1000), (path, reply)
        assert field in (reply.get("field"), *(e["field"] for e in reply.get("errors", []))), (path, reply)
    status, reply = suite.call("POST", "/manage/task/status", {"run_id": "c" * 32}, token)
    assert (status, reply["code"]) == (404, 1000), reply
    status, reply = suite.call("POST", "/manage/task/status", {"run_id": "c" * 32})
    assert (status, reply["code"]) == (401, 1201), reply


def test_execute_needs_the_users_vault_key_in_memory(deploy_suite: Suite) -> None:
    _, token = deploy_suite.add_user()
    status, reply = deploy_suite.call("POST", "/manage/task/execute", {"task_list": ["a" * 32]}, token)
    assert (status, reply["code"]) == (403, 1203), reply


def files_holding(secret: bytes, roots: list[Path], skip: list[Path]) -> list[str]:
    """Regular files under `roots` (not under `skip`) that contain `secret`."""
    command = ["grep", "-rlF", "--binary-files=text", "-s", secret.decode(), *map(str, roots)]
    found = subprocess.run(command, capture_output=True, text=True, check=False).stdout.split()
    return [f for f in found if not any(Path(f).is_relative_to(s) for s in skip)]


def test_credentials_live_only_in_the_runs_private_directory_and_only_while_it_runs(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts, clean_roots: None
) -> None:
    suite, token, hosts = deploy_suite, deploy_token, deploy_hosts
    # A playbook that prints what it was given must not get the password into the run's record.
    a, b, run_id = running_on_two_hosts(suite, token, hosts, 3)
    private = data_dir(suite) / "runs" / run_id
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    inventory = private / "inventory" / "hosts.yml"
    assert stat.S_IMODE(inventory.stat().st_mode) == 0o600
    assert f"!unsafe '{hosts.password}'" in inventory.read_text()
    keys = list((private / "keys").iterdir())
    assert [k.name for k in keys] == [b.host_id]
    assert stat.S_IMODE(keys[0].stat().st_mode) == 0o600
    assert keys[0].read_text() == hosts.key_file.read_text()
    run = wait_run(suite, token, run_id)
    assert run["status"] == "succeeded", run
    assert not private.exists()

    password = hosts.password.encode()
    # A line of the key's body holding its private bytes (the first lines are alike in every key).
    key = hosts.key_file.read_text().strip().splitlines()[3].encode()
    roots = [Path("/tmp"), data_dir(suite), suite.conf_dir, Path("/root/.ansible"), Path("/root/.ssh")]
    # The test hosts' own base holds the key pair the test made; nothing else may hold either.
    skip = [hosts.base]
    assert files_holding(password, roots, skip) == []
    assert files_holding(key, roots, skip) == []
    _, history = suite.call("POST", "/manage/task/status", {"run_id": run_id}, token)
    assert hosts.password not in str(history) and key.decode() not in str(history)
    for address in (a.address, b.address):
        known = Path("/root/.ssh/known_hosts")
        assert not known.exists() or address not in known.read_text()


def test_runs_beyond_max_runs_wait_in_the_queue(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts, clean_roots: None
) -> None:
    suite, token = deploy_suite, deploy_token
    started = three_runs(suite, token, deploy_hosts, 4)
    third = wait_for(suite, token, started[2], lambda r: r["status"] != "queued", timeout=120)
    firsts = [wait_run(suite, token, run_id) for run_id in started[:2]]
    assert third["started_at"] >= min(r["ended_at"] for r in firsts) - 0.5
    assert [wait_run(suite, token, run_id)["status"] for run_id in started] == ["succeeded"] * 3


def test_execute_refuses_an_unknown_task_and_a_task_without_hosts(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts
) -> None:
    suite, token = deploy_suite, deploy_token
    add_host(suite, token, deploy_hosts, deploy_hosts.hosts[0])  # the key is in memory
    status, reply = suite.call("POST", "/manage/task/execute", {"task_list": ["f" * 32]}, token)
    assert (status, reply["code"], reply["field"]) == (404, 1000, "task_id"), reply
    empty = generate(suite, token, [slow_task(deploy_hosts, 0)], [])
    status, reply = suite.call("POST", "/manage/task/execute", {"task_list": [empty]}, token)
    assert (status, reply["code"], reply["field"]) == (400, 1000, "task_list"), reply
    status, history = suite.call("POST", "/manage/task/status", {"task_id": empty}, token)
    assert history["total_count"] == 0, history


def test_deleting_a_task_stops_its_run_and_takes_its_history(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts, clean_roots: None
) -> None:
    suite, token, hosts = deploy_suite, deploy_token, deploy_hosts
    a = add_host(suite, token, hosts, hosts.hosts[0], auth="key")
    task_id, run_id = execute(suite, token, [slow_task(hosts, 120)], [(a, ["testpkg"])])
    wait_for(suite, token, run_id, running_on_a_host)
    status, reply = suite.call("DELETE", "/manage/task/delete", {"task_list": [task_id]}, token)
    assert (status, reply["code"]) == (200, 200), reply
    status, reply = suite.call("POST", "/manage/task/status", {"run_id": run_id}, token)
    assert (status, reply["code"]) == (404, 1000), reply
    private = data_dir(suite) / "runs" / run_id
    deadline = time.monotonic() + 15
    while private.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not private.exists()
    assert ssh_clients_to({a.address}) == []


def test_a_queued_run_cancelled_never_starts(
    deploy_suite: Suite, deploy_token: str, deploy_hosts: sshhosts.SshHosts, clean_roots: None
) -> None:
    suite, token = deploy_suite, deploy_token
    runs = three_runs(suite, token, deploy_hosts, 120)
    for run_id in runs[:2]:
        wait_for(suite, token, run_id, running_on_a_host)
    _, queued = suite.call("POST", "/manage/task/status", {"run_id": runs[2]}, token)
    assert queued["run"]["status"] == "queued", queued  # type: ignore[index]
    for run_id in reversed(runs):
        status, reply = suite.call("POST", "/manage/task/cancel", {"run_id": run_id}, token)
        assert (status, reply["code"]) == (200, 200), reply
    ended = [wait_run(suite, token, run_id, timeout=60) for run_id in runs]
    assert [r["status"] for r in ended] == ["cancelled"] * 3
    assert ended[2]["started_at"] is None
    assert {h["status"] for s in ended[2]["steps"] for h in s["hosts"]} == {"cancelled"}
