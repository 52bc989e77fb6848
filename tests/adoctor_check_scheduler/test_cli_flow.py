"""The check flow through the command line: on the real servers, and on `aops standalone`.

Rules go in with `adoctor checkrule --action add`, results come out with `adoctor check`;
in between, the schedule publishes windows and an executor checks node_exporter's metrics in
Prometheus.
"""

from __future__ import annotations

import configparser
import json
import time
from pathlib import Path
from typing import Any

from tests.adoctor_check_scheduler.conftest import Checks
from tests.adoctor_check_scheduler.test_pipeline import CANARY
from tests.aops_cli.conftest import Doctor
from tests.aops_cli.conftest import Result
from tests.aops_cli.test_adoctor import CANARY as SAMPLE_CANARY
from tests.aops_cli.test_adoctor import SAMPLE
from tests.aops_cli.test_adoctor import SAMPLE_NAMES
from tests.aops_cli.test_standalone import _configure
from tests.aops_cli.test_standalone import standalone_running
from tests.conftest import PROMETHEUS_URL
from tests.suite import ADMIN_PASSWORD


def ok(doctor: Doctor, command: str, prog: str = "adoctor") -> Result:
    """Run a command with the session `aops login` stored (or the --access_token in it)."""
    result = doctor.run(command, prog=prog)
    assert result.code == 0, (command, result.out, result.err)
    assert "Traceback" not in result.err, result.err
    return result


def first_login(doctor: Doctor) -> Result:
    """`aops login` as admin with the default password, then the change the manual asks for,
    then the login that opens a session able to do the rest; the first login's result."""
    first = ok(doctor, "login --password changeme", prog="aops")
    ok(doctor, f"account --action change --password {ADMIN_PASSWORD}", prog="aops")
    ok(doctor, f"login --password {ADMIN_PASSWORD}", prog="aops")
    return first


def add_local_host(doctor: Doctor) -> str:
    """`aops group` and `aops host` after `aops login`: the host 127.0.0.1 in group local; its id."""
    ok(doctor, "group --action add --host_group_name local", prog="aops")
    out = ok(
        doctor,
        "host --action add --host_name node --host_group_name local --public_ip 127.0.0.1 "
        "--ssh_port 22 --management False --username root --password pw --key vault-key-0123",
        prog="aops",
    ).out
    host_id = out.split()[-1].rstrip(")")
    assert len(host_id) == 32, out
    return host_id


def abnormal_results(doctor: Doctor, command: str, host_id: str, timeout: float) -> list[dict[str, Any]]:
    """Run `adoctor --json check ...` until it lists Abnormal results of the host."""
    deadline = time.time() + timeout
    while True:
        reply = ok(doctor, command).json
        found = [r for r in reply["check_result"] if r["host_id"] == host_id and r["value"] == "Abnormal"]
        if found:
            return found
        assert time.time() < deadline, f"no Abnormal results of {host_id}; last reply: {reply}"
        time.sleep(1)


def test_rules_imported_through_the_cli_yield_results_read_back_through_the_cli(
    checks: Checks, tmp_path: Path
) -> None:
    doctor = Doctor(checks.suite.conf_dir, tmp_path / "cli-home", checks.token)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"check_items": [CANARY]}))
    where = f"--check-scheduler {checks.url}"
    token = f"--access_token {checks.token}"
    out = ok(doctor, f"{where} checkrule --action add --conf {rules} {token}").out
    assert out == f"imported 1 check rule from {rules} (1 new, 0 updated)\n"
    listed = ok(doctor, f"{where} --json checkrule --action get {token}").json
    assert [(r["check_item"], r["condition"]) for r in listed["check_items"]] == [("canary", "$0 >= 0")]

    assert checks.schedule.forward() is None  # the first run records where checking starts
    time.sleep(4)  # two node_exporter scrapes
    window = checks.schedule.forward()
    assert window is not None

    found = abnormal_results(
        doctor, f"{where} --json check --check_items canary {token}", checks.host_id, timeout=45
    )
    assert all(r["check_item"] == "canary" and r["series"] == "node_load1" for r in found)
    assert all(window[0] <= r["start"] <= window[1] for r in found)
    table = ok(doctor, f"{where} check --check_items canary --value abnormal {token}").out.splitlines()
    assert table[0].split()[:5] == ["start", "end", "host_id", "check_item", "value"]
    assert any(line.split()[4:7] == [checks.host_id, "canary", "Abnormal"] for line in table[2:-1])
    counts = ok(doctor, f"{where} stat --action count --field check_result {token}").out.splitlines()
    assert counts[2].split()[0] == checks.host_id


def _set(path: Path, section: str, **values: object) -> None:
    """Set options of one section of an ini file, keeping the rest."""
    parser = configparser.RawConfigParser(inline_comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    if not parser.has_section(section):
        parser.add_section(section)
    for key, value in values.items():
        parser.set(section, key, str(value))
    with path.open("w", encoding="utf-8") as handle:
        parser.write(handle)


def test_the_same_flow_runs_on_the_embedded_defaults_of_aops_standalone(tmp_path: Path) -> None:
    data_dir = tmp_path / "aops"
    _configure(data_dir)
    conf = data_dir / "conf"
    prom_host, prom_port = PROMETHEUS_URL.removeprefix("http://").split(":")
    _set(conf / "database.ini", "prometheus", ip=prom_host, port=prom_port)
    _set(
        conf / "check_scheduler.ini",
        "check_scheduler",
        forward_task_interval=2,
        backward_task_interval=3600,
        forward_lag=0,
    )
    _set(conf / "check_executor.ini", "executor", sample_period=2)
    scheduler = configparser.RawConfigParser()
    scheduler.read(conf / "check_scheduler.ini")
    assert scheduler.get("bus", "kind") == "memory"

    with standalone_running(data_dir):
        doctor = Doctor(conf, tmp_path / "cli-home")
        login = first_login(doctor)
        assert "logged in to" in login.out and "default password is still in use" in login.err
        host_id = add_local_host(doctor)

        out = ok(doctor, f"checkrule --action add --conf {SAMPLE}").out
        assert out == f"imported 7 check rules from {SAMPLE} (7 new, 0 updated)\n"
        listed = ok(doctor, "--json checkrule --action get").json
        assert sorted(r["check_item"] for r in listed["check_items"]) == sorted(SAMPLE_NAMES)

        found = abnormal_results(doctor, f"--json check --check_items {SAMPLE_CANARY}", host_id, timeout=40)
        assert all(r["check_item"] == SAMPLE_CANARY for r in found)
