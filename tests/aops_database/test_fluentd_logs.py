"""Log lines as fluentd writes them (`@timestamp` strings) beside numeric ones, on both stores.

fluentd's Elasticsearch output creates the per-host index itself (dynamic mapping) and writes
documents with `include_timestamp`; the data center's own `/data/log/save` writes numeric
`timestamp`. Reads filter and order both kinds by time; a log rule finds its keyword in them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests

from aops_database import settings as db_settings
from tests.conftest import ES_URL
from tests.conftest import mariadb_suite
from tests.schedulers import check_scheduler
from tests.suite import Suite
from tests.suite import data_call
from tests.suite import running_suite

T0 = 1631672430  # 2021-09-15T02:20:30Z


def fluentd(item: str, stamp: str, message: str) -> dict[str, Any]:
    """A record as fluent-plugin-elasticsearch indexes it with include_timestamp."""
    return {"data_item": item, "message": message, "@timestamp": stamp, "host": "web-1", "ident": "kernel"}


@dataclass
class Logs:
    suite: Suite
    check_url: str
    # Writes documents into a host's log index as fluentd would, bypassing the data center.
    write: Callable[[str, list[dict[str, Any]]], None]

    def save(self, lines: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        return data_call(self.suite, "/data/log/save", {"logs": lines}, token=self.suite.service_token())

    def get(self, ip: str, names: list[str], start: int, end: int, token: str) -> dict[str, Any]:
        item = {"host_id": ip, "data_list": [{"name": n, "type": "log"} for n in names]}
        status, reply = data_call(
            self.suite, "/data/data/get", {"time_range": [start, end], "data_infos": [item]}, token=token
        )
        assert status in (200, 207, 404), reply
        return reply


def _es_writer(suite: Suite) -> Callable[[str, list[dict[str, Any]]], None]:
    _, ini = db_settings.load(suite.conf_dir)
    prefix = ini.elasticsearch.index_prefix

    def write(ip: str, docs: list[dict[str, Any]]) -> None:
        # The _bulk request fluentd sends: the index is created by the first write.
        lines = b"".join(
            orjson.dumps({"index": {"_index": prefix + ip}}) + b"\n" + orjson.dumps(d) + b"\n" for d in docs
        )
        reply = requests.post(
            f"{ES_URL}/_bulk?refresh=true",
            data=lines,
            headers={"Content-Type": "application/x-ndjson"},
            timeout=30,
        )
        assert reply.status_code == 200 and not reply.json()["errors"], reply.text

    return write


def _sql_writer(suite: Suite) -> Callable[[str, list[dict[str, Any]]], None]:
    app = suite.servers["database_app"][0]
    docs = app.extensions["aops_database"].docs

    def write(ip: str, records: list[dict[str, Any]]) -> None:
        docs.put_many(ip, [(uuid.uuid4().hex, record) for record in records])

    return write


@pytest.fixture(scope="module", params=["elasticsearch", "sql"])
def logs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Logs]:
    conf_dir: Path = tmp_path_factory.mktemp("fluentd")
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "elasticsearch":
            running = mariadb_suite(conf_dir)
            writer = _es_writer
        else:
            patch.setenv("AOPS_CONF_DIR", str(conf_dir))
            running = running_suite(conf_dir, relational="sqlite", document="sql")
            writer = _sql_writer
        with running as suite, check_scheduler(conf_dir) as checks:
            yield Logs(suite, checks.url, writer(suite))


def _owner_of(suite: Suite, ip: str) -> str:
    """A fresh user with a host at `ip`: the data center reads only the logs of a user's hosts."""
    _name, token = suite.add_user()
    suite.add_host(token, ip=ip)
    return token


def _ip() -> str:
    return f"10.77.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


def test_fluentd_and_numeric_lines_of_one_index_are_filtered_and_ordered_by_time(logs: Logs) -> None:
    ip = _ip()
    token = _owner_of(logs.suite, ip)
    logs.write(
        ip,
        [
            fluentd("dmesg", "2021-09-15T10:20:30.123456789+08:00", "nanos, +08:00"),
            fluentd("dmesg", "2021-09-15T02:20:32.5Z", "millis, Z"),
            fluentd("dmesg", "2021-09-15T02:20:40Z", "after the window"),
            fluentd("history", "2021-09-15T02:20:31.000Z", "ls -l"),
        ],
    )
    numeric = [
        {"host_ip": ip, "data_item": "dmesg", "timestamp": T0 + 1, "message": "numeric"},
        {"host_ip": ip, "data_item": "dmesg", "timestamp": T0 - 100, "message": "before the window"},
    ]
    assert logs.save(numeric)[1]["code"] == 200
    reply = logs.get(ip, ["dmesg", "history"], T0, T0 + 5, token)
    assert reply["code"] == 200, reply
    assert reply["succeed_list"] == [
        {
            "host_id": ip,
            "name": "dmesg",
            "values": [[T0, "nanos, +08:00"], [T0 + 1, "numeric"], [T0 + 2, "millis, Z"]],
        },
        {"host_id": ip, "name": "history", "values": [[T0 + 1, "ls -l"]]},
    ]


def test_a_window_holding_only_fluentd_lines_of_other_times_has_no_data(logs: Logs) -> None:
    ip = _ip()
    token = _owner_of(logs.suite, ip)
    logs.write(ip, [fluentd("dmesg", "2021-09-15T10:20:30+08:00", "outside")])
    reply = logs.get(ip, ["dmesg"], T0 + 1, T0 + 60, token)
    assert reply["code"] == 1104 and reply["fail_list"][0]["reason"] == "no data in the time range"
    assert logs.get(ip, ["dmesg"], T0, T0, token)["succeed_list"][0]["values"] == [[T0, "outside"]]


def test_the_data_center_saves_lines_carrying_fluentds_timestamp(logs: Logs) -> None:
    ip = _ip()
    token = _owner_of(logs.suite, ip)
    line = {
        "host_ip": ip,
        "data_item": "dmesg",
        "@timestamp": "2021-09-15T10:20:33.250+08:00",
        "message": "m",
    }
    assert logs.save([line, line])[1] == {"code": 200, "msg": "operation succeed", "saved": 2}
    values = logs.get(ip, ["dmesg"], T0, T0 + 5, token)["succeed_list"][0]["values"]
    assert values == [[T0 + 3, "m"]]  # the same line twice is stored once


def test_a_line_needs_exactly_one_readable_time(logs: Logs) -> None:
    base = {"host_ip": "10.0.0.1", "data_item": "dmesg", "message": "m"}
    for extra, field in [
        ({"@timestamp": "15/09/2021 10:20"}, "logs.0.@timestamp"),
        ({}, "logs.0"),
        ({"timestamp": T0, "@timestamp": "2021-09-15T02:20:30Z"}, "logs.0"),
    ]:
        status, reply = logs.save([{**base, **extra}])
        assert (status, reply["code"], reply["field"]) == (400, 1000, field), reply


def test_a_log_rule_finds_its_keyword_in_fluentd_lines(logs: Logs) -> None:
    suite = logs.suite
    ip, (_, token) = _ip(), suite.add_user()
    host_id = suite.add_host(token, ip=ip)
    logs.write(
        ip,
        [
            fluentd("dmesg", "2021-09-15T10:20:30.5+08:00", "eth0: link up"),
            fluentd("dmesg", "2021-09-15T02:20:35.125Z", "Out of memory: Killed process 4242 (java)"),
            fluentd("dmesg", "2021-09-15T10:21:30+08:00", "Out of memory: outside the window"),
        ],
    )
    rule = {
        "check_item": "oom",
        "data_list": [{"name": "dmesg", "type": "log"}],
        "condition": "keyword('Out of memory')",
    }
    reply = requests.post(
        logs.check_url + "/check/rule/test",
        json={"rule": rule, "host_list": [host_id], "time_range": [T0, T0 + 30]},
        headers={"access_token": token},
        timeout=60,
    ).json()
    assert reply["code"] == 200, reply
    abnormal = [r for r in reply["check_result"] if r["value"] == "Abnormal"]
    assert [(r["host_id"], r["check_item"]) for r in abnormal] == [(host_id, "oom")], reply
