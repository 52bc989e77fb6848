"""A leaf is false only where its rule, as it is now, was evaluated: on the real servers.

Kafka (a private Tansu), MariaDB, the ES-API server and Prometheus behind a TcpProxy, with the
check schedule driven by the tests. To see what a diagnosis evaluated, Prometheus is cut while
it runs: a leaf evaluated on demand then reads "Internal error" (unknown), so a `false` leaf can
only come from what the check executor evaluated before, which each test knows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from aops_utils.contracts import BACKWARD_POSITION
from aops_utils.contracts import FORWARD_POSITION
from tests.adoctor_check_scheduler.conftest import NODE_IP
from tests.adoctor_check_scheduler.conftest import Checks
from tests.adoctor_check_scheduler.conftest import checks  # noqa: F401 (module fixture)
from tests.adoctor_diag_scheduler.test_diagnosis_e2e import HEALTH_IMPORT
from tests.adoctor_diag_scheduler.test_diagnosis_e2e import Diagnosis
from tests.adoctor_diag_scheduler.test_diagnosis_e2e import diagnosis  # noqa: F401
from tests.adoctor_diag_scheduler.test_diagnosis_e2e import leaves
from tests.suite import data_call

# Four windows of 60 s walked back from now, each judged on node_exporter's samples.
pytestmark = pytest.mark.prometheus_history(300)

RULES = json.loads((Path(__file__).resolve().parents[2] / "conf/check_rules/node_exporter.json").read_text())


def call(url: str, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
    reply = requests.post(url + path, json=body, headers={"access_token": token}, timeout=60)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


class User:
    """A user of its own with the local machine as a host: its rules, trees and diagnoses."""

    def __init__(self, diag: Diagnosis, ip: str = NODE_IP) -> None:
        self.diagnosis = diag
        self.checks = diag.checks
        self.name, self.token = self.checks.suite.add_user()
        self.host_id = ""
        self.ip = ip

    def add_host(self) -> None:
        self.host_id = self.checks.suite.add_host(self.token, ip=self.ip)

    def import_rules(self, rules: list[dict[str, Any]]) -> None:
        reply = call(self.checks.url, "/check/rule/import", {"check_items": rules}, self.token)
        assert reply["code"] == 200, reply

    def import_tree(self) -> None:
        reply = call(self.diagnosis.url, "/diag/tree/import", HEALTH_IMPORT, self.token)
        assert reply["succeed_list"] == ["health"], reply

    def wait_checked(self, start: int, end: int, timeout: float = 60) -> None:
        """Until the canary's results of the window are stored (the task's results come together)."""
        deadline = time.time() + timeout
        body = {"time_range": [start, end], "check_items": ["node_exporter_always"]}
        while not call(self.checks.url, "/check/result/get", body, self.token)["check_result"]:
            assert time.time() < deadline, f"the window {start}-{end} was never checked"
            time.sleep(0.5)
        # The coverage record follows the results: until it is stored, a diagnosis would evaluate
        # the window's rules itself (a fixed second's wait was too short on a loaded machine).
        suite = self.checks.suite
        covering = {
            "time_range": [start, end],
            "check_items": [rule["check_item"] for rule in RULES["check_items"]],
            "host_list": [self.host_id],
        }
        while True:
            status, reply = data_call(
                suite, "/data/check/coverage/get", covering, token=suite.service_token(self.name)
            )
            assert status == 200, reply
            if any(c["time_range"] == [start, end] for c in reply["coverage"]):
                break
            assert time.time() < deadline, f"the window {start}-{end} has results but no coverage record"
            time.sleep(0.5)
        # A rule that failed there (No data, Internal error) is not covered and would be evaluated
        # on demand: every test here reads windows whose every rule was evaluated.
        records = [c for c in reply["coverage"] if c["time_range"] == [start, end]]
        failed = [r["check_item"] for c in records for r in c["rules"] if self.host_id in r["failed"]]
        if failed:
            body = {"time_range": [start, end], "check_items": failed}
            found = call(self.checks.url, "/check/result/get", body, self.token)["check_result"]
            pytest.fail(f"the check of {start}-{end} failed for {failed}: {found}")

    def diagnose(self, start: int, end: int, interval: int) -> list[dict[str, Any]]:
        """The reports of /diag/execute over the range, once the task has finished."""
        url = self.diagnosis.url
        body = {"host_list": [self.host_id], "time_range": [start, end], "tree_list": ["health"]}
        task = call(url, "/diag/execute", body | {"interval": interval}, self.token)
        deadline = time.time() + 90
        while True:
            (row,) = call(url, "/diag/progress/get", {"task_list": [task["task_id"]]}, self.token)["result"]
            if row["finished"]:
                break
            assert time.time() < deadline, row
            time.sleep(0.5)
        listing = {"task_id": task["task_id"], "page": 1, "per_page": 50}
        listed = call(url, "/diag/report/get_list", listing, self.token)["result"]
        ids = [r["report_id"] for r in listed]
        assert len(ids) == task["expected_report_num"]
        return list(call(url, "/diag/report/get", {"report_list": ids}, self.token)["result"])


def set_positions(pipeline: Checks, forward: int, backward: int) -> None:
    """Where the check schedule stands, as its first forward run (or a long history) leaves it."""
    token = pipeline.suite.service_token()
    state = {FORWARD_POSITION: forward, BACKWARD_POSITION: backward}
    status, reply = data_call(pipeline.suite, "/data/check/state/set", {"state": state}, token=token)
    assert status == 200, reply


@contextmanager
def prometheus_cut(pipeline: Checks) -> Iterator[None]:
    """Nothing can be evaluated while this lasts: every /data/data/get fails to reach Prometheus."""
    pipeline.prometheus.stop()
    try:
        yield
    finally:
        pipeline.prometheus.start()


def false_leaves(reports: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [
        (report["start"], node["check item"])
        for report in reports
        for node in leaves(report["report"]).values()
        if node["value"] is False
    ]


def assert_read_as_checked(report: dict[str, Any]) -> None:
    """Every leaf's verdict comes from what the check executor stored (Prometheus is cut): the
    canary is abnormal, no rule is unknown for want of a check or of data."""
    found = leaves(report["report"])
    assert found["canary"]["value"] is True, found["canary"]
    for name, node in found.items():
        assert node["value"] is not None, (report["start"], name, node)


def started(diag: Diagnosis) -> None:
    if not diag.executors:
        diag.start_executor()


@pytest.fixture
def user(diagnosis: Diagnosis) -> User:  # noqa: F811
    """A user whose host, sample rules and tree are in place, the schedule's positions at now
    (in this module `user` is a User, not the (name, token) of tests/conftest.py)."""
    started(diagnosis)
    user = User(diagnosis)
    user.add_host()
    user.import_rules(RULES["check_items"])
    user.import_tree()
    now = int(time.time())
    set_positions(diagnosis.checks, now, now)
    return user


def test_a_host_and_rules_added_after_the_schedule_passed_are_never_read_as_checked(
    diagnosis: Diagnosis,  # noqa: F811
) -> None:
    """The README's walk-through: the suite runs for a while, then the local machine and the
    sample rules are added, then the last hour is diagnosed."""
    pipeline = diagnosis.checks
    started(diagnosis)
    user = User(diagnosis)
    now = int(time.time())
    set_positions(pipeline, now, now)
    for _ in range(60):  # an hour of history, walked back as the backward job does
        pipeline.schedule.backward()
    time.sleep(3)
    window = pipeline.schedule.forward()
    assert window is not None

    user.add_host()
    user.import_rules(RULES["check_items"])
    user.import_tree()
    time.sleep(6)  # a few scrapes (every 2 s) for the window to judge
    checked = pipeline.schedule.forward()  # the first window the executor pipeline for this host
    assert checked is not None
    user.wait_checked(*checked)

    end = checked[1]
    with prometheus_cut(pipeline):
        reports = user.diagnose(end - 3600, end, 600)
        (inside,) = user.diagnose(*checked, checked[1] - checked[0])
    assert len(reports) == 6
    # No slice of the hour lies within the one checked window: nothing may be false. Only the
    # last slice, which contains that window, may show its stored Abnormal results.
    assert false_leaves(reports) == []
    for report in reports:
        assert report["report"]["value"] is not False, report
        if report["end"] < checked[0]:
            for name, node in leaves(report["report"]).items():
                assert node["value"] is None, (report["start"], name, node)
    assert_read_as_checked(inside)


def test_a_result_of_a_rule_changed_since_its_slice_was_checked_does_not_count(user: User) -> None:
    pipeline = user.checks
    windows = [pipeline.schedule.backward() for _ in range(3)]
    start, end = windows[-1] or (0, 0)
    user.wait_checked(start, end)

    by_name = {rule["check_item"]: rule for rule in RULES["check_items"]}
    changed = [
        by_name["node_exporter_always"] | {"condition": "$0 < 0"},  # was always abnormal: now never
        by_name["memory_low"] | {"condition": "$0 < 2 * $1"},  # was never abnormal: now always
    ]
    user.import_rules(changed)
    with prometheus_cut(pipeline):
        (stale,) = user.diagnose(start, end, end - start)
    found = leaves(stale["report"])
    # Neither the old version's Abnormal results nor its silence says anything of the new one.
    for name in ("canary", "memory low"):
        assert found[name]["value"] is None, found[name]
        assert found[name]["evidence"]["results"] == [] or all(
            r["value"] != "Abnormal" for r in found[name]["evidence"]["results"]
        ), found[name]
    # The unchanged rules were checked in that version: their stored verdicts stand.
    assert found["load"]["value"] is not None and found["rebooted"]["value"] is not None, found

    (fresh,) = user.diagnose(start, end, end - start)  # Prometheus back: the new versions run now
    found = leaves(fresh["report"])
    assert found["canary"]["value"] is False, found["canary"]
    assert found["memory low"]["value"] is True, found["memory low"]


def test_windows_whose_check_tasks_are_held_back_are_not_read_as_checked(user: User) -> None:
    pipeline = user.checks
    # A first window checked shows the executor in its group before it is stopped (see
    # test_executor_crash: stopping a member mid-join wedges the group on Tansu).
    warm_up = pipeline.schedule.backward()
    assert warm_up is not None
    user.wait_checked(*warm_up)
    pipeline.stop_executors()
    try:
        held = [pipeline.schedule.backward() for _ in range(3)]  # published, consumed by nobody
        start, end = held[-1] or (0, 0)
        pipeline.schedule.forward()  # the positions move on regardless
        with prometheus_cut(pipeline):
            reports = user.diagnose(start, end, (end - start) // 2)
        assert len(reports) == 2
        assert false_leaves(reports) == []
        for report in reports:
            assert report["report"]["value"] is not False, report
    finally:
        pipeline.start_executor()

    # Once the executor has worked the held tasks off, the same slices read as checked.
    user.wait_checked(start, end)
    with prometheus_cut(pipeline):
        reports = user.diagnose(start, end, (end - start) // 2)
    assert len(reports) == 2
    for report in reports:
        assert_read_as_checked(report)


def test_a_window_that_failed_counts_as_checked_once_its_retry_succeeds(user: User) -> None:
    pipeline = user.checks
    time.sleep(6)
    token = pipeline.suite.service_token()

    def canary() -> list[str]:
        body = {"time_range": [start, end], "check_items": ["node_exporter_always"]}
        return [r["value"] for r in call(pipeline.url, "/check/result/get", body, user.token)["check_result"]]

    def retried() -> bool:
        status, reply = data_call(pipeline.suite, "/data/check/retry/get", {}, token=token)
        assert status == 200, reply
        return any(r["username"] == user.name for r in reply["retries"])

    with prometheus_cut(pipeline):
        window = pipeline.schedule.forward()  # checked while Prometheus is away: Internal error
        assert window is not None
        start, end = window
        deadline = time.time() + 60
        while not (canary() and retried()):
            assert time.time() < deadline, "the failed window was never queued for a retry"
            time.sleep(0.5)
        (failed,) = user.diagnose(start, end, end - start)
        assert false_leaves([failed]) == [] and failed["report"]["value"] is None, failed

    assert pipeline.schedule.retries() >= 1  # cool_down_time=0: due at once
    deadline = time.time() + 60
    while canary() == [] or any(value != "Abnormal" for value in canary()):
        assert time.time() < deadline, f"the retry never replaced the failures: {canary()}"
        time.sleep(0.5)
    time.sleep(1)  # the coverage record follows the results
    with prometheus_cut(pipeline):
        (checked,) = user.diagnose(start, end, end - start)
    assert_read_as_checked(checked)
