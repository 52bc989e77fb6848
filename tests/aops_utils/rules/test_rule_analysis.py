"""Import-time checks of a rule (every kind of rejection, with its position) and its history needs."""

from __future__ import annotations

from typing import Any

import pytest

from aops_utils.errors import ParamError
from aops_utils.rules import CompiledRule
from aops_utils.rules import RuleError

KPI = {"name": "node_load1", "type": "kpi", "label": {}}
LOG = {"name": "dmesg", "type": "log", "label": {}}
TWO = [KPI, KPI]


def rejected(condition: Any, data_list: Any = TWO) -> RuleError:
    with pytest.raises(RuleError) as caught:
        CompiledRule.compile(condition, data_list)
    return caught.value


@pytest.mark.parametrize(
    ("condition", "data_list", "position", "message"),
    [
        ("$2 > 1", TWO, 0, "$2 is beyond the data_list, which has 2 item(s)"),
        ("$0 + $1 > $5", TWO, 10, "$5 is beyond the data_list"),
        ('prom_up != "1"', TWO, 0, "unknown name 'prom_up' (data items are referred to as $0..$1)"),
        ("{data11_a: 1} in {}", TWO, 1, "unknown name 'data11_a'"),
        ("$00 > 1", TWO, 0, "unknown name '$00'"),
        ("m > 1", TWO, 0, "unknown name 'm'"),
        ("prom_up.max(1m) > 1", TWO, 0, "unknown name 'prom_up'"),
        ("$3.max(1m) > 1", TWO, 0, "$3 is beyond"),
        ("median(5m) > 1", TWO, 0, "unknown function 'median'"),
        ("1 + $1.mean(#2)", TWO, 7, "unknown function 'mean'"),
        ("max(5m, 1) > 1", TWO, 0, "max() takes 1 argument (2 given)"),
        ("count(5m, 1) > 1", TWO, 0, "count() takes 3 arguments (2 given)"),
        ("diff() == 1", TWO, 0, "diff() takes 1 argument (0 given)"),
        ("keyword(5m)", [LOG], 8, "must be a string literal"),
        ("keyword('a' + 'b')", [LOG], 8, "must be a string literal"),
        ("keyword($0)", [LOG], 8, "must be a string literal"),
        ("count(5m, 90, '=>') > 1", TWO, 14, "count() operator must be one of"),
        ("count(5m, 90, $1) > 1", TWO, 14, "argument 3 of count() must be a string literal"),
        (
            "count(5m, #2, '>') > 1",
            TWO,
            10,
            "argument 2 of count() must be a constant value, not the filter #2",
        ),
        ("count(5m, $1, '>') > 1", TWO, 10, "must be a constant value that does not depend on the data"),
        ("count(5m, 1/0, '>') > 1", TWO, 10, "cannot be evaluated: division by zero"),
        ("diff(5m)", TWO, 5, "must be a count filter such as #1, not the filter 5m"),
        ("diff(0)", TWO, 5, "diff() takes a count filter"),
        ("change(1.5) > 1", TWO, 7, "change() takes a count filter"),
        ("max($0) > 1", TWO, 4, "must be a window that does not depend on the data"),
        ("max(-5) > 1", TWO, 4, "window must be a non-negative number of seconds"),
        ("max('5m') > 1", TWO, 4, "window must be a non-negative number of seconds"),
        ("max(1 > 0) > 1", TWO, 4, "window must be a non-negative number of seconds"),
        ("keyword('error')", TWO, 0, "keyword() needs a log item but $0 is kpi"),
        ("$1.max(1m) > 1", [KPI, LOG], 3, "max() needs a kpi item but $1 is log"),
        ("abschange(#1) > 1", [LOG], 0, "abschange() needs a kpi item"),
        ("{a: 1} == {a: 1}", TWO, 0, "a dict literal can only be an operand of 'in' or 'notin'"),
        ("$0 in {a: 1}", TWO, 0, "'in' needs a dict literal on both sides"),
        ("{$0: 1} notin $1 + 1", TWO, 14, "'notin' needs a dict literal on both sides"),
        ("$0 >>> 1", TWO, 3, "operator >>> is not supported"),
        ("#0", TWO, 0, "count filter #0 must be at least #1"),
        ("max(#0) > 1", TWO, 4, "must be at least #1"),
        ("$0 > 90)", TWO, 7, "unexpected ')'"),
    ],
)
def test_rejections_name_the_position_and_reason(
    condition: str, data_list: list[dict[str, Any]], position: int, message: str
) -> None:
    error = rejected(condition, data_list)
    assert message in error.message, error
    assert error.position == position, error
    assert str(error) == f"condition: {error.message} at position {position}"


@pytest.mark.parametrize(
    ("data_list", "message"),
    [
        ([], "must list at least one data item"),
        (None, "must list at least one data item"),
        ("node_load1", "must list at least one data item"),
        ([KPI, "node_load1"], "item 1 must be an object"),
        ([{"name": "x", "label": {}}], "item 0 ('x') has type None; it must be 'kpi' or 'log'"),
        ([KPI, {"name": "y", "type": "metric"}], "item 1 ('y') has type 'metric'"),
    ],
)
def test_bad_data_lists(data_list: Any, message: str) -> None:
    error = rejected("$0 > 1", data_list)
    assert message in error.message
    assert str(error).startswith("data_list: ") and error.position is None


@pytest.mark.parametrize(
    ("condition", "message"), [("", "condition is empty"), ("   ", "empty"), (5, "must be a string")]
)
def test_bad_condition_values(condition: Any, message: str) -> None:
    assert message in rejected(condition).message


def test_rule_error_is_a_param_error_for_rest_views() -> None:
    error = rejected("$9")
    assert isinstance(error, ParamError)
    assert error.field == "condition"
    assert error.envelope()["detail"] == str(error)


def test_mixed_kpi_and_log_items_are_allowed() -> None:
    rule = CompiledRule.compile("$1.keyword('oom') && $0 > 1", [KPI, LOG])
    assert rule.macros == {"$0", "$1"}


@pytest.mark.parametrize(
    ("condition", "seconds"),
    [
        ("1 + 1 > 2", 0),
        ("max(1s) > 1", 1),
        ("max(#1) > 1", 15),
        ("max(1m) > 1", 60),
        ("max(1h) > 1", 3600),
        ("max(#5) + min(1m) > 1", 75),  # fixed 4.4 example "num 5 & time 60 -> 75"
        ("$0.count(5m, 90, '>') > 3 && $1 < 10", 300),
        ("abschange(#4) > 1000", 60),
        ("diff(#3)", 45),
        ("sum(2.5) > 1", 3),  # a bare number is seconds; history rounds up
        ("max(1.5m) > 1 || $1.diff(#2)", 90),
        ("avg(#3) > max(2m)", 120),
    ],
)
def test_history_seconds(condition: str, seconds: int) -> None:
    assert CompiledRule.compile(condition, TWO).history_seconds(15) == seconds


def test_history_seconds_scales_count_filters_with_the_period() -> None:
    rule = CompiledRule.compile("diff(#4)", TWO)
    assert [rule.history_seconds(period) for period in (1, 15, 60)] == [4, 60, 240]


def test_history_is_computed_per_rule_not_accumulated() -> None:
    # 21.09's visitor kept its maxima across rules compiled on the same plugin object.
    assert CompiledRule.compile("max(1h) > 1", TWO).history_seconds(15) == 3600
    assert CompiledRule.compile("$0 > 1", TWO).history_seconds(15) == 0


def test_macros_include_the_main_series_and_function_targets() -> None:
    three = [KPI, KPI, KPI]
    assert CompiledRule.compile("$2.max(1m) > 1", three).macros == {"$0", "$2"}
    assert CompiledRule.compile("{$1: 1} in {}", three).macros == {"$0", "$1"}
    assert CompiledRule.compile("1 > 0", three).macros == {"$0"}
