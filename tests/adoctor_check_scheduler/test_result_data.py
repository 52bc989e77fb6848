"""`/check/result/data`: the series of a user's rule on a user's host around a result, read by the
check scheduler from the data center (and the real Prometheus scraping node_exporter at
127.0.0.1), bounded and thinned, with the abnormal results to mark; nobody else's host or rule.

The scheduler runs on the module's MariaDB + ES-API suite with an in-memory bus and no schedule;
results are stored as the executor stores them (the data center's save route, acting for the
user), from what `/check/rule/test` evaluates on the same data.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from adoctor_check_scheduler import charts
from tests.conftest import NODE_EXPORTER
from tests.conftest import PROMETHEUS_URL
from tests.schedulers import check_scheduler
from tests.suite import Suite
from tests.suite import data_call

pytestmark = pytest.mark.prometheus_history(120)
NODE_IP = NODE_EXPORTER.rsplit(":", 1)[0]
LOAD = {
    "check_item": "load_any",
    "data_list": [{"name": "node_load1", "type": "kpi"}],
    "condition": "$0 >= 0",
    "description": "abnormal at every sample",
}
IDLE = {
    "check_item": "idle_cpu",
    "data_list": [
        {"name": "node_cpu_seconds_total", "type": "kpi", "label": {"mode": "idle"}},
        {"name": "node_load1", "type": "kpi"},
    ],
    "condition": "$0 >= 0",
}


@pytest.fixture(scope="module")
def url(suite: Suite) -> Iterator[str]:
    with check_scheduler(suite.conf_dir) as served:
        yield served.url


def post(url: str, path: str, body: Any, token: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"access_token": token} if token else {}
    reply = requests.post(url + path, json=body, headers=headers, timeout=60)
    assert "Traceback" not in reply.text, reply.text
    return reply.status_code, dict(reply.json())


def stored_results(suite: Suite, url: str, token: str, rule: dict[str, Any], host_id: str) -> list[Any]:
    """The rule imported, evaluated over the last minute and its results stored, as the executor does."""
    assert post(url, "/check/rule/import", {"check_items": [rule]}, token)[1]["code"] == 200
    now = int(time.time())
    body = {"check_item": rule["check_item"], "host_list": [host_id], "time_range": [now - 60, now - 5]}
    status, tried = post(url, "/check/rule/test", body, token)
    assert status == 200 and tried["check_result"], tried
    results: list[Any] = tried["check_result"]
    username = suite.codec().decode(token).subject
    saved = data_call(
        suite, "/data/check/result/save", {"check_results": results}, token=suite.service_token(username)
    )
    assert saved[0] == 200, saved
    return results


def test_a_results_window_gives_the_rules_series_from_prometheus_and_the_abnormal_points(
    suite: Suite, url: str, token: str
) -> None:
    host_id = suite.add_host(token, ip=NODE_IP)
    results = stored_results(suite, url, token, LOAD, host_id)
    start, end = int(results[0]["start"]) - 30, int(results[-1]["end"]) + 1
    body = {"host_id": host_id, "check_item": "load_any", "time_range": [start, end]}
    status, reply = post(url, "/check/result/data", body, token)
    assert (status, reply["code"]) == (200, 200), reply
    [series] = reply["series_list"]
    assert (series["index"], series["name"], series["series"], series["type"]) == (
        0,
        "node_load1",
        "node_load1",
        "kpi",
    )
    # The very samples Prometheus holds for node_exporter over the window.
    prom = requests.get(
        f"{PROMETHEUS_URL}/api/v1/query",
        params={"query": f'node_load1{{instance="{NODE_EXPORTER}"}}[{end - start}s]', "time": str(end)},
        timeout=10,
    ).json()["data"]["result"][0]["values"]
    assert series["values"] == [[float(ts), float(v)] for ts, v in prom]
    assert series["samples"] == len(prom)
    # Every stored result is Abnormal ($0 >= 0): each is marked, at a sample of the series.
    assert [a["start"] for a in reply["abnormal"]] == sorted(r["start"] for r in results)
    assert {a["start"] for a in reply["abnormal"]} <= {ts for ts, _ in series["values"]}
    assert reply["missing"] == [] and reply["truncated"] is False
    assert reply["data_list"] == [{"type": "kpi", "label": {}, "name": "node_load1"}]


def test_a_results_series_selects_its_series_and_the_partners_that_agree(
    suite: Suite, url: str, token: str
) -> None:
    host_id = suite.add_host(token, ip=NODE_IP)
    results = stored_results(suite, url, token, IDLE, host_id)
    names = sorted({r["series"] for r in results})
    assert names and all(n.startswith("node_cpu_seconds_total{cpu=") for n in names), names
    chosen = names[-1]
    now = int(time.time())
    body = {"host_id": host_id, "check_item": "idle_cpu", "time_range": [now - 120, now], "series": chosen}
    reply = post(url, "/check/result/data", body, token)[1]
    assert reply["code"] == 200, reply
    got = [(s["index"], s["series"]) for s in reply["series_list"]]
    assert got == [(0, chosen), (1, "node_load1")]
    assert reply["abnormal"] and {a["series"] for a in reply["abnormal"]} == {chosen}
    # Without a series: every CPU's idle series and the load.
    whole = post(url, "/check/result/data", {**body, "series": ""}, token)[1]
    assert [s["series"] for s in whole["series_list"]] == [*names, "node_load1"]


def test_a_deleted_rule_is_charted_with_the_data_list_its_results_recorded(
    suite: Suite, url: str, token: str
) -> None:
    host_id = suite.add_host(token, ip=NODE_IP)
    rule = {**LOAD, "check_item": "gone"}
    results = stored_results(suite, url, token, rule, host_id)
    deleted = requests.delete(
        url + "/check/rule/delete",
        json={"check_items": ["gone"]},
        headers={"access_token": token},
        timeout=30,
    ).json()
    assert deleted["code"] == 200, deleted
    window = [int(results[0]["start"]) - 10, int(results[-1]["end"])]
    reply = post(
        url, "/check/result/data", {"host_id": host_id, "check_item": "gone", "time_range": window}, token
    )[1]
    assert reply["code"] == 200 and [s["name"] for s in reply["series_list"]] == ["node_load1"], reply
    # Outside any result's window there is nothing left to say what the rule read.
    status, reply = post(
        url, "/check/result/data", {"host_id": host_id, "check_item": "gone", "time_range": [0, 60]}, token
    )
    assert (status, reply["code"], reply["field"]) == (404, 1000, "check_item"), reply


def test_another_users_host_and_rule_are_not_found(suite: Suite, url: str, token: str) -> None:
    host_id = suite.add_host(token, ip=NODE_IP)
    stored_results(suite, url, token, {**LOAD, "check_item": "mine"}, host_id)
    _, other = suite.add_user()
    other_host = suite.add_host(other, ip=NODE_IP)
    now = int(time.time())
    body = {"host_id": host_id, "check_item": "mine", "time_range": [now - 60, now]}
    status, reply = post(url, "/check/result/data", body, other)
    assert (status, reply["code"], reply["field"]) == (404, 1000, "host_id"), reply
    status, reply = post(url, "/check/result/data", {**body, "host_id": other_host}, other)
    assert (status, reply["code"], reply["field"]) == (404, 1000, "check_item"), reply


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"time_range": [0, 24 * 3600 + 1]}, "time_range", id="over-a-day"),
        pytest.param({"time_range": [100, 50]}, "time_range", id="reversed"),
        pytest.param({"time_range": [1]}, "time_range", id="one-end"),
        pytest.param({"host_id": ""}, "host_id", id="empty-host"),
        pytest.param({"check_item": "x" * 129}, "check_item", id="long-name"),
        pytest.param({"series": "s" * 4097}, "series", id="long-series"),
        pytest.param({"extra": 1}, "extra", id="unknown-field"),
    ],
)
def test_bad_bodies_are_refused_naming_the_field(
    url: str, token: str, change: dict[str, Any], field: str
) -> None:
    body = {"host_id": "h", "check_item": "r", "time_range": [0, 60], **change}
    status, reply = post(url, "/check/result/data", body, token)
    assert (status, reply["code"]) == (400, 1000), reply
    assert reply["field"] == field or reply["field"].startswith(field + "."), reply


def test_without_a_session_nothing_is_read(url: str) -> None:
    status, reply = post(
        url, "/check/result/data", {"host_id": "h", "check_item": "r", "time_range": [0, 1]}, None
    )
    assert (status, reply["code"]) == (401, 1201), reply


def test_long_series_are_thinned_keeping_each_buckets_lowest_and_highest() -> None:
    values = [[float(t), str(1.0 if t != 777 else 50.0)] for t in range(10_000)]
    values[4321][1] = "-3"
    values[9000][1] = "NaN"
    kept = charts._thinned(values, log=False)
    assert len(kept) <= charts.MAX_POINTS
    assert [777.0, 50.0] in kept and [4321.0, -3.0] in kept
    assert [p[0] for p in kept] == sorted(p[0] for p in kept)
    short = charts._thinned([[1, "2.5"], [2, "+Inf"]], log=False)
    assert short == [[1.0, 2.5], [2.0, None]]
    lines = charts._thinned([[t, f"line {t}"] for t in range(5000)], log=True)
    assert len(lines) == charts.MAX_POINTS and lines[0] == [0.0, "line 0"]


@pytest.mark.parametrize(
    ("rule", "field", "detail", "position"),
    [
        pytest.param(
            {**LOAD, "condition": "$0 > (1"},
            "rule.condition",
            "rule load_any: condition: expected ')' to close the '(' at position 5 but found end",
            7,
            id="unparsable",
        ),
        pytest.param(
            {**LOAD, "condition": "$0.nope() > 1"},
            "rule.condition",
            "rule load_any: condition: unknown function",
            3,
            id="fn",
        ),
        pytest.param(
            {**LOAD, "data_list": [{"name": "bad-name", "type": "kpi"}]},
            "rule.data_list.0.name",
            "is not a Prometheus metric name",
            None,
            id="schema",
        ),
    ],
)
def test_validate_gives_the_parsers_message_field_and_position_and_stores_nothing(
    suite: Suite, url: str, token: str, rule: dict[str, Any], field: str, detail: str, position: int | None
) -> None:
    status, reply = post(url, "/check/rule/validate", {"rule": rule}, token)
    assert (status, reply["code"], reply["field"]) == (400, 1000, field), reply
    assert detail in reply["detail"], reply
    assert reply.get("position") == position
    status, reply = post(url, "/check/rule/validate", {"rule": LOAD}, token)
    assert (status, reply["code"]) == (200, 200), reply
    count = requests.post(url + "/check/rule/count", json={}, headers={"access_token": token}, timeout=30)
    assert count.json()["rule_count"] == 0
