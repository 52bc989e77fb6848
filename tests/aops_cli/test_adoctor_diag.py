"""`adoctor` diagnosis commands against a real data center, manager, diag scheduler and executor."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests

from tests.aops_cli.conftest import Doctor
from tests.aops_cli.test_adoctor import SAMPLE
from tests.aops_cli.test_adoctor import write
from tests.samples import HEALTH_TREE
from tests.schedulers import diag_scheduler
from tests.suite import Suite
from tests.suite import free_port

LEVELS = 4
META = ["备注", "标签", "优先级", "负责人", "超链接", "图片", "附件"]  # the 7 ignored columns
ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def scheduler(suite: Suite) -> Iterator[str]:
    """The diag scheduler on a free port and a diag executor, sharing an in-memory bus."""
    from adoctor_diag_executor import settings as executor_settings
    from adoctor_diag_executor.service import build

    (suite.conf_dir / "diag_executor.ini").write_text("[bus]\nkind=memory\n")
    with diag_scheduler(suite.conf_dir, announce=True) as served:
        system, executor_ini = executor_settings.load(suite.conf_dir)
        executor = build(system, executor_ini, served.bus)
        executor.start()
        try:
            yield served.url
        finally:
            executor.close()


@pytest.fixture
def doctor(suite: Suite, scheduler: str, tmp_path: Path) -> Doctor:
    """The CLI for a user of its own with the sample rules, so trees and reports are the test's."""
    _, token = suite.add_user()
    rules = json.loads(SAMPLE.read_text())
    reply = requests.post(
        f"{suite.database_url}/data/check/rule/add",
        json=rules,
        headers={"access_token": suite.session_token(token)},
        timeout=30,
    )
    assert reply.json()["code"] == 200, reply.text
    return Doctor(suite.conf_dir, tmp_path / "cli-home", token)


def workbook(tmp_path: Path, name: str, rows: list[tuple[int, str]]) -> Path:
    """The 21.09 MindMaster layout: A1 = tree name, row 2 = headers, one node cell per row."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "diag"
    sheet.cell(1, 1, name)
    for column, header in enumerate([f"层级{i + 1}" for i in range(LEVELS)] + META):
        sheet.cell(2, column + 1, header)
    for row, (column, text) in enumerate(rows):
        sheet.cell(row + 3, column + 1, text)
    path = tmp_path / "tree.xlsx"
    book.save(path)
    return path


def test_trees_are_imported_from_json_and_xlsx_listed_exported_and_deleted(
    doctor: Doctor, tmp_path: Path
) -> None:
    conf = write(tmp_path / "tree.json", HEALTH_TREE)
    out = doctor.ok(f"faultree --action add --tree_list health --conf {conf} --description 'the host'").out
    assert out == f"imported 1 fault tree from {conf} (1 new, 0 updated): health\n"
    sheet = workbook(
        tmp_path,
        "重启类故障树",
        [
            (0, "硬件问题"),
            (1, "负载|load_high"),
            (1, "内存|memory_low"),
            (0, "软件问题"),
            (1, "重启|rebooted"),
        ],
    )
    out = doctor.ok(f"faultree --action add --conf {sheet}").out
    assert out == f"imported 1 fault tree from {sheet} (1 new, 0 updated): 重启类故障树\n"

    lines = doctor.ok("faultree --action get").out.splitlines()
    assert lines[0].split() == ["tree_name", "description", "check_items"]
    rows = {line.split()[0]: line.split(None, 1)[1] for line in lines[2:-1]}
    assert re.fullmatch(r"the host +memory_low, load_high, node_exporter_always, rebooted", rows["health"])
    assert re.fullmatch(r"- +load_high, memory_low, rebooted", rows["重启类故障树"])
    assert lines[-1] == "2 fault trees"
    reply = doctor.ok("--json faultree --action get --tree_list 重启类故障树").json
    content = reply["trees"][0]["tree_content"]
    assert content["condition"] == "硬件问题 || 软件问题"
    assert content["children"][0]["condition"] == "负载 && 内存"

    export = tmp_path / "export.json"
    assert (
        doctor.ok(f"faultree --action get --export {export}").out == f"exported 2 fault trees to {export}\n"
    )
    exported = json.loads(export.read_text(encoding="utf-8"))["trees"]
    assert sorted(t["tree_name"] for t in exported) == ["health", "重启类故障树"]
    assert "重启类故障树" in export.read_text(encoding="utf-8")  # non-ASCII kept

    result = doctor.run("faultree --action delete --tree_list health,nope", "--access_token", doctor.token)
    assert (result.code, result.out, result.err) == (
        1,
        "deleted 1 fault tree: health\n",
        "adoctor: failed: nope: not found\n",
    )
    assert doctor.fails("faultree --action delete --tree_list nope") == [
        "adoctor: failed: nope: not found",
        "adoctor: deleted no fault tree (code 1103: delete data from database fail)",
    ]
    assert doctor.ok("faultree --action get --tree_list health").out == "no fault trees; not found: health\n"
    # The export is read back as it was written.
    out = doctor.ok(f"faultree --action add --conf {export}").out
    assert out.startswith(f"imported 2 fault trees from {export} (1 new, 1 updated): ")


def test_a_bad_tree_is_refused_with_its_node_path_and_a_caret(doctor: Doctor, tmp_path: Path) -> None:
    bad = json.loads(json.dumps(HEALTH_TREE))
    bad["children"][0]["condition"] = "memory low && nothing"
    conf = write(tmp_path / "bad.json", bad)
    lines = doctor.fails(f"faultree --action add --tree_list bad --conf {conf}")
    assert lines[0].startswith("adoctor: failed: bad: tree_content: host health > resources: condition: ")
    assert "'nothing' is not a direct child" in lines[0]
    assert lines[1:] == [
        f"  in {conf}, tree 'bad' (number 1 of 1), node host health > resources, condition at position 14:",
        "    memory low && nothing",
        "                  ^",
        f"adoctor: imported no fault tree from {conf} (code 1000: request parameter error)",
    ]
    # A check item no rule has is only known to the service.
    unknown = json.loads(json.dumps(HEALTH_TREE))
    unknown["children"][1]["check item"] = "no_such_rule"
    lines = doctor.fails(f"faultree --action add --conf {write(tmp_path / 'unknown.json', unknown)}")
    assert "host health > rebooted" in lines[0] and "no_such_rule" in lines[0]

    sheet = workbook(tmp_path, "t", [(0, "a"), (1, "x|load_high"), (1, "y|no|pe")])
    lines = doctor.fails(f"faultree --action add --conf {sheet}")
    assert lines[0].startswith(f"adoctor: {sheet}: workbook: diag!B5")
    assert doctor.ok("--json faultree --action get").json["trees"] == []


def diag_lines(doctor: Doctor, host: str, *extra: str) -> list[str]:
    now = int(time.time())
    out = doctor.ok(
        f"diag --host_list {host} --tree_list health --start {now - 60} --end {now} --interval 20", *extra
    ).out
    return out.splitlines()


def test_diag_waits_for_the_reports_and_they_are_shown_and_deleted(
    doctor: Doctor, local_host: str, tmp_path: Path
) -> None:
    doctor.ok(f"faultree --action add --tree_list health --conf {write(tmp_path / 't.json', HEALTH_TREE)}")
    lines = diag_lines(doctor, local_host)
    found = re.fullmatch(r"task ([0-9a-f]{32}): 3 reports expected", lines[0])
    assert found, lines
    task_id = found[1]
    bars = [line for line in lines if line.startswith("[")]
    assert bars[-1] == "[" + "#" * 30 + "] 3/3 reports"
    assert len(bars) == len(set(bars))  # one line per change when not on a terminal
    table = lines[1 + len(bars) :]
    assert table[0].split() == ["host_id", "tree_name", "start", "end", "value", "report_id"]
    assert [row.split()[0:2] + row.split()[6:7] for row in table[2:-1]] == [
        [local_host, "health", "true"]
    ] * 3
    assert table[-1] == "3 of 3 reports: 3 true, 0 false, 0 unknown"
    report_ids = [row.split()[-1] for row in table[2:-1]]

    lines = doctor.ok(f"report --action get --task_id {task_id}").out.splitlines()
    assert lines[0].split() == ["host_id", "tree_name", "start", "end", "value", "report_id"]
    assert lines[-1] == "3 of 3 reports, page 1/1"
    reply = doctor.ok(f"--json report --action get --host_list {local_host} --tree_list health").json
    assert sorted(r["report_id"] for r in reply["result"]) == sorted(report_ids)

    lines = doctor.ok(f"report --action get --report_list {report_ids[0]}").out.splitlines()
    assert re.fullmatch(
        rf"report {report_ids[0]}: host {local_host}, tree health, .+ to .+, task {task_id}", lines[0]
    )
    assert lines[1] == "  host health: true - true because resources is true"
    assert lines[2] == "    resources: true - true because canary is true"
    assert lines[3] == "      advice: look at the load"
    assert lines[4] == (
        "      memory low (memory_low): false - rule 'memory_low' was checked and found nothing abnormal"
    )
    assert re.fullmatch(
        r"      canary \(node_exporter_always\): true - "
        r"rule 'node_exporter_always' has \d+ abnormal results? in this slice",
        lines[6],
    )
    assert lines[7].startswith("    rebooted (rebooted): ")
    reply = doctor.ok(f"report --action get --report_list {report_ids[0]} --json").json
    assert reply["result"][0]["report"]["node name"] == "host health"

    result = doctor.run(
        f"report --action delete --report_list {report_ids[0]},{'0' * 32}", "--access_token", doctor.token
    )
    assert (result.code, result.out) == (1, "deleted 1 report\n")
    assert result.err == f"adoctor: failed: {'0' * 32}: not found\n"
    assert (
        doctor.ok(f"report --action get --task_id {task_id}").out.splitlines()[-1]
        == "2 of 2 reports, page 1/1"
    )

    lines = doctor.ok(f"task --action get --task_list {task_id}").out.splitlines()
    assert lines[0].split() == ["task_id", "time", "host_list", "tree_list", "start", "end", "reports"]
    assert lines[2].split()[0] == task_id and lines[-1] == "1 of 1 task, page 1/1"
    out = doctor.ok(f"task --action delete --task_list {task_id}").out
    assert out == f"deleted 1 task: {task_id} (2 reports)\n"
    assert doctor.ok("task --action get").out == "no tasks\n"
    assert doctor.ok(f"report --action get --task_id {task_id}").out == "no reports\n"


def test_diag_for_scripts_no_wait_and_json(doctor: Doctor, local_host: str, tmp_path: Path) -> None:
    doctor.ok(f"faultree --action add --tree_list health --conf {write(tmp_path / 't.json', HEALTH_TREE)}")
    lines = diag_lines(doctor, local_host, "--no-wait")
    assert len(lines) == 1 and ID.fullmatch(lines[0])
    reply = doctor.ok(f"--json diag --host_list {local_host} --tree_list health --interval 1800").json
    assert reply["expected_report_num"] == 2 and reply["progress"]["finished"] is True
    assert reply["reports"]["total_count"] == 2
    assert {r["task_id"] for r in reply["reports"]["result"]} == {reply["task_id"]}
    reply = doctor.ok("--json task --action get").json
    assert reply["total_count"] == 2

    result = doctor.run(
        f"--json diag --host_list {local_host} --tree_list nope", "--access_token", doctor.token
    )
    assert result.code == 1 and result.json["code"] == 1301
    assert result.err.splitlines() == [
        "adoctor: failed: nope: unknown fault tree",
        "adoctor: diagnosed nothing (code 1301: Task execution failed.)",
    ]
    # An unknown host among known ones: the rest is diagnosed, the unknown one named, exit status 1.
    ghost = "0" * 32
    result = doctor.run(
        f"diag --host_list {ghost},{local_host} --tree_list health --interval 1800",
        "--access_token",
        doctor.token,
    )
    assert result.code == 1, (result.out, result.err)
    assert result.err == f"adoctor: failed: {ghost}: unknown host\n"
    assert result.out.startswith("task ") and "2 reports expected" in result.out.splitlines()[0]
    assert result.out.splitlines()[-1].startswith("2 of 2 reports:")


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("faultree --action add", "--action add needs --conf"),
        ("faultree --action delete", "--action delete needs --tree_list"),
        ("faultree --action get --conf /dev/null", "--conf does not apply to --action get"),
        ("diag --tree_list t", "Missing option '--host_list'"),
        ("diag --host_list h --tree_list t --interval 0", "0 is not in the range x>=1"),
        ("report --action delete", "--action delete needs --report_list"),
        ("report --action get --report_list a --task_id b", "--task_id does not apply"),
        ("task --action delete", "--action delete needs --task_list"),
    ],
)
def test_usage_errors_exit_2(doctor: Doctor, command: str, message: str) -> None:
    err = "\n".join(doctor.fails(command, code=2))
    assert message in err, err


def test_an_unreachable_diag_scheduler_names_its_option(doctor: Doctor) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    lines = doctor.fails(f"--diag-scheduler {url} faultree --action get")
    assert lines[0].startswith(f"adoctor: cannot reach {url}/diag/tree/get: ")
    assert "--diag-scheduler/AOPS_DIAG_SCHEDULER_URL may be wrong" in lines[0]
    lines = doctor.fails("task --action get", env={"AOPS_DIAG_SCHEDULER_URL": url})
    assert lines[0].startswith(f"adoctor: cannot reach {url}/diag/task/get: ")


def test_diag_redraws_on_a_terminal_and_gives_up_when_the_progress_stalls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from aops_cli import adoctor_diag
    from aops_cli.adoctor import cli
    from aops_cli.context import State

    task_id = "a" * 32
    done = iter([1, 2, 2])
    calls: list[str] = []

    def post(_self: State, path: str, _body: Any = None, **_kw: Any) -> dict[str, Any]:
        calls.append(path)
        if path == "/diag/execute":
            return {"code": 200, "task_id": task_id, "expected_report_num": 4}
        progress = next(done, 2)
        return {"code": 200, "result": [{"task_id": task_id, "progress": progress, "expected_report_num": 4}]}

    monkeypatch.setattr(State, "post", post)
    monkeypatch.setattr(adoctor_diag, "POLL_SECONDS", 0)
    monkeypatch.setattr(adoctor_diag, "on_terminal", lambda: True)
    result = CliRunner().invoke(cli, ["diag", "--host_list", "h", "--tree_list", "t"], prog_name="adoctor")
    assert result.exit_code == 1
    assert result.stdout == (
        f"task {task_id}: 4 reports expected\n"
        "\r[#######.......................] 1/4 reports"
        "\r[###############...............] 2/4 reports\n"
    )
    assert result.stderr == (
        f"adoctor: task {task_id}: no progress in 10 polls (0 s) at 2/4 reports; it may still finish: "
        f"see `adoctor report --action get --task_id {task_id}`\n"
    )
    assert calls.count("/diag/progress/get") == 12  # two changes, then 10 polls without one
