"""Diagnosis end to end on `aops standalone` through the command line: `aops login`, a host,
the sample rules and a fault tree imported with `adoctor`, `adoctor diag` and `adoctor report`."""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.adoctor_check_scheduler.test_cli_flow import _set
from tests.adoctor_check_scheduler.test_cli_flow import add_local_host
from tests.adoctor_check_scheduler.test_cli_flow import first_login
from tests.adoctor_check_scheduler.test_cli_flow import ok
from tests.aops_cli.conftest import Doctor
from tests.aops_cli.test_adoctor import SAMPLE
from tests.aops_cli.test_adoctor import write
from tests.aops_cli.test_standalone import _configure
from tests.aops_cli.test_standalone import standalone_running
from tests.conftest import PROMETHEUS_URL
from tests.conftest import require
from tests.samples import HEALTH_TREE


def test_a_host_is_diagnosed_and_its_report_read_through_adoctor_on_aops_standalone(tmp_path: Path) -> None:
    require(PROMETHEUS_URL)
    data_dir = tmp_path / "aops"
    _configure(data_dir)
    conf = data_dir / "conf"
    prom_host, prom_port = PROMETHEUS_URL.removeprefix("http://").split(":")
    _set(conf / "database.ini", "prometheus", ip=prom_host, port=prom_port)
    _set(conf / "check_scheduler.ini", "check_scheduler", forward_task_interval=2, forward_lag=0)
    _set(conf / "check_executor.ini", "executor", sample_period=2)
    _set(conf / "diag_executor.ini", "executor", sample_period=2)

    with standalone_running(data_dir):
        doctor = Doctor(conf, tmp_path / "cli-home")
        first_login(doctor)
        host_id = add_local_host(doctor)
        ok(doctor, f"checkrule --action add --conf {SAMPLE}")
        tree = write(tmp_path / "tree.json", HEALTH_TREE)
        imported = ok(doctor, f"faultree --action add --tree_list health --conf {tree}").out
        assert imported.startswith("imported"), imported

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
