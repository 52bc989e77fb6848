"""`/data/data/get` in the columnar and packed forms, on the real Prometheus: the same samples as
the pair form, and a rule judged on either gives what the same rule gives on the pair form."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from aops_utils.contracts.checks import TaskHost
from aops_utils.data_center import DataCenter
from aops_utils.packed import Packed
from aops_utils.restful import Principal
from aops_utils.rules import Series
from aops_utils.rules.evaluation import StoredRule
from aops_utils.rules.evaluation import check_rule
from aops_utils.rules.layout import partner
from aops_utils.rules.layout import series_name
from aops_utils.rules.plugins import load_registry
from aops_utils.rules.reply import judge
from tests.conftest import NODE_EXPORTER
from tests.suite import Suite
from tests.suite import data_call

pytestmark = pytest.mark.prometheus_history(150)
NODE_IP = NODE_EXPORTER.rsplit(":", 1)[0]
IDLE = {"name": "node_cpu_seconds_total", "type": "kpi", "label": {"mode": "idle"}}
LOAD = {"name": "node_load1", "type": "kpi", "label": {}}
RULES = [
    ("$0 >= 0", [IDLE]),
    ("abschange(#2) > 0", [IDLE]),
    ("$0.count(20s, 0, '>=') > 2 && $1 >= 0", [IDLE, LOAD]),
    ("$1 / ($0 - $0) > 1", [IDLE, LOAD]),  # an Internal error, with its reason, at every sample
]


@pytest.fixture
def dc(suite: Suite) -> Iterator[DataCenter]:
    yield DataCenter(suite.database_url, suite.codec(), "adoctor-check-executor", timeout=60)


@pytest.fixture
def me(suite: Suite, token: str) -> Principal:
    suite.add_host(token, "node", NODE_IP)
    return suite.principal(token)


def _past_window() -> list[int]:
    """A closed window: every scrape in it is stored, so two reads see the same samples."""
    end = int(time.time()) - 10
    return [end - 120, end]


def _number(value: Any) -> float:
    """A columnar value as the float the pair form's string spells."""
    if value is None:
        return math.nan
    return float(value)  # a number, or "+Inf" / "-Inf"


def test_the_columnar_form_holds_the_pair_forms_samples(dc: DataCenter, me: Principal) -> None:
    infos = [{"host_id": NODE_IP, "data_list": [IDLE, LOAD]}]
    window = _past_window()
    pairs = dc.get_data(window, infos, me)
    columns = dc.get_data(window, infos, me, columnar=True)
    assert len(pairs["succeed_list"]) > 1 and pairs["fail_list"] == columns["fail_list"] == []
    by_name = {series_name(e["name"], e["label"]): e for e in columns["succeed_list"]}
    assert len(by_name) == len(columns["succeed_list"]) == len(pairs["succeed_list"])
    for entry in pairs["succeed_list"]:
        found = by_name[series_name(entry["name"], entry["label"])]
        assert found["host_id"] == entry["host_id"] == NODE_IP
        assert found["timestamps"] == [ts for ts, _value in entry["values"]]
        got = [_number(v) for v in found["values"]]
        expected = [float(v) for _ts, v in entry["values"]]
        assert got == pytest.approx(expected, rel=0, abs=0, nan_ok=True)
        assert all(v is None or isinstance(v, float) or v in ("+Inf", "-Inf") for v in found["values"])


def test_the_packed_form_holds_the_pair_forms_samples(dc: DataCenter, me: Principal) -> None:
    infos = [{"host_id": NODE_IP, "data_list": [IDLE, LOAD]}]
    window = _past_window()
    pairs = dc.get_data(window, infos, me)
    packed = dc.get_data(window, infos, me, packed=True)
    assert packed["fail_list"] == [] and packed["packed"]["encoding"] == "f64"
    arrays = Packed.of(packed["packed"])
    by_name = {series_name(e["name"], e["label"]): e for e in packed["succeed_list"]}
    assert len(by_name) == len(packed["succeed_list"]) == len(pairs["succeed_list"])
    total = 0
    for entry in pairs["succeed_list"]:
        found = by_name[series_name(entry["name"], entry["label"])]
        assert found["host_id"] == entry["host_id"] == NODE_IP
        assert "timestamps" not in found and "values" not in found
        part = slice(found["offset"], found["offset"] + found["length"])
        assert arrays.timestamps[part].tolist() == [ts for ts, _value in entry["values"]]
        expected = [float(v) for _ts, v in entry["values"]]
        np.testing.assert_array_equal(arrays.values[part], expected)
        total += found["length"]
    assert total == len(arrays) == packed["packed"]["count"]


def _pair_form_documents(
    reply: dict[str, Any], rule: StoredRule, compiled: Any, host: TaskHost, start: int, end: int
) -> list[tuple[Any, ...]]:
    """What the pair form gives through the per-host API: one Series per series, each series of
    $0 with its partners evaluated alone."""
    found: list[list[dict[str, Any]]] = [[] for _ in rule.data_list]
    for entry in reply["succeed_list"]:
        for index, item in enumerate(rule.data_list):
            if entry["name"] == item["name"] and all(
                entry["label"].get(k) == v for k, v in item["label"].items()
            ):
                found[index].append(entry)
    documents = []
    for main in found[0]:
        vector = {"$0": Series.from_pairs(main["values"])}
        for index in range(1, len(rule.data_list)):
            chosen = partner(main, found[index])
            assert chosen is not None
            vector[f"${index}"] = Series.from_pairs(chosen["values"])
        name = series_name(main["name"], main["label"])
        for stamp, value, reason in compiled.evaluate(vector, float(start)).findings():
            if stamp <= end:
                documents.append((host.host_id, name, stamp, value, reason))
    return documents


@pytest.mark.parametrize(("condition", "data_list"), RULES)
def test_a_rule_judges_both_forms_alike(
    dc: DataCenter, me: Principal, condition: str, data_list: list[dict[str, Any]]
) -> None:
    rule = StoredRule.of({"check_item": "c", "data_list": data_list, "condition": condition})
    compiled = load_registry().compile("", condition, rule.data_list)
    host = TaskHost(host_id="f" * 32, public_ip=NODE_IP)
    start, end = _past_window()
    history = 30  # more than each rule's window reaches back: the same samples in both forms
    infos = [{"host_id": NODE_IP, "data_list": rule.data_list}]
    pairs = dc.get_data([start - history, end], infos, me)
    columns = dc.get_data([start - history, end], infos, me, columnar=True)
    packed = dc.get_data([start - history, end], infos, me, packed=True)
    documents = judge(columns, rule.data_list, rule.fields, compiled, [host], start=start, end=end)
    got = [(d["host_id"], d["series"], d["start"], d["value"], d["reason"]) for d in documents]
    expected = _pair_form_documents(pairs, rule, compiled, host, start, end)
    assert got == expected
    assert judge(packed, rule.data_list, rule.fields, compiled, [host], start=start, end=end) == documents
    assert len({d[1] for d in got}) > 1  # every CPU's idle series is judged
    assert all(d["end"] == d["start"] and d["check_item"] == "c" for d in documents)
    # check_rule asks for the packed form with the history the rule needs, and judges it.
    checked = check_rule(
        dc, me.username, rule, compiled, hosts=[host], time_range=[start, end], sample_period=2
    )
    assert [(d["host_id"], d["series"], d["start"], d["value"], d["reason"]) for d in checked] == got


def test_a_columnar_flag_that_is_not_a_boolean_is_refused_naming_it(suite: Suite, token: str) -> None:
    infos = [{"host_id": NODE_IP, "data_list": [LOAD]}]
    for flag in ("yes", 1, None, "true"):
        body = {"time_range": _past_window(), "data_infos": infos, "columnar": flag}
        status, reply = data_call(suite, "/data/data/get", body, token=token, timeout=30)
        assert (status, reply["code"], reply["field"]) == (400, 1000, "columnar"), reply


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"columnar": True, "encoding": "F64"}, "encoding"),
        ({"columnar": True, "encoding": "packed"}, "encoding"),
        ({"columnar": True, "encoding": 64}, "encoding"),
        ({"columnar": True, "encoding": None}, "encoding"),
        ({"columnar": True, "encoding": ["f64"]}, "encoding"),
        ({"encoding": "f64"}, "encoding"),  # packs the columnar form only
        ({"columnar": False, "encoding": "f64"}, "encoding"),
        ({"columnar": "packed", "encoding": "f64"}, "columnar"),
    ],
)
def test_an_encoding_that_is_not_one_is_refused_naming_it(
    suite: Suite, token: str, change: dict[str, Any], field: str
) -> None:
    body = {"time_range": _past_window(), "data_infos": [{"host_id": NODE_IP, "data_list": [LOAD]}], **change}
    status, reply = data_call(suite, "/data/data/get", body, token=token, timeout=30)
    assert (status, reply["code"], reply["field"]) == (400, 1000, field), reply


def test_the_json_encoding_is_the_columnar_form(suite: Suite, token: str) -> None:
    suite.add_host(token, "node", NODE_IP)
    infos = [{"host_id": NODE_IP, "data_list": [LOAD]}]
    body = {"time_range": _past_window(), "data_infos": infos, "columnar": True, "encoding": "json"}
    status, reply = data_call(suite, "/data/data/get", body, token=token, timeout=30)
    assert status == 200 and "packed" not in reply
    assert all(len(e["timestamps"]) == len(e["values"]) > 0 for e in reply["succeed_list"])


def test_log_lines_come_as_timestamps_and_messages(suite: Suite, dc: DataCenter, token: str) -> None:
    now = int(time.time())
    logs = [
        {"host_ip": "10.9.9.8", "data_item": "dmesg", "timestamp": now - i, "message": f"line {i}"}
        for i in range(3)
    ]
    suite.save_logs(logs)
    suite.add_host(token, "logs", "10.9.9.8")
    infos = [{"host_id": "10.9.9.8", "data_list": [{"name": "dmesg", "type": "log"}]}]
    reply = dc.get_data([now - 60, now], infos, suite.principal(token), columnar=True)
    lines = {
        "host_id": "10.9.9.8",
        "name": "dmesg",
        "timestamps": [now - 2, now - 1, now],
        "values": ["line 2", "line 1", "line 0"],
    }
    assert reply["succeed_list"] == [lines]
    # The packed form packs KPI samples only: log lines keep their arrays.
    packed = dc.get_data([now - 60, now], infos, suite.principal(token), packed=True)
    assert packed["succeed_list"] == [lines]
    assert len(Packed.of(packed["packed"])) == 0
