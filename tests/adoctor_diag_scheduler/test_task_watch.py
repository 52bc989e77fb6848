"""The diag scheduler's task watch on the module's MariaDB + ES data center and an in-process bus,
with short test settings: a task no executor takes fails with its reason; a task whose scheduler
died is taken over and only its slices without a report are published again; a task that cannot
be resumed, or whose requests cannot be published, fails at once with the reason."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adoctor_diag_scheduler import settings as scheduler_settings
from adoctor_diag_scheduler.app import create_app
from adoctor_diag_scheduler.jobs import TaskWatch
from adoctor_diag_scheduler.jobs import slices
from adoctor_diag_scheduler.settings import DiagSchedulerIni
from aops_utils import conf
from aops_utils.bus.memory import MemoryBus
from aops_utils.conf import Endpoint
from aops_utils.contracts.diagnosis import report_id
from aops_utils.errors import ConfigError
from aops_utils.errors import ServiceUnavailable
from aops_utils.serving import serve_in_thread
from tests.adoctor_diag_scheduler.conftest import RULES
from tests.adoctor_diag_scheduler.conftest import Diag
from tests.adoctor_diag_scheduler.test_trees_and_requests import execute_body
from tests.adoctor_diag_scheduler.test_trees_and_requests import good_tree
from tests.aops_cli.conftest import Doctor
from tests.schedulers import diag_scheduler
from tests.suite import Suite
from tests.suite import free_port

TOPIC = "DIAGNOSE_EXECUTE_REQ"
# The watch runs every half second; a task may take 2 s; a dead scheduler's lease lasts 1 s.
TASK_INI = "[task]\nwatch_interval=0.5\nlease=1\ntimeout=2\ntimeout_per_report=0\n"


@dataclass
class Watched(Diag):
    token: str = ""
    host_id: str = ""

    def execute(self, seconds: int = 60, interval: int = 20) -> dict[str, Any]:
        body = execute_body([self.host_id], seconds=seconds, interval=interval)
        status, reply = self.call("/diag/execute", body, self.token)
        assert status == 200, reply
        return reply

    def state(self, task_id: str) -> dict[str, Any]:
        status, reply = self.call("/diag/progress/get", {"task_list": [task_id]}, self.token)
        assert status == 200, reply
        return dict(reply["result"][0])

    def wait_state(self, task_id: str, status: str, timeout: float = 20) -> dict[str, Any]:
        deadline = time.time() + timeout
        while (row := self.state(task_id))["status"] != status:
            assert time.time() < deadline, f"the task is not {status}: {row}"
            time.sleep(0.2)
        return row

    def save_task(self, task_id: str, start: int, trees: list[str], **state: Any) -> None:
        """A task as a scheduler saves it before publishing (the hosts are the user's one host)."""
        body = {
            "task_id": task_id,
            "time": int(time.time()),
            "host_list": [self.host_id],
            "tree_list": trees,
            "time_range": [start, start + 60],
            "interval": 10,
            "expected_report_num": 6 * len(trees),
            **state,
        }
        assert self.data("/data/diag/task/save", body, self.token)["code"] == 200


def requests_of(bus: MemoryBus, task_id: str) -> list[dict[str, Any]]:
    """The requests of the task on the bus so far, read by a consumer group of the test's own."""
    consumer = bus.consumer([TOPIC], f"test-{uuid.uuid4().hex}")
    try:
        found: list[dict[str, Any]] = []
        while batch := consumer.poll(0.2, 1000):
            found += [m.value for m in batch if m.value["task_id"] == task_id]
        return found
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def watched(suite: Suite) -> Iterator[Watched]:
    # Announced in system.ini, where `adoctor` looks it up.
    with diag_scheduler(suite.conf_dir, ini=TASK_INI, announce=True) as served:
        _name, token = suite.add_user()
        found = Watched(suite, served.url, served.bus, token, suite.add_host(token))
        assert found.data("/data/check/rule/add", RULES, token)["code"] == 200
        trees = {"trees": [{"tree_name": "health", "tree_content": good_tree()}]}
        status, reply = found.call("/diag/tree/import", trees, token)
        assert status == 200, reply
        yield found


def test_a_task_no_executor_takes_fails_with_its_reason_after_the_timeout(watched: Watched) -> None:
    task = watched.execute()
    assert task["expected_report_num"] == 3
    assert watched.state(task["task_id"])["status"] == "running"
    row = watched.wait_state(task["task_id"], "failed")
    assert row["reason"].startswith("timed out: 0 of 3 reports were stored before the deadline"), row
    assert (row["progress"], row["finished"]) == (0, False)
    status, reply = watched.call("/diag/task/get", {"task_list": [task["task_id"]]}, watched.token)
    assert status == 200, reply
    [info] = reply["task_infos"]
    assert (info["status"], info["reason"]) == ("failed", row["reason"])
    assert len(requests_of(watched.bus, task["task_id"])) == 3  # published once, never again


def test_a_dead_schedulers_task_is_taken_over_and_only_its_missing_slices_published(watched: Watched) -> None:
    task_id, start = uuid.uuid4().hex, int(time.time()) - 3600
    watched.save_task(task_id, start, ["health"], owner="dead-scheduler", lease=1, timeout=600)
    cuts = slices(start, start + 60, 10)
    # Two of its six slices were diagnosed before its scheduler died.
    done = [
        {
            "report_id": report_id(task_id, watched.host_id, "health", a, b),
            "task_id": task_id,
            "host_id": watched.host_id,
            "tree_name": "health",
            "start": a,
            "end": b,
            "report": {"node name": "host health", "value": True},
        }
        for a, b in cuts[:2]
    ]
    watched.data("/data/diag/report/save", {"reports": done}, watched.token)
    deadline = time.time() + 20
    while len(sent := requests_of(watched.bus, task_id)) < 4:
        assert time.time() < deadline, sent
        time.sleep(0.3)
    assert sorted(tuple(m["time_range"]) for m in sent) == [tuple(c) for c in cuts[2:]]
    assert {(m["host_id"], m["tree_name"], m["public_ip"]) for m in sent} == {
        (watched.host_id, "health", "127.0.0.1")
    }
    assert all(m["tree_content"] == good_tree() and m["username"] for m in sent)
    # Its new holder keeps it: nothing is published again while it runs, until its time is up.
    row = watched.wait_state(task_id, "failed")
    assert row["reason"].startswith("timed out: 2 of 6 reports"), row
    assert len(requests_of(watched.bus, task_id)) == 4


def test_a_task_whose_tree_was_deleted_meanwhile_fails_when_it_is_resumed(watched: Watched) -> None:
    task_id = uuid.uuid4().hex
    watched.save_task(task_id, int(time.time()) - 600, ["health", "gone"], owner="dead-scheduler", lease=1)
    row = watched.wait_state(task_id, "failed")
    assert row["reason"] == "cannot be resumed: fault tree 'gone' no longer exists", row
    assert requests_of(watched.bus, task_id) == []


def test_a_task_whose_requests_cannot_be_published_fails_at_once(watched: Watched) -> None:
    system, ini = scheduler_settings.load(watched.suite.conf_dir)
    broken_bus = MemoryBus()
    app = create_app(system, ini, bus=broken_bus, start_jobs=False)
    server, _ = serve_in_thread(app, Endpoint(ip="127.0.0.1", port=free_port()), "test-broken-scheduler")
    broken_bus.close()  # its producer now refuses every message
    try:
        other = Watched(watched.suite, f"http://127.0.0.1:{server.server_port}", broken_bus)
        other.token, other.host_id = watched.token, watched.host_id
        before = {t["task_id"] for t in other.call("/diag/task/get", {}, watched.token)[1]["task_infos"]}
        status, reply = other.call("/diag/execute", execute_body([watched.host_id]), watched.token)
        assert status >= 500, reply
        listed = other.call("/diag/task/get", {}, watched.token)[1]["task_infos"]
        [task] = [t for t in listed if t["task_id"] not in before]
        assert task["status"] == "failed", task
        assert task["reason"].startswith("its requests could not be published: "), task
    finally:
        server.shutdown()
        app.extensions["adoctor_diag_scheduler"].close()


def test_adoctor_diag_stops_waiting_at_a_failed_task_and_says_why(watched: Watched, tmp_path: Path) -> None:
    doctor = Doctor(watched.suite.conf_dir, tmp_path / "cli-home", watched.token)
    now = int(time.time())
    window = f"--start {now - 40} --end {now} --interval 20"
    started = time.monotonic()
    [line] = doctor.fails(f"diag --host_list {watched.host_id} --tree_list health {window}")
    assert re.fullmatch(
        r"adoctor: task [0-9a-f]{32} failed at 0/2 reports: timed out: 0 of 2 reports were stored "
        r"before the deadline .+",
        line,
    ), line
    # Well before `diag` would give up on a task that shows no progress (10 polls of 2 s).
    assert time.monotonic() - started < 15


def test_a_lease_that_would_run_out_between_two_watches_is_refused(tmp_path: Path) -> None:
    (tmp_path / "diag_scheduler.ini").write_text("[task]\nwatch_interval=30\nlease=45\n")
    with pytest.raises(ConfigError, match=r"diag_scheduler.ini \[task\]: .*lease must be at least twice"):
        conf.load(DiagSchedulerIni, "diag_scheduler.ini", tmp_path)


class _AwayOnce:
    """The data center's edge for one claimed task, away during the first resume."""

    def __init__(self, task: dict[str, Any]) -> None:
        self.task = task
        self.claims = [[task], [], []]
        self.calls = 0

    def watch_tasks(self, body: Any) -> dict[str, Any]:
        return {"renewed": 0, "finished": [], "failed": [], "claimed": self.claims.pop(0)}

    def trees(self, names: list[str], who: str) -> list[dict[str, Any]]:
        self.calls += 1
        if self.calls == 1:
            raise ServiceUnavailable("the data center is restarting")
        return [{"tree_name": "health", "tree_content": good_tree()}]

    def host_basics(self, host_ids: list[str], who: str) -> list[dict[str, Any]]:
        return [{"host_id": h, "public_ip": "127.0.0.1"} for h in host_ids]

    def list_reports(self, body: Any, who: str) -> dict[str, Any]:
        return {"result": []}


def test_a_claimed_task_whose_resume_met_an_outage_is_resumed_at_the_next_watch() -> None:
    """The claim holds the task for this scheduler alone: it must not be dropped on a failure."""
    task_id = uuid.uuid4().hex
    row = {
        "task_id": task_id,
        "username": "u",
        "host_list": ["h1"],
        "tree_list": ["health"],
        "time_range": [0, 30],
        "interval": 10,
        "expected_report_num": 3,
    }
    bus = MemoryBus()
    settings = DiagSchedulerIni().task
    watch = TaskWatch(_AwayOnce(row), bus.producer(), TOPIC, settings, "me")  # type: ignore[arg-type]
    try:
        assert watch.run() == 0  # claimed; the trees could not be read
        assert watch.run() == 3  # claims nothing new, resumes the pending one
        assert watch.run() == 0
        assert sorted(m["time_range"] for m in requests_of(bus, task_id)) == [[0, 10], [10, 20], [20, 30]]
    finally:
        bus.close()
