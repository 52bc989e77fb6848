"""Judging a columnar `/data/data/get` reply: series matched to hosts and items, verdicts, order."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import Self

import numpy as np
import pytest

from aops_utils.contracts.checks import TaskHost
from aops_utils.rules import Evaluation
from aops_utils.rules import RuleError
from aops_utils.rules import Vector
from aops_utils.rules.columns import kpi_column
from aops_utils.rules.plugins import CheckRulePlugin
from aops_utils.rules.plugins import load_registry
from aops_utils.rules.reply import judge
from tests.aops_utils.rules.packing import packed_reply

CPU = {"name": "cpu", "type": "kpi", "label": {"mode": "idle"}}
LOAD = {"name": "load", "type": "kpi", "label": {}}
A, B = TaskHost(host_id="a" * 32, public_ip="10.0.0.1"), TaskHost(host_id="b" * 32, public_ip="10.0.0.2")
BASE = {"check_item": "item"}


def series(
    ip: str, name: str, values: list[Any], stamps: list[float] | None = None, **label: str
) -> dict[str, Any]:
    stamps = stamps if stamps is not None else [100.0 + 10 * i for i in range(len(values))]
    return {"host_id": ip, "name": name, "label": label, "timestamps": stamps, "values": values}


def verdicts(
    condition: str,
    data_list: list[dict[str, Any]],
    succeed: list[Any],
    fail: Sequence[Any] = (),
    hosts: Sequence[TaskHost] = (A,),
    compiled: Any = None,
    start: int = 100,
    end: int = 200,
) -> list[tuple[str, str, float, str, str]]:
    compiled = compiled or load_registry().compile("", condition, data_list)
    reply = {"succeed_list": succeed, "fail_list": list(fail)}
    documents = judge(reply, data_list, BASE, compiled, hosts, start=start, end=end)
    assert all(d["check_item"] == "item" for d in documents)
    # The packed form of the same reply judges alike (when its values can be packed).
    packed = packed_reply(reply)
    if packed is not None:
        assert judge(packed, data_list, BASE, compiled, hosts, start=start, end=end) == documents
    return [(d["host_id"][0], d["series"], d["start"], d["value"], d["reason"]) for d in documents]


def test_every_series_of_0_is_judged_with_the_partner_that_agrees_in_host_then_series_order() -> None:
    succeed = [
        series(B.public_ip, "cpu", [95], mode="idle", cpu="0"),
        series(A.public_ip, "cpu", [95, 10], mode="idle", cpu="1"),
        series(A.public_ip, "cpu", [10, 95], mode="idle", cpu="0"),
        series(A.public_ip, "load", [1, 1], cpu="0"),
        series(A.public_ip, "load", [9, 9], cpu="1"),
        series(B.public_ip, "load", [1]),
    ]
    found = verdicts("$0 > 90 && $1 < 5", [CPU, LOAD], succeed, hosts=[A, B])
    assert found == [
        ("a", 'cpu{cpu="0",mode="idle"}', 110.0, "Abnormal", ""),
        ("b", 'cpu{cpu="0",mode="idle"}', 100.0, "Abnormal", ""),
    ]


def test_a_host_missing_an_item_records_why_once() -> None:
    succeed = [series(A.public_ip, "cpu", [95], mode="idle"), series(B.public_ip, "cpu", [95], mode="idle")]
    fail = [{"host_id": B.public_ip, "name": "load", "label": {}, "reason": "prometheus is unreachable"}]
    found = verdicts("$0 > 90", [CPU, LOAD], succeed, fail, hosts=[A, B])
    assert found == [
        ("a", "", 100, "No data", "$1 (load): no data in the time range"),
        ("b", "", 100, "Internal error", "$1 (load): prometheus is unreachable"),
    ]


def test_an_ambiguous_partner_is_recorded_per_series() -> None:
    succeed = [
        series(A.public_ip, "cpu", [95], mode="idle", cpu="0"),
        series(A.public_ip, "cpu", [95], [50.0], mode="idle", cpu="1"),  # history only
        series(A.public_ip, "load", [1], disk="x"),
        series(A.public_ip, "load", [1], disk="y"),
    ]
    found = verdicts("$0 > 90", [CPU, LOAD], succeed)
    reason = "$1 matches several series; add labels to tell them apart"
    assert found == [
        ("a", 'cpu{cpu="0",mode="idle"}', 100, "Internal error", reason),
        ("a", 'cpu{cpu="1",mode="idle"}', 100, "Internal error", reason),
    ]


def test_a_series_that_ended_before_the_window_says_nothing_unless_its_host_has_no_other() -> None:
    succeed = [
        series(A.public_ip, "cpu", [95], mode="idle", cpu="0"),
        series(A.public_ip, "cpu", [95], [50.0], mode="idle", cpu="1"),  # history only
        series(B.public_ip, "cpu", [95], [50.0], mode="idle", cpu="0"),  # B's only one: history
    ]
    found = verdicts("$0 > 90", [CPU], succeed, hosts=[A, B])
    assert found == [
        ("a", 'cpu{cpu="0",mode="idle"}', 100.0, "Abnormal", ""),
        ("b", 'cpu{cpu="0",mode="idle"}', 100, "No data", "no data in the time range"),
    ]
    # Nothing abnormal in the window: A records nothing at all (checked, fine).
    assert verdicts("$0 > 99", [CPU], succeed[:2]) == []


def test_values_null_and_infinities_and_unsorted_samples() -> None:
    succeed = [
        series(A.public_ip, "load", [None, "+Inf", 95.5, "-Inf", 1.0], [130.0, 100.0, 110.0, 140.0, 120.0])
    ]
    found = verdicts("$0 > 90", [LOAD], succeed, end=135)
    assert found == [("a", "load", 100.0, "Abnormal", ""), ("a", "load", 110.0, "Abnormal", "")]
    errors = verdicts("$0 - 1 < $0", [LOAD], [series(A.public_ip, "load", [None, "x", 3.0])])
    assert errors == [
        ("a", "load", 110.0, "Internal error", "value is not a number"),
        ("a", "load", 120.0, "Abnormal", ""),
    ]


def test_hosts_sharing_an_address_each_get_its_series() -> None:
    twin = TaskHost(host_id="c" * 32, public_ip=A.public_ip)
    found = verdicts("$0 > 90", [LOAD], [series(A.public_ip, "load", [95])], hosts=[A, twin])
    assert found == [("a", "load", 100.0, "Abnormal", ""), ("c", "load", 100.0, "Abnormal", "")]


def test_columns_refuse_timestamps_beyond_the_range_of_unix_seconds() -> None:
    with pytest.raises(ValueError, match="Unix seconds"):
        kpi_column([[1.0, 2e11]], [[1.0, 2.0]])
    column = kpi_column([[3.0, 1.0], [], [2.0, 1.0]], [[30.0, 10.0], [], [20.0, 10.0]])
    np.testing.assert_array_equal(column.timestamps, [1.0, 3.0, 1.0, 2.0])
    np.testing.assert_array_equal(column.values, [10.0, 30.0, 10.0, 20.0])
    np.testing.assert_array_equal(column.offsets, [0, 2, 2, 4])


class FailsOnBigValues(CheckRulePlugin):
    """A plugin that raises for a host whose first value is above 1,000, and flags values above 90."""

    @classmethod
    def compile(cls, condition: str, data_list: Sequence[Mapping[str, Any]]) -> Self:
        if condition != "big":
            raise RuleError("only 'big'", 0)
        return cls()

    def history_seconds(self, sample_period: int) -> int:
        return 0

    def evaluate(self, vector: Vector, start: float) -> Evaluation:
        numbers, _bad = vector["$0"].numbers()
        if numbers[0] > 1000:
            raise RuntimeError("too big")
        keep = vector["$0"].timestamps >= start
        return Evaluation.of(vector["$0"].timestamps[keep], numbers[keep] > 90)


def test_a_plugin_failing_on_one_series_fails_that_series_only() -> None:
    succeed = [series(A.public_ip, "load", [5000.0]), series(B.public_ip, "load", [95.0, 5.0])]
    found = verdicts("", [LOAD], succeed, hosts=[A, B], compiled=FailsOnBigValues.compile("big", [LOAD]))
    assert found == [
        ("a", "load", 100, "Internal error", "evaluation failed: too big"),
        ("b", "load", 100.0, "Abnormal", ""),
    ]


def packed(entries: list[dict[str, Any]]) -> dict[str, Any]:
    found = packed_reply({"succeed_list": entries, "fail_list": []}, log_names={"dmesg"})
    assert found is not None
    return found


def documents(
    reply: dict[str, Any], condition: str, data_list: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    compiled = load_registry().compile("", condition, data_list)
    found = judge(reply, data_list, BASE, compiled, [A, B], start=100, end=200)
    return [(d["host_id"][0], d["series"], d["start"], d["value"], d["reason"]) for d in found]


def test_a_packed_reply_lays_out_series_in_any_order_with_log_lines_as_lists() -> None:
    log = {"name": "dmesg", "type": "log", "label": {}}
    entries = [
        series(B.public_ip, "load", [95.0, 1.0]),
        series(A.public_ip, "dmesg", ["ok", "disk error"]),
        series(A.public_ip, "load", [1.0, 95.0, float("nan")]),
        series(B.public_ip, "dmesg", ["error", "ok"]),
    ]
    reply = packed(entries)
    assert [sorted(e) for e in reply["succeed_list"][:2]] == [
        ["host_id", "label", "length", "name", "offset"],
        ["host_id", "label", "name", "timestamps", "values"],
    ]
    condition = "$0 > 90 || $1.keyword('error')"
    found = documents(reply, condition, [LOAD, log])
    assert found == documents({"succeed_list": entries, "fail_list": []}, condition, [LOAD, log])
    # At 120 host a's NaN is not above 90, but its nearest log line (110) holds "error".
    abnormal = ("Abnormal", "")
    assert found == [
        ("a", "load", 110.0, *abnormal),
        ("a", "load", 120.0, *abnormal),
        ("b", "load", 100.0, *abnormal),
    ]


def test_packed_samples_that_cannot_be_read_fail_every_series_and_no_host_is_lost() -> None:
    reply = packed([series(A.public_ip, "load", [95.0]), series(B.public_ip, "load", [1.0, 95.0])])
    outside = {**reply, "succeed_list": [{**e, "length": 9} for e in reply["succeed_list"]]}
    broken = {**reply, "packed": {**reply["packed"], "values": "not base64!"}}
    missing = {k: v for k, v in reply.items() if k != "packed"}
    for bad, reason in [
        (outside, "lies outside the reply's 3 samples"),
        (broken, "packed values is not base64"),
        (missing, "packed series in a reply without packed samples"),
    ]:
        found = documents(bad, "$0 > 90", [LOAD])
        assert [d[:4] for d in found] == [
            ("a", "load", 100, "Internal error"),
            ("b", "load", 100, "Internal error"),
        ]
        assert all(reason in d[4] for d in found), found
    assert documents(reply, "$0 > 90", [LOAD]) == [
        ("a", "load", 100.0, "Abnormal", ""),
        ("b", "load", 110.0, "Abnormal", ""),
    ]


def test_a_reply_mixing_packed_and_listed_series_is_judged_as_the_lists() -> None:
    entries = [series(A.public_ip, "load", [95.0, 1.0]), series(B.public_ip, "load", [1.0, 95.0])]
    mixed = packed(entries[:1])
    mixed["succeed_list"].append(entries[1])
    expected = [("a", "load", 100.0, "Abnormal", ""), ("b", "load", 110.0, "Abnormal", "")]
    assert documents(mixed, "$0 > 90", [LOAD]) == expected
