"""End to end: rules imported, tasks on Kafka, node_exporter data from Prometheus, results in ES."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from adoctor_check_scheduler import settings as scheduler_settings
from aops_utils.bus.settings import bus_from
from aops_utils.contracts.checks import CheckTask
from aops_utils.contracts.topics import FORWARD_TASK_ID
from aops_utils.contracts.topics import Topic
from tests.adoctor_check_scheduler.conftest import NODE_IP
from tests.adoctor_check_scheduler.conftest import Checks
from tests.conftest import PROMETHEUS_URL

CANARY = {
    "check_item": "canary",
    "data_list": [{"name": "node_load1", "type": "kpi"}],
    "condition": "$0 >= 0",
    "description": "always abnormal while node_exporter reports",
}
NEVER = {"check_item": "never", "data_list": [{"name": "node_load1", "type": "kpi"}], "condition": "$0 < 0"}


def _publish(checks: Checks, start: int, end: int, task_id: int | str = FORWARD_TASK_ID) -> None:
    _system, ini = scheduler_settings.load(checks.suite.conf_dir)
    bus = bus_from(ini.bus, ini.producer, ini.consumer)
    producer = bus.producer()
    task = CheckTask(
        task_id=task_id,
        user="admin",
        host_list=[{"host_id": checks.host_id, "public_ip": NODE_IP}],
        time_range=[start, end],
    )
    producer.send(Topic.DO_CHECK, task.message(), key="test")
    producer.flush()
    bus.close()


def _abnormal_in(window: tuple[int, int]) -> Any:
    def check(found: list[dict[str, Any]]) -> bool:
        return any(r["value"] == "Abnormal" and window[0] <= r["start"] <= window[1] for r in found)

    return check


def _import_rules(checks: Checks) -> None:
    reply = checks.post("/check/rule/import", {"check_items": [CANARY, NEVER]})
    assert reply["code"] == 200 and sorted(reply["succeed_list"]) == ["canary", "never"]


@pytest.fixture
def canary(checks: Checks) -> None:
    """The suite with this module's rules, imported by the first test that needs them: the tests
    after the first also pass when run alone (-k)."""
    if not checks.post("/check/rule/get", {"check_items": ["canary"]})["check_items"]:
        _import_rules(checks)


def test_imported_rules_are_checked_on_forward_windows(checks: Checks) -> None:
    _import_rules(checks)
    checks.schedule.forward()  # the first run records where checking starts
    time.sleep(4)
    window = checks.schedule.forward()
    assert window is not None
    found = checks.wait_for(_abnormal_in(window), check_items=["canary"])
    for result in found:
        assert result["host_id"] == checks.host_id and result["series"] == "node_load1"
        assert result["start"] == result["end"] and result["condition"] == "$0 >= 0"
    assert checks.results(check_items=["never"]) == []
    counts = checks.post("/check/result/count", {})["results"]
    assert counts == [{"host_id": checks.host_id, "count": len(checks.results(value="Abnormal"))}]


def _samples(end: int, span: int) -> int:
    """How many node_load1 samples of the test host Prometheus holds in (end - span, end]."""
    reply = requests.get(
        f"{PROMETHEUS_URL}/api/v1/query",
        params={"query": f'node_load1{{instance=~"{NODE_IP}:[0-9]+"}}[{span}s]', "time": str(end)},
        timeout=10,
    ).json()
    return sum(len(series["values"]) for series in reply["data"]["result"])


@pytest.mark.usefixtures("canary")
def test_a_replayed_task_never_duplicates_results(checks: Checks) -> None:
    end = int(time.time()) - 2
    expected = _samples(end, 20)
    assert expected > 0

    def mine(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in found if end - 20 < r["start"] <= end]

    _publish(checks, end - 20, end)
    checks.wait_for(lambda f: len(mine(f)) >= expected, time_range=[end - 20, end], check_items=["canary"])
    _publish(checks, end - 20, end)
    time.sleep(4)
    after = mine(checks.results(time_range=[end - 20, end], check_items=["canary"]))
    assert len(after) == expected
    assert len({r["start"] for r in after}) == len(after)


@pytest.mark.usefixtures("canary")
def test_prometheus_away_is_internal_error_then_the_retry_resolves_it(checks: Checks) -> None:
    checks.prometheus.stop()
    try:
        end = int(time.time())
        _publish(checks, end - 10, end)
        failed = checks.wait_for(
            lambda f: any(r["value"] == "Internal error" for r in f),
            time_range=[end - 10, end],
            check_items=["canary"],
        )
        assert "prometheus" in failed[0]["reason"] and "unreachable" in failed[0]["reason"]
    finally:
        checks.prometheus.start()
    # The retry consumer has recorded the failed window; cool_down_time is 0 in this suite.
    deadline = time.time() + 30
    while not checks.schedule.retries():
        assert time.time() < deadline, "the failed window was never queued for a retry"
        time.sleep(0.5)
    resolved = checks.wait_for(
        lambda f: f and all(r["value"] == "Abnormal" for r in f),
        time_range=[end - 10, end],
        check_items=["canary"],
    )
    assert resolved


@pytest.mark.usefixtures("canary")
def test_a_stopped_data_center_loses_no_task(checks: Checks) -> None:
    end = int(time.time())
    checks.suite.stop_database()
    try:
        _publish(checks, end - 10, end)
        time.sleep(5)  # the executor meets the outage and keeps the task uncommitted
    finally:
        checks.suite.start_database()
    assert checks.wait_for(_abnormal_in((end - 10, end)), time_range=[end - 10, end], check_items=["canary"])


def test_a_log_rule_reads_the_hosts_log_index(checks: Checks) -> None:
    now = int(time.time())
    lines = [
        {"host_ip": NODE_IP, "data_item": "dmesg", "timestamp": now - 5, "message": "eth0: link up"},
        {"host_ip": NODE_IP, "data_item": "dmesg", "timestamp": now - 3, "message": "I/O error on sda"},
        {"host_ip": NODE_IP, "data_item": "dmesg", "timestamp": now - 3, "message": "(same second)"},
    ]
    saved = requests.post(
        f"{checks.suite.database_url}/data/log/save",
        json={"logs": lines},
        headers={"access_token": checks.suite.service_token()},
        timeout=30,
    )
    assert saved.json()["code"] == 200
    rule = {
        "check_item": "disk_errors",
        "data_list": [{"name": "dmesg", "type": "log"}],
        "condition": "keyword('error')",
    }
    assert checks.post("/check/rule/import", {"check_items": [rule]})["code"] == 200
    _publish(checks, now - 10, now)

    def mine(found: list[dict[str, Any]]) -> list[tuple[str, float]]:
        # Windows of earlier tests overlap this one (as No data: they hold no log line).
        return [(r["value"], r["start"]) for r in found if r["start"] >= now - 10]

    found = checks.wait_for(lambda f: bool(mine(f)), time_range=[now - 10, now], check_items=["disk_errors"])
    assert mine(found) == [("Abnormal", now - 3)]
    assert all(r["value"] != "Internal error" for r in found)


def test_two_executors_in_one_group_share_the_work(checks: Checks) -> None:
    second = checks.start_executor()
    first = checks.executors[0]
    before = (first.handled, second.handled)
    time.sleep(4)  # both members joined and the partitions are shared
    end = int(time.time())
    _system, ini = scheduler_settings.load(checks.suite.conf_dir)
    bus = bus_from(ini.bus, ini.producer, ini.consumer)
    producer = bus.producer()
    for index in range(16):
        task = CheckTask(
            task_id=FORWARD_TASK_ID,
            user="admin",
            check_items=["never"],
            host_list=[{"host_id": checks.host_id, "public_ip": NODE_IP}],
            time_range=[end - 10 - index, end - index],
        )
        producer.send(Topic.DO_CHECK, task.message(), key=f"task-{index}")
    producer.flush()
    bus.close()
    deadline = time.time() + 40
    while first.handled + second.handled - sum(before) < 16:
        assert time.time() < deadline, (first.handled, second.handled)
        time.sleep(0.5)
    assert first.handled > before[0] and second.handled > before[1]
    checks.executors.remove(second)
    second.close()
    second.bus.close()
