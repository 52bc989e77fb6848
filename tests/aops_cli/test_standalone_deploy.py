"""`aops standalone` and deployment. Its first start creates the manual's default template and
task for admin from default.json, as `aops-database init` does; a restart keeps them and, as the
manual's database restart did, brings a deleted default back, unless default.json says `{}`.
Its [deploy] section works on the data directory: an added SSH test host's facts are collected,
and the default task, given the host the manual's way, runs in check mode."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import requests

from tests import sshhosts
from tests.aops_cli.conftest import run_module
from tests.aops_cli.test_standalone import _configure
from tests.aops_cli.test_standalone import _login
from tests.aops_cli.test_standalone import standalone_running
from tests.aops_database.test_deploy_defaults import DEFAULT_TASK
from tests.suite import VAULT_KEY

DEFAULT_NAME = "Default deployment"


def _call(url: str, path: str, body: dict[str, Any], token: str, method: str = "POST") -> dict[str, Any]:
    reply = requests.request(method, url + path, json=body, headers={"Access-Token": token}, timeout=60)
    data: dict[str, Any] = reply.json()
    assert data["code"] in (200, 206), data
    return data


def _tasks(url: str, token: str) -> list[dict[str, Any]]:
    return list(_call(url, "/manage/task/get", {}, token)["task_infos"])


def _templates(url: str, token: str) -> list[str]:
    return [t["template_name"] for t in _call(url, "/manage/template/get", {}, token)["template_infos"]]


def _delete_task(url: str, token: str) -> None:
    _call(url, "/manage/task/delete", {"task_list": [DEFAULT_TASK]}, token, "DELETE")


def test_the_first_start_creates_the_default_task_a_restart_keeps_it_and_brings_a_deleted_one_back(
    tmp_path: Path,
) -> None:
    url = _configure(tmp_path)
    shipped = tmp_path / "conf" / "default.json"
    output: list[str] = []
    with standalone_running(tmp_path, output=output):
        assert f"created default template {DEFAULT_NAME} for admin" in output
        created = next(line for line in output if line.startswith("created default task"))
        # The 21.09 placeholder addresses are not among admin's hosts (there are none yet).
        assert created.startswith(f"created default task {DEFAULT_NAME} for admin with 0 host(s); ")
        assert shipped.stat().st_mode & 0o777 == 0o600
        token = _login(url)
        (task,) = _tasks(url, token)
        assert (task["task_id"], task["task_name"], task["template_name"], task["host_list"]) == (
            DEFAULT_TASK,
            DEFAULT_NAME,
            [DEFAULT_NAME],
            [],
        )
        assert _templates(url, token) == [DEFAULT_NAME]
        # The CLI line of the manual lists it too.
        cli = run_module(
            "aops_cli.main",
            tmp_path / "conf",
            tmp_path / "cli",
            ["task", "--action", "query", "--access_token", token],
        )
        assert cli.code == 0, cli.err
        assert DEFAULT_TASK in cli.out and DEFAULT_NAME in cli.out

    output.clear()
    with standalone_running(tmp_path, output=output):
        assert not [line for line in output if line.startswith("created default")], output
        token = _login(url)
        assert [t["task_id"] for t in _tasks(url, token)] == [DEFAULT_TASK]
        _delete_task(url, token)
        assert _tasks(url, token) == []

    # As the manual's "delete the task, restart the database": the start imports it again.
    output.clear()
    with standalone_running(tmp_path, output=output):
        assert any(line.startswith(f"created default task {DEFAULT_NAME} for admin") for line in output)
        token = _login(url)
        assert [t["task_id"] for t in _tasks(url, token)] == [DEFAULT_TASK]
        _delete_task(url, token)

    # An empty default.json creates nothing: the deletion stays, the template is the user's.
    shipped.write_text("{}")
    with standalone_running(tmp_path):
        token = _login(url)
        assert _tasks(url, token) == []
        assert _templates(url, token) == [DEFAULT_NAME]
    assert shipped.read_text() == "{}"


def _wait_for_details(url: str, token: str, host_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        found = _call(url, "/manage/host/info/query", {"host_list": [host_id]}, token)["host_infos"]
        if found:
            return dict(found[0])
        assert time.monotonic() < deadline, "the added host's details never came"
        time.sleep(0.5)


def _wait_run(url: str, token: str, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while True:
        run: dict[str, Any] = _call(url, "/manage/task/status", {"run_id": run_id}, token)["run"]
        if run["status"] in ("succeeded", "failed", "cancelled", "interrupted"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.5)


def test_deployment_works_in_standalone_facts_and_the_default_task_in_check_mode(tmp_path: Path) -> None:
    url = _configure(tmp_path)
    defaults = tmp_path / "conf" / "default.json"
    with sshhosts.ssh_hosts(1) as hosts:
        host = hosts.hosts[0]
        with standalone_running(tmp_path):
            token = _login(url)
            _call(url, "/manage/host/group/add", {"host_group_name": "deploy", "description": ""}, token)
            entry = {
                "host_name": "zk1",
                "host_group_name": "deploy",
                "public_ip": host.address,
                "ssh_port": host.port,
                "username": hosts.user,
                "password": hosts.password,
            }
            added = _call(url, "/manage/host/add", {"key": VAULT_KEY, "host_list": [entry]}, token)
            host_id = added["host_list"][0]
            # [deploy] collect_facts is on in standalone: the add collects the host's details.
            details = _wait_for_details(url, token, host_id)
            assert details["os"]["hostname"] == host.name and details["memory"]["total"] > 0

            # The manual's way to give the default task its hosts: edit default.json, delete the
            # task (and the template, whose variables change too: no systemd here), restart.
            data = json.loads(defaults.read_text())
            data["templates"][0]["template_content"]["variables"] = {
                "zookeeper": {"aops_start_mode": "none", "aops_root": str(host.root)}
            }
            data["tasks"][0]["host_list"] = [{"host_name": host.address}]
            defaults.write_text(json.dumps(data))
            _delete_task(url, token)
            _call(url, "/manage/template/delete", {"template_list": [DEFAULT_NAME]}, token, "DELETE")

        output: list[str] = []
        with standalone_running(tmp_path, output=output):
            assert f"created default task {DEFAULT_NAME} for admin with 1 host(s)" in output
            token = _login(url)
            (task,) = _tasks(url, token)
            assert [(h["host_id"], h["components"]) for h in task["host_list"]] == [(host_id, ["zookeeper"])]
            # A restart empties the manager's keyring, as in 21.09: the key is given again.
            _call(url, "/manage/account/certificate", {"key": VAULT_KEY}, token)
            body = {"task_list": [DEFAULT_TASK], "check": True}
            run = _wait_run(url, token, _call(url, "/manage/task/execute", body, token)["run_id"])
            assert run["status"] == "succeeded", run
            # The 21.09 step list: zookeeper ran on the host, the 13 disabled steps were skipped.
            steps = {s["step"]: s for s in run["steps"]}
            assert len(steps) == 14 and {s["status"] for n, s in steps.items() if n != "zookeeper"} == {
                "skipped"
            }
            (on_host,) = steps["zookeeper"]["hosts"]
            assert (on_host["host_name"], on_host["status"]) in (("zk1", "ok"), ("zk1", "changed")), run
        # The run's private directory (with the decrypted login) is gone with the run.
        assert not [p for p in (tmp_path / "deploy").rglob("*") if p.name != ".lock" and p.is_file()]
