"""Deployment test helpers: test hosts added as a user's hosts, tasks run, runs awaited."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import sshhosts
from tests.sshhosts import SshHost
from tests.sshhosts import SshHosts
from tests.suite import VAULT_KEY
from tests.suite import Suite

ANSIBLE_DIR = Path(__file__).parent / "ansible"
# The manager's [deploy] settings of the deployment tests: the test components, short timeouts.
DEPLOY_CONF = f"ansible_dir={ANSIBLE_DIR}\nconnect_timeout=3\nrun_lease=6\nstatus_interval=0.2\n"
ENDED = {"succeeded", "failed", "cancelled", "interrupted"}


def running_hosts(count: int) -> Iterator[SshHosts]:
    """`count` SSH test hosts for a fixture, stopped when it ends; a failed start fails the test."""
    try:
        hosts = sshhosts.start(count)
    except sshhosts.TestHostError as exc:
        pytest.fail(f"SSH test hosts could not start: {exc}")
    try:
        yield hosts
    finally:
        sshhosts.stop(hosts)


@dataclass(frozen=True)
class Added:
    host_id: str
    name: str
    address: str


def add_host(
    suite: Suite,
    token: str,
    hosts: SshHosts,
    host: SshHost,
    *,
    auth: str = "password",
    password: str | None = None,
    address: str | None = None,
    name: str | None = None,
) -> Added:
    """One test host added as the token's user's host (group "deploy"), logging in as `auth`."""
    suite.call("POST", "/manage/host/group/add", {"host_group_name": "deploy", "description": ""}, token)
    entry: dict[str, Any] = {
        "host_name": name or host.name,
        "host_group_name": "deploy",
        "public_ip": address or host.address,
        "ssh_port": host.port,
        "username": hosts.user,
    }
    if auth == "key":
        entry["private_key"] = hosts.key_file.read_text()
    else:
        entry["password"] = hosts.password if password is None else password
    status, reply = suite.call("POST", "/manage/host/add", {"key": VAULT_KEY, "host_list": [entry]}, token)
    assert status == 200, reply
    return Added(str(reply["host_list"][0]), entry["host_name"], entry["public_ip"])  # type: ignore[index]


def template(steps: dict[str, dict[str, bool]], variables: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"step_list": steps, "variables": variables}


def wait_run(suite: Suite, token: str, run_id: str, timeout: float = 240) -> dict[str, Any]:
    """The run once it has ended, as /manage/task/status answers it."""
    deadline = time.monotonic() + timeout
    while True:
        status, reply = suite.call("POST", "/manage/task/status", {"run_id": run_id}, token)
        assert status == 200, reply
        run: dict[str, Any] = reply["run"]  # type: ignore[assignment]
        if run["status"] in ENDED:
            return run
        assert time.monotonic() < deadline, f"run {run_id} did not end: {run}"
        time.sleep(0.2)


def wait_for(suite: Suite, token: str, run_id: str, check: Any, timeout: float = 120) -> dict[str, Any]:
    """The run as soon as `check(run)` holds."""
    deadline = time.monotonic() + timeout
    while True:
        _, reply = suite.call("POST", "/manage/task/status", {"run_id": run_id}, token)
        run: dict[str, Any] = reply["run"]  # type: ignore[assignment]
        if check(run):
            return run
        assert time.monotonic() < deadline, f"run {run_id} never got there: {run}"
        time.sleep(0.1)


def hosts_of(run: dict[str, Any], step: str) -> dict[str, dict[str, Any]]:
    """A step's hosts by name."""
    found = next(s for s in run["steps"] if s["step"] == step)
    return {h["host_name"]: h for h in found["hosts"]}


def step_status(run: dict[str, Any]) -> dict[str, str]:
    return {s["step"]: s["status"] for s in run["steps"]}


def generate(
    suite: Suite, token: str, templates: list[dict[str, Any]], hosts: list[tuple[Added, list[str]]]
) -> str:
    """A task of these templates (imported now) over these hosts, each with its components."""
    names = []
    for content in templates:
        name = f"t{uuid.uuid4().hex[:8]}"
        body = {"template_name": name, "template_content": content, "description": ""}
        status, reply = suite.call("POST", "/manage/template/import", body, token)
        assert status == 200, reply
        names.append(name)
    task = {
        "task_name": f"task {uuid.uuid4().hex[:8]}",
        "template_name": names,
        "host_list": [{"host_id": added.host_id, "components": components} for added, components in hosts],
    }
    status, reply = suite.call("POST", "/manage/task/generate", task, token)
    assert status == 200, reply
    return str(reply["task_id"])


def execute(
    suite: Suite,
    token: str,
    templates: list[dict[str, Any]],
    hosts: list[tuple[Added, list[str]]],
    *,
    check: bool = False,
) -> tuple[str, str]:
    """Generate a task and execute it; returns the task id and the run id."""
    task_id = generate(suite, token, templates, hosts)
    status, reply = suite.call(
        "POST", "/manage/task/execute", {"task_list": [task_id], "check": check}, token
    )
    assert (status, reply["code"]) == (200, 200), reply
    assert reply["run_list"] == [{"task_id": task_id, "run_id": reply["run_id"]}]
    return task_id, str(reply["run_id"])
