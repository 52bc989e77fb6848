"""`/data/data/get` serves only the acting user's hosts and builds PromQL only from validated parts."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tests.aops_database.test_data_get import NODE_IP
from tests.conftest import PROMETHEUS_URL
from tests.suite import Suite
from tests.suite import data_call

NAME_FIELD = "data_infos.0.data_list.0.name"


def _body(ip: str, *items: dict[str, Any]) -> dict[str, Any]:
    now = int(time.time())
    return {"time_range": [now - 120, now], "data_infos": [{"host_id": ip, "data_list": list(items)}]}


def _get(suite: Suite, token: str, body: dict[str, Any], acting: str = "") -> tuple[int, dict[str, Any]]:
    return data_call(
        suite, "/data/data/get", body, token=suite.service_token(acting) if acting else token, timeout=30
    )


def _owner(suite: Suite, ip: str = NODE_IP) -> str:
    _name, token = suite.add_user()
    suite.add_host(token, "node", ip)
    return token


@pytest.mark.parametrize(
    "name",
    [
        "node_load1#",
        'node_load1{instance=~".+"} #',
        "node_load1{",
        "node_load1}",
        'node_load1"',
        "node_load1\nor up",
        "node_load1 or up",
        "node_load1)or(up",
        "1node_load1",
    ],
)
def test_a_metric_name_outside_the_prometheus_grammar_is_refused_naming_the_field(
    suite: Suite, token: str, name: str
) -> None:
    status, reply = _get(suite, token, _body(NODE_IP, {"name": name}))
    assert (status, reply["code"], reply["field"]) == (400, 1000, NAME_FIELD), reply


@pytest.mark.parametrize("key", ['mode="idle",cpu', "a=b", 'a"b', "a b", "0cpu", "mode}"])
def test_a_label_name_outside_the_prometheus_grammar_is_refused_naming_the_field(
    suite: Suite, token: str, key: str
) -> None:
    status, reply = _get(
        suite, token, _body(NODE_IP, {"name": "node_cpu_seconds_total", "label": {key: "x"}})
    )
    assert (status, reply["code"]) == (400, 1000), reply
    assert reply["field"].startswith("data_infos.0.data_list.0.label."), reply


def test_a_log_items_name_is_a_term_not_promql(suite: Suite) -> None:
    token = _owner(suite)
    status, reply = _get(suite, token, _body(NODE_IP, {"name": "/var/log/messages #1", "type": "log"}))
    assert (status, reply["code"]) == (404, 1104), reply
    assert reply["fail_list"][0]["reason"] == "no data in the time range"


def test_a_label_value_is_matched_literally_against_the_real_series(suite: Suite) -> None:
    token = _owner(suite)
    live = requests.get(f"{PROMETHEUS_URL}/api/v1/query", params={"query": "node_uname_info"}, timeout=30)
    version = live.json()["data"]["result"][0]["metric"]["version"]
    exact = {"name": "node_uname_info", "label": {"version": version}}
    status, reply = _get(suite, token, _body(NODE_IP, exact))
    assert (status, reply["code"]) == (200, 200) and reply["succeed_list"][0]["label"]["version"] == version
    for value in ['idle"} or up{job=~".+', "idle\\", "idle\n", "id.e", ".*", 'idle",mode!="x']:
        item = {"name": "node_cpu_seconds_total", "label": {"mode": value}}
        status, reply = _get(suite, token, _body(NODE_IP, item))
        assert (status, reply["code"]) == (404, 1104), (value, reply)
        assert reply["fail_list"] == [
            {
                "host_id": NODE_IP,
                "name": "node_cpu_seconds_total",
                "label": {"mode": value},
                "reason": "no data in the time range",
            }
        ]


def test_another_users_host_is_a_failure_not_data(suite: Suite) -> None:
    owner = _owner(suite)
    status, reply = _get(suite, owner, _body(NODE_IP, {"name": "node_load1"}))
    assert (status, reply["code"]) == (200, 200), reply
    _other, intruder = suite.add_user()
    suite.add_host(intruder, "mine", "127.0.0.3")
    body = _body(NODE_IP, {"name": "node_load1"}, {"name": "dmesg", "type": "log"})
    body["data_infos"].append({"host_id": "127.0.0.3", "data_list": [{"name": "node_load1"}]})
    status, reply = _get(suite, intruder, body)
    assert (status, reply["code"], reply["succeed_list"]) == (404, 1104, []), reply
    assert reply["fail_list"] == [
        {"host_id": NODE_IP, "name": "node_load1", "label": {}, "reason": "not a host of yours"},
        {"host_id": NODE_IP, "name": "dmesg", "reason": "not a host of yours"},
        {"host_id": "127.0.0.3", "name": "node_load1", "label": {}, "reason": "no data in the time range"},
    ]


def test_an_address_no_one_owns_is_a_failure_and_its_logs_are_not_read(suite: Suite) -> None:
    now = int(time.time())
    line = {"host_ip": "192.0.2.77", "data_item": "dmesg", "timestamp": now, "message": "secret"}
    saved = data_call(suite, "/data/log/save", {"logs": [line]}, token=suite.service_token())
    assert saved[1]["code"] == 200
    _name, token = suite.add_user()
    status, reply = _get(suite, token, _body("192.0.2.77", {"name": "dmesg", "type": "log"}, {"name": "up"}))
    assert (status, reply["code"], reply["succeed_list"]) == (404, 1104, []), reply
    assert {f["reason"] for f in reply["fail_list"]} == {"not a host of yours"}
    assert "secret" not in str(reply)


def test_a_service_acting_for_a_user_reads_only_that_users_hosts(suite: Suite) -> None:
    owner, token = suite.add_user()
    suite.add_host(token, "node", NODE_IP)
    stranger, _token = suite.add_user()
    body = _body(NODE_IP, {"name": "node_load1"})
    status, reply = _get(suite, suite.service_token(), body, acting=owner)
    assert (status, reply["code"]) == (200, 200) and reply["succeed_list"][0]["host_id"] == NODE_IP
    status, reply = _get(suite, suite.service_token(), body, acting=stranger)
    assert (status, reply["code"]) == (404, 1104) and reply["fail_list"][0]["reason"] == "not a host of yours"


@pytest.mark.parametrize(
    "address", ["*", "10.9.9.9,10.9.9.8", "10.9.9.9*", "host_information", "../10.9.9.9"]
)
def test_an_address_that_could_name_another_log_index_is_refused(
    suite: Suite, token: str, address: str
) -> None:
    status, reply = _get(suite, token, _body(address, {"name": "dmesg", "type": "log"}))
    assert (status, reply["code"], reply["field"]) == (400, 1000, "data_infos.0.host_id"), reply
