"""Diagnosis end to end on real servers: Kafka (a private Tansu), MariaDB, the ES-API server and
Prometheus (node_exporter behind a TcpProxy).

The sample rules are imported through the check scheduler, one forward window is checked, a tree
over those rules is imported, and /diag/execute diagnoses that window (results stored) and a
slice an hour ago (before the schedule started: evaluated on demand). Then a diag executor
process is killed with SIGKILL mid-task; the next one completes the task with no duplicates.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from adoctor_diag_executor import settings as executor_settings
from adoctor_diag_executor.service import DiagExecutor
from adoctor_diag_executor.service import build
from adoctor_diag_scheduler import settings as scheduler_settings
from adoctor_diag_scheduler.app import create_app
from aops_utils.bus.settings import bus_from
from aops_utils.serving import serve_in_thread
from tests.adoctor_check_scheduler.conftest import Checks
from tests.adoctor_check_scheduler.conftest import checks  # noqa: F401 (the module fixture, reused)
from tests.adoctor_check_scheduler.conftest import start_in_process
from tests.adoctor_check_scheduler.conftest import stop_all
from tests.adoctor_check_scheduler.test_executor_crash import killed_mid_fetch
from tests.procs import stop
from tests.samples import HEALTH_TREE
from tests.suite import data_call
from tests.suite import free_port

RULES = json.loads((Path(__file__).resolve().parents[2] / "conf/check_rules/node_exporter.json").read_text())
HEALTH_IMPORT = {"trees": [{"tree_name": "health", "tree_content": HEALTH_TREE}]}


@dataclass
class Diagnosis:
    checks: Checks
    url: str
    executors: list[DiagExecutor]

    def post(self, path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        reply = requests.request(
            method, self.url + path, json=body, headers={"access_token": self.checks.token}, timeout=60
        )
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def start_executor(self) -> DiagExecutor:
        return start_in_process(self.checks.suite.conf_dir, executor_settings, build, self.executors)

    def stop_executors(self) -> None:
        stop_all(self.executors)

    def execute(self, start: int, end: int, interval: int) -> dict[str, Any]:
        """/diag/execute of the "health" tree on the pipeline's host."""
        body = {
            "host_list": [self.checks.host_id],
            "time_range": [start, end],
            "tree_list": ["health"],
            "interval": interval,
        }
        return self.post("/diag/execute", body)

    def progress(self, task_id: str) -> dict[str, Any]:
        (row,) = self.post("/diag/progress/get", {"task_list": [task_id]})["result"]
        return dict(row)

    def wait_finished(self, task_id: str, timeout: float = 90) -> dict[str, Any]:
        deadline = time.time() + timeout
        while True:
            row = self.progress(task_id)
            if row["finished"]:
                return row
            assert time.time() < deadline, f"the task never finished: {row}"
            time.sleep(0.5)

    def reports(self, task_id: str) -> list[dict[str, Any]]:
        listed = self.post("/diag/report/get_list", {"task_id": task_id, "page": 1, "per_page": 50})
        ids = [r["report_id"] for r in listed["result"]]
        assert len(ids) == listed["total_count"], listed
        if not ids:
            return []
        return list(self.post("/diag/report/get", {"report_list": ids})["result"])


@pytest.fixture(scope="module")
def diagnosis(checks: Checks) -> Iterator[Diagnosis]:  # noqa: F811
    conf_dir = checks.suite.conf_dir
    kafka = (conf_dir / "check_scheduler.ini").read_text().split("[check_scheduler]")[0]
    port = free_port()
    # The task watch runs every second; a scheduler that stops renewing is replaced after 3 s.
    watch = "[task]\nwatch_interval=1\nlease=3\n"
    (conf_dir / "diag_scheduler.ini").write_text(kafka + f"[diag_scheduler]\nport={port}\n{watch}")
    (conf_dir / "diag_executor.ini").write_text(kafka + "[executor]\nconsumers=1\nsample_period=2\n")
    system, ini = scheduler_settings.load(conf_dir)
    bus = bus_from(ini.bus, producer=ini.producer)
    bus.ensure_topics([ini.topic.name])
    app = create_app(system, ini, bus=bus)
    server, _ = serve_in_thread(app, ini.diag_scheduler.endpoint, "test-diag-scheduler")
    found = Diagnosis(checks, f"http://127.0.0.1:{port}", [])
    try:
        yield found
    finally:
        found.stop_executors()
        server.shutdown()
        app.extensions["adoctor_diag_scheduler"].close()
        bus.close()


def leaves(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    stack = [report]
    while stack:
        node = stack.pop()
        if "check item" in node:
            found[node["node name"]] = node
        stack.extend(node.get("children", []))
    return found


def test_checked_and_unchecked_slices_are_diagnosed(diagnosis: Diagnosis) -> None:
    pipeline = diagnosis.checks
    reply = pipeline.post("/check/rule/import", RULES)
    assert reply["code"] == 200, reply
    pipeline.schedule.forward()  # records where checking starts
    # Each half of the window must hold several 2 s scrapes even when a loaded machine delays
    # some: a half without a sample is checked (its window was) but has no abnormal result.
    time.sleep(16)
    window = pipeline.schedule.forward()
    assert window is not None
    start, end = window
    pipeline.wait_for(
        lambda f: any(start <= r["start"] <= end for r in f), check_items=["node_exporter_always"], timeout=60
    )
    time.sleep(2)  # the window's other rules are stored in the same task
    reply = diagnosis.post("/diag/tree/import", HEALTH_IMPORT)
    assert reply["code"] == 200 and reply["succeed_list"] == ["health"], reply
    diagnosis.start_executor()

    interval = (end - start) // 2
    task = diagnosis.execute(start, end, interval)
    slices = len(range(start, end, interval))
    assert task["expected_report_num"] == slices >= 2, task
    row = diagnosis.wait_finished(task["task_id"])
    assert row["progress"] == row["expected_report_num"] == slices, row
    reports = diagnosis.reports(task["task_id"])
    assert len(reports) == slices
    assert {(r["start"], r["end"]) for r in reports} == {
        (s, min(s + interval, end)) for s in range(start, end, interval)
    }
    for found in reports:
        assert found["host_id"] == pipeline.host_id and found["tree_name"] == "health"
        tree = found["report"]
        assert tree["value"] is True, leaves(tree)
        assert tree["children"][0]["value"] is True
        canary = leaves(tree)["canary"]
        assert canary["value"] is True and canary["msg"] == "", canary
        evidence = canary["evidence"]
        assert evidence["status"] == "abnormal" and evidence["result_count"] >= 1, evidence
        assert all(r["value"] == "Abnormal" for r in evidence["results"])
        assert all(found["start"] <= r["start"] <= found["end"] for r in evidence["results"]), evidence
        for name, node in leaves(tree).items():
            assert not node["msg"].startswith("Not checked"), (name, node)

    # An hour ago: the check schedule never covered it, so the silent leaves are evaluated now.
    old = start - 3600
    task = diagnosis.execute(old, old + 20, 10)
    assert task["expected_report_num"] == 2
    diagnosis.wait_finished(task["task_id"])
    reports = diagnosis.reports(task["task_id"])
    assert len(reports) == 2
    for found in reports:
        for name, node in leaves(found["report"]).items():
            assert not node["msg"].startswith("Not checked"), (name, node)
            assert not node["evidence"]["reason"].startswith("Not checked"), (name, node)
        canary = leaves(found["report"])["canary"]
        # Prometheus either holds samples of that slice (abnormal) or none ("No data"): a result.
        assert canary["evidence"]["result_count"] >= 1, canary


def test_a_task_of_a_killed_executor_is_completed_once(
    diagnosis: Diagnosis, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pipeline = diagnosis.checks
    if not diagnosis.executors:  # run alone: the previous test imported rules and the tree
        pipeline.post("/check/rule/import", RULES)
        diagnosis.post("/diag/tree/import", HEALTH_IMPORT)
    # The in-process executor has joined and worked (previous test); it leaves the group cleanly.
    diagnosis.stop_executors()
    log = tmp_path / "diag_executor.log"
    proc = pipeline.start_process("adoctor_diag_executor", log)
    time.sleep(5)  # the new member joins the group before messages arrive
    old = int(time.time()) - 7200
    with killed_mid_fetch(pipeline, monkeypatch, proc, log):
        task = diagnosis.execute(old, old + 60, 10)
        expected = task["expected_report_num"]
        assert expected == 6
    killed_at = diagnosis.progress(task["task_id"])
    assert killed_at["progress"] < expected and not killed_at["finished"], killed_at

    time.sleep(3)  # the killed member's 2 s session expires
    second = pipeline.start_process("adoctor_diag_executor", tmp_path / "diag_executor2.log")
    try:
        row = diagnosis.wait_finished(task["task_id"], timeout=120)
        time.sleep(3)  # a late duplicate would show up now
        row = diagnosis.progress(task["task_id"])
        assert row["progress"] == row["expected_report_num"] == expected, row
        assert (row["status"], row["reason"]) == ("finished", ""), row
        [info] = diagnosis.post("/diag/task/get", {"task_list": [task["task_id"]]})["task_infos"]
        assert (info["status"], info["cur_report_num"]) == ("finished", expected), info
        reports = diagnosis.reports(task["task_id"])
        ids = [r["report_id"] for r in reports]
        assert len(ids) == len(set(ids)) == expected
        assert sorted(r["start"] for r in reports) == list(range(old, old + 60, 10))
        assert all(r["report"]["node name"] == "host health" for r in reports)
    finally:
        stop(second)


def test_a_task_its_scheduler_died_before_publishing_is_resumed_by_the_watch_and_finishes_once(
    diagnosis: Diagnosis,
) -> None:
    """A task saved by a scheduler that was killed before its requests reached Kafka: when its lease
    runs out the running scheduler's watch publishes its slices, and the executors finish it."""
    pipeline = diagnosis.checks
    if not diagnosis.executors:
        pipeline.post("/check/rule/import", RULES)
        diagnosis.post("/diag/tree/import", HEALTH_IMPORT)
        diagnosis.start_executor()
    task_id, start = uuid.uuid4().hex, int(time.time()) - 5400
    body = {
        "task_id": task_id,
        "time": int(time.time()),
        "host_list": [pipeline.host_id],
        "tree_list": ["health"],
        "time_range": [start, start + 40],
        "interval": 10,
        "expected_report_num": 4,
        "owner": "killed-diag-scheduler",
        "lease": 1,
        "timeout": 600,
    }
    suite = pipeline.suite
    status, reply = data_call(suite, "/data/diag/task/save", body, token=suite.service_token("admin"))
    assert status == 200, reply
    assert diagnosis.progress(task_id)["status"] == "running"
    row = diagnosis.wait_finished(task_id, timeout=90)
    time.sleep(3)  # the watch runs every second: the task stays finished, its reports as they are
    row = diagnosis.progress(task_id)
    assert (row["progress"], row["status"]) == (4, "finished"), row
    reports = diagnosis.reports(task_id)
    assert sorted((r["start"], r["end"]) for r in reports) == [
        (s, s + 10) for s in range(start, start + 40, 10)
    ]
    assert len({r["report_id"] for r in reports}) == 4


def test_a_batch_gives_the_reports_one_request_at_a_time_gives(diagnosis: Diagnosis) -> None:
    """Checked slices and an unchecked one, far apart, in one batch: the same reports, same ids."""
    from aops_utils.contracts import BACKWARD_POSITION
    from aops_utils.contracts import FORWARD_POSITION
    from aops_utils.contracts.diagnosis import DiagnoseRequest
    from tests.adoctor_check_scheduler.conftest import NODE_IP

    pipeline = diagnosis.checks
    if not diagnosis.executors:  # run alone: rules, a checked window and the tree come first
        pipeline.post("/check/rule/import", RULES)
        pipeline.schedule.forward()
        time.sleep(6)
        pipeline.schedule.forward()
        diagnosis.post("/diag/tree/import", HEALTH_IMPORT)
    system, ini = executor_settings.load(pipeline.suite.conf_dir)
    worker = build(system, ini, bus_from(ini.bus, consumer=ini.consumer)).worker
    state = pipeline.schedule._state()
    backward, forward = state[BACKWARD_POSITION], state[FORWARD_POSITION]
    # Results of the last window may still be arriving: wait until the stored results stop
    # changing, so that both ways read the same ones.
    seen: list[int] = []
    while len(seen) < 2 or seen[-1] != seen[-2]:
        assert len(seen) < 30, seen
        found = pipeline.post("/check/result/get", {"time_range": [backward, forward]})
        seen.append(int(found["total_count"]))
        time.sleep(1)
    old = forward - 7200  # before the schedule started: evaluated on demand
    cuts = [(forward - 4, forward), (backward, backward + 4), (old, old + 10)]
    requests_ = [
        DiagnoseRequest(
            username="admin",
            host_id=pipeline.host_id,
            public_ip=NODE_IP,
            time_range=[a, b],
            tree_name="health",
            tree_content=HEALTH_TREE,
            task_id=f"{n:032x}",
        )
        for n, (a, b) in enumerate(cuts)
    ]
    together = worker.handle_batch(requests_)
    alone = [worker.handle(request) for request in requests_]
    assert [r["report_id"] for r in together] == [r["report_id"] for r in alone]
    for batched, single in zip(together, alone, strict=True):
        assert batched == single, (batched["start"], batched["end"])
    for found in together:  # stored results (checked slices) or evaluated now (the old one)
        assert all(not node["msg"].startswith("Not checked") for node in leaves(found["report"]).values()), (
            found
        )


def test_unchecked_slices_of_many_hosts_are_evaluated_together_and_never_silently_normal(
    diagnosis: Diagnosis,
) -> None:
    """Two hosts (one address) in one unchecked slice: their leaves evaluated now, each with
    results of its own; a request without an address leaves every leaf unknown, not normal."""
    from aops_utils.contracts.diagnosis import DiagnoseRequest
    from tests.adoctor_check_scheduler.conftest import NODE_IP

    pipeline = diagnosis.checks
    if not diagnosis.executors:
        pipeline.post("/check/rule/import", RULES)
        diagnosis.post("/diag/tree/import", HEALTH_IMPORT)
    system, ini = executor_settings.load(pipeline.suite.conf_dir)
    worker = build(system, ini, bus_from(ini.bus, consumer=ini.consumer)).worker
    old = int(time.time()) - 3 * 3600
    twin = "f" * 32  # another host id at the same address: evaluated in the same data fetch

    def ask(host_id: str, ip: str) -> DiagnoseRequest:
        return DiagnoseRequest(
            username="admin",
            host_id=host_id,
            public_ip=ip,
            time_range=[old, old + 30],
            tree_name="health",
            tree_content=HEALTH_TREE,
            task_id="e" * 32,
        )

    first, second, blind = worker.handle_batch(
        [ask(pipeline.host_id, NODE_IP), ask(twin, NODE_IP), ask("d" * 32, "")]
    )
    for found in (first, second):
        for name, node in leaves(found["report"]).items():
            assert not node["evidence"]["reason"].startswith("Not checked"), (name, node)
    for found in (first, second):  # each host has the results of its own evaluation
        assert leaves(found["report"])["canary"]["evidence"]["result_count"] >= 1, found
    assert first["report"] == second["report"]  # same address, same slice: same data
    for name, node in leaves(blind["report"]).items():
        assert node["value"] is None and node["evidence"]["reason"].startswith("Not checked: "), (name, node)
    assert blind["report"]["value"] is None
