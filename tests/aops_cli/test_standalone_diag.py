"""Diagnosis end to end on `aops standalone` through the command line: `aops login`, a host,
the sample rules and a fault tree imported with `adoctor`, `adoctor diag` and `adoctor report`."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import requests

from adoctor_diag_scheduler import settings as diag_settings
from aops_manager import settings as manager_settings
from tests.adoctor_check_scheduler.test_cli_flow import _set
from tests.adoctor_check_scheduler.test_cli_flow import add_local_host
from tests.adoctor_check_scheduler.test_cli_flow import first_login
from tests.adoctor_check_scheduler.test_cli_flow import ok
from tests.aops_cli.conftest import Doctor
from tests.aops_cli.test_adoctor import SAMPLE
from tests.aops_cli.test_adoctor import write
from tests.aops_cli.test_standalone import _configure
from tests.aops_cli.test_standalone import _login
from tests.aops_cli.test_standalone import _start
from tests.aops_cli.test_standalone import standalone_running
from tests.conftest import PROMETHEUS_URL
from tests.conftest import require
from tests.samples import HEALTH_TREE


def _on_prometheus(tmp_path: Path) -> tuple[Path, Path]:
    """`aops standalone`'s files on free ports, reading the test Prometheus: (data dir, conf dir)."""
    require(PROMETHEUS_URL)
    data_dir = tmp_path / "aops"
    _configure(data_dir)
    conf = data_dir / "conf"
    prom_host, prom_port = PROMETHEUS_URL.removeprefix("http://").split(":")
    _set(conf / "database.ini", "prometheus", ip=prom_host, port=prom_port)
    return data_dir, conf


def _diagnosis_set_up(tmp_path: Path, conf: Path) -> tuple[Doctor, str]:
    """`aops login`, the local host, the sample rules and a tree, all through the CLI: the CLI
    and the host's id."""
    doctor = Doctor(conf, tmp_path / "cli-home")
    first_login(doctor)
    host_id = add_local_host(doctor)
    ok(doctor, f"checkrule --action add --conf {SAMPLE}")
    tree = write(tmp_path / "tree.json", HEALTH_TREE)
    imported = ok(doctor, f"faultree --action add --tree_list health --conf {tree}").out
    assert imported.startswith("imported"), imported
    return doctor, host_id


def test_a_host_is_diagnosed_and_its_report_read_through_adoctor_on_aops_standalone(tmp_path: Path) -> None:
    data_dir, conf = _on_prometheus(tmp_path)
    _set(conf / "check_scheduler.ini", "check_scheduler", forward_task_interval=2, forward_lag=0)
    _set(conf / "check_executor.ini", "executor", sample_period=2)
    _set(conf / "diag_executor.ini", "executor", sample_period=2)

    with standalone_running(data_dir):
        doctor, host_id = _diagnosis_set_up(tmp_path, conf)
        now = int(time.time())
        window = f"--start {now - 60} --end {now} --interval 20"
        lines = ok(doctor, f"diag --host_list {host_id} --tree_list health {window}").out.splitlines()
        found = re.fullmatch(r"task ([0-9a-f]{32}): 3 reports expected", lines[0])
        assert found, lines
        assert lines[-1] == "3 of 3 reports: 3 true, 0 false, 0 unknown", lines
        report_id = lines[-3].split()[-1]

        lines = ok(doctor, f"report --action get --report_list {report_id}").out.splitlines()
        assert re.fullmatch(
            rf"report {report_id}: host {host_id}, tree health, .+ to .+, task {found[1]}", lines[0]
        ), lines
        assert lines[1] == "  host health: true - true because resources is true", lines
        assert lines[2] == "    resources: true - true because canary is true", lines
        assert any(
            re.fullmatch(
                r"      canary \(node_exporter_always\): true - "
                r"rule 'node_exporter_always' has \d+ abnormal results? in this slice",
                line,
            )
            for line in lines
        ), lines
        listed = ok(doctor, f"--json report --action get --task_id {found[1]}").json
        assert {r["host_id"] for r in listed["result"]} == {host_id} and listed["total_count"] == 3


def _manager_url(data_dir: Path) -> str:
    return f"http://127.0.0.1:{manager_settings.load(data_dir / 'conf')[1].manager.port}"


def test_a_diagnosis_cut_short_by_sigkill_finishes_after_the_restart_with_each_report_once(
    tmp_path: Path,
) -> None:
    """The in-process queue dies with `aops standalone`: on the next start the task watch takes the
    unfinished task over and publishes its slices without a report again."""
    data_dir, conf = _on_prometheus(tmp_path)
    # Small batches, so that the kill comes between two of them.
    _set(conf / "diag_executor.ini", "consumer", max_records=10)
    _set(conf / "diag_executor.ini", "executor", sample_period=2, consumers=1)
    diag_url = f"http://127.0.0.1:{diag_settings.load(conf)[1].diag_scheduler.port}"

    def post(path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        reply = requests.post(diag_url + path, json=body, headers={"access_token": token}, timeout=60)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def progress(task_id: str, token: str) -> dict[str, Any]:
        return dict(post("/diag/progress/get", {"task_list": [task_id]}, token)["result"][0])

    proc = _start(data_dir)
    try:
        _, host_id = _diagnosis_set_up(tmp_path, conf)
        token = _login(_manager_url(data_dir))
        # An hour ago, before anything was checked: every slice is evaluated on demand.
        start = int(time.time()) - 3600
        body = {
            "host_list": [host_id],
            "time_range": [start, start + 200],
            "tree_list": ["health"],
            "interval": 1,
        }
        task = post("/diag/execute", body, token)
        expected, task_id = task["expected_report_num"], task["task_id"]
        assert expected == 200
        deadline = time.time() + 60
        while (done := progress(task_id, token))["progress"] < 20:
            assert time.time() < deadline, done
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

    with standalone_running(data_dir):
        cut = progress(task_id, token)
        assert cut["progress"] < expected, ("the diagnosis ended before the kill", done, cut)
        deadline = time.time() + 120
        while (row := progress(task_id, token)).get("status") != "finished":
            assert row.get("status") == "running" and time.time() < deadline, (done, cut, row)
            time.sleep(0.5)
        assert row["progress"] == row["expected_report_num"] == expected, row
        listed = post("/diag/report/get_list", {"task_id": task_id}, token)
        assert listed["total_count"] == expected
        ids = [r["report_id"] for r in listed["result"]]
        assert len(set(ids)) == expected
        slices = sorted((r["start"], r["end"]) for r in listed["result"])
        assert slices == [(s, s + 1) for s in range(start, start + 200)]
        [info] = post("/diag/task/get", {"task_list": [task_id]}, token)["task_infos"]
        assert (info["status"], info["cur_report_num"]) == ("finished", expected)
