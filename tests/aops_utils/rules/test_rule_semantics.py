"""Operator semantics and the worked examples of reference 4.7 (adapted where 21.09 was fixed)."""

from __future__ import annotations

from typing import Any

import pytest

from aops_utils.rules import CompiledRule
from aops_utils.rules import Series
from aops_utils.rules.evaluator import evaluate_constant
from aops_utils.rules.parser import parse

KPI = {"name": "m", "type": "kpi", "label": {}}
LOG = {"name": "l", "type": "log", "label": {}}


def const(expression: str) -> Any:
    value, reason = evaluate_constant(parse(expression))
    assert reason is None, reason
    return value


def failure(expression: str) -> str:
    _, reason = evaluate_constant(parse(expression))
    assert reason is not None
    return reason


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("7 + 3", 10),
        ("7 - 10", -3),
        ("6 * 7", 42),
        ("7 / 2", 3.5),
        ("7 % 3", 1),
        ("-7 % 3", 2),  # Python's floored modulo
        ("7 % -3", -2),
        ("7.5 % 2", 1.5),
        ("True + True", 2),
        ("'a' + 'b'", "ab"),
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 2", True),
        ("2 >= 3", False),
        ("1 == 1.0", True),
        ("1 != 2", True),
        ("True == 1", True),
        ("'a' < 'b'", True),
        ("'b' >= 'a'", True),
        ("'a' == 'a'", True),
        ("'a' == 1", False),  # a string never equals a number, without error
        ("'1' != 1", True),
        ("1 && 2", True),  # 21.09 returned the operand (2); && and || now yield booleans
        ("0 || 'x'", True),
        ("0 && 1 / 0", False),  # short-circuit: the right side is not needed
        ("1 || 1 / 0", True),
        ("0 && null", False),
        ("'' || 0", False),
        ("6 & 3", 2),
        ("6 | 3", 7),
        ("6 ^ 3", 5),
        ("1 << 4", 16),
        ("256 >> 4", 16),
        ("1 >> 2", 0),
        ("-1 >> 100", -1),
        ("7.9 & 3", 3),  # bit operators convert to int first
        ("-7.9 | 0", -7),
        ("~1", -2),
        ("~-1", 0),
        ("~2.7", -3),
        ("-(3)", -3),
        ("+3", 3),
        ("- -3", 3),
        ("!0", True),
        ("!1", False),
        ("!''", True),
        ("!'a'", False),
        ("!!2", True),
        ("1 ? 'a' : 'b'", "a"),
        ("0 ? 1 : 2", 2),
        ("1 ? 1 : 1 / 0", 1),  # the branch not taken is not evaluated
        ("True ? False ? 1 : 2 : 3", 2),
        ("False ? 1 : True ? 2 : 3", 2),
        ("1 + 2 >= 1.0e-3", True),
        ("1 - 3 >= 1e-06", False),
        ("1 + 2 >= .1e12", False),
        ("0x10 + 1_000 + 0b11 + 0o7", 1026),
        ("2 - -1e3", 1002),
    ],
)
def test_operators(expression: str, value: Any) -> None:
    result = const(expression)
    assert result == value
    assert isinstance(result, bool) == isinstance(value, bool)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("1 / 0", "division by zero"),
        ("1 / (2 - 2)", "division by zero"),
        ("5 % 0", "modulo by zero"),
        ("'a' - 'b'", "unsupported operand types for -: string and string"),
        ("'a' * 2", "unsupported operand types for *: string and number"),
        ("'a' < 1", "cannot compare a string with a number using <"),
        ("1 >= 'a'", "cannot compare a string with a number using >="),
        ("1 && 1 / 0", "division by zero"),
        ("0 || 1 / 0", "division by zero"),
        ("null && 1", "null value used as a condition"),
        ("null + 1", "null operand"),
        ("1 == null", "null operand"),
        ("-null", "null operand"),
        ("!null", "null value used as a condition"),
        ("null ? 1 : 2", "null value used as a condition"),
        ("'a' & 1", "operator & needs numbers"),
        ("1 << -1", "negative shift count"),
        ("1 << 63", "shift result beyond 64 bits"),
        ("~1e300", "operator ~ needs an integer within 64 bits"),
        ("-'a'", "unary - needs a number"),
        ("0 ? 1 : 1 / 0", "division by zero"),
        ("(1 / 0) + (5 % 0)", "division by zero"),  # the first failure in evaluation order wins
    ],
)
def test_operator_failures(expression: str, reason: str) -> None:
    assert reason in failure(expression)


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("{'a': 1} in {'a': 1, 'b': 2}", True),
        ("{'a': 1, 'b': 3} in {'a': 1, 'b': 2}", False),  # subset test; 21.09's "any pair" said True
        ("{'a': 1, 'b': 2} in {'b': 2, 'a': 1, 'c': 3}", True),
        ("{} in {'a': 1}", True),  # 21.09 failed on {}
        ("{} in {}", True),
        ("{'a': 1} in {}", False),
        ("{'a': 1} notin {'a': 2}", True),
        ("{'a': 1} notin {'a': 1}", False),
        ("{1: 'x'} in {1.0: 'x'}", True),
        ("{true: null} in {1: null}", True),
        ("{'a': -1} in {'a': -1.0}", True),
        ("{'a': 1, 'a': 2} in {'a': 2}", True),  # a repeated key keeps its last value
    ],
)
def test_dict_membership(expression: str, value: bool) -> None:
    assert const(expression) is value


# The executor unit-test vector of 21.09 (test_expression_model.py), as $0..$5.
STAMPS = [1000001, 1000002, 1000003, 1000004, 1000005]
VECTOR = {
    "$0": Series([1000001, 1000001, 1000003, 1000004, 1000005], ["1", "2", "3", "4", "5"]),  # data11_a
    "$1": Series(STAMPS, ["2", "2", "2", "2", "2"]),  # data_b22
    "$2": Series(STAMPS, ["5", "4", "3", "2", "1"]),  # data_10m
    "$3": Series(STAMPS, ["40", "96", "82", "74", "68"]),  # data11_d
    "$4": Series(STAMPS, ["4.5", "5.6", "6.8", "7.1", "8.0"]),  # data11_e
    "$5": Series(STAMPS, ["error", "nomal", "error", "nomal", "error"]),  # data11_f (log)
}
DATA_LIST = [KPI, KPI, KPI, KPI, KPI, LOG]


def value_at(condition: str, index: int) -> Any:
    """The condition's value at index `index` of $0 (evaluating from that sample on)."""
    rule = CompiledRule.compile(condition, DATA_LIST)
    _, value, reason = rule.values(VECTOR, VECTOR["$0"].timestamps[index])[0]
    assert reason is None, reason
    return value


@pytest.mark.parametrize(
    ("condition", "value"),
    [
        ("$0 + $1", 6),
        ("$0 / 4", 1),
        ("$0 | 2", 6),
        ("$2 && 2", True),  # 21.09 gave 2 (Python `and`); booleans now
        ("$0 == 1 ? 5 > $2 ? $2 : $3 : $4", 7.1),
        ("{$0: $1} in {$0: $1, 3: 1}", True),
        ("count(10m, 3, '<') > 1", True),  # $0 values 4,3,2,1 in the window: two are < 3
        ("count(10m, 3, '<')", 2),
        ("$5.count(5s, 'error', '==') == 2", True),
        ("$5.keyword('no')", True),
    ],
)
def test_worked_examples_at_index_3(condition: str, value: Any) -> None:
    assert value_at(condition, 3) == value


@pytest.mark.parametrize(
    ("condition", "value"),
    [
        ("$5.keyword('no')", False),
        ("$1.max(2s) > 10", False),
        ("$2.diff(#1)", True),
        ("$1.min(#1) < 10", True),  # #1 is now the last sample (21.09: a 1-second window)
        ("$1.change(#1) < 10", True),
        ("$1.abschange(#1) < 10", True),
        ("$1.sum(#3) > 5", True),
        ("$1.sum(#3)", 6),  # last 3 samples: 2+2+2 (21.09: a 3 s window over indices 4..1 = 8)
        ("$1.avg(#3) < 5", True),
        ("$1.avg(#3)", 2),  # mean of the last 3 samples (21.09: 8 / index 4, also 2 by chance)
        ("$0.avg(#3)", 4),  # (3+4+5)/3; 21.09 would have divided 12 by the index 4
        ("$0.sum(3s)", 12),  # time window [1000002, 1000005] holds 3, 4, 5
        ("$0.max(10m)", 5),
        ("$0.min(10m)", 1),
        ("$2.change(#2)", -2),
        ("$2.abschange(#2)", 2),
        ("$5.diff(#2)", False),  # strings compare too: "error" vs "error"
    ],
)
def test_worked_examples_at_index_4(condition: str, value: Any) -> None:
    assert value_at(condition, 4) == value


def test_worked_constant_examples() -> None:
    assert const("1+2 >=1.0e-3") is True
    assert const("1-3 >= 1e-06") is False
    assert const("1+2 >=.1e12") is False
    assert const("!1") is False
    assert const("~1") == -2
    assert const("1>>2") == 0
    assert const("True ? False ? 1 : 2 : 3") == 2


def test_duplicate_main_timestamps_align_the_other_series_to_the_same_sample() -> None:
    rule = CompiledRule.compile("$0 + $3", DATA_LIST)
    assert [value for _, value, _ in rule.values(VECTOR, 0)] == [41, 42, 85, 78, 73]
