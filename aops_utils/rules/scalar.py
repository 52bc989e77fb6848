"""Reference semantics of the operators on single Python values (float, bool, str, None).

The vectorized paths in values.py implement the same rules with numpy and use these functions
for mixed-type columns; the property tests check the two agree. A failure is an EvalFailure
whose message is the reason recorded for the sample.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

NOT_EVALUABLE = "not evaluable: not enough history"
NULL_OPERAND = "null operand"
INT_RANGE = 2.0**63

ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})
ORDERING = frozenset({"<", ">", "<=", ">="})
EQUALITY = frozenset({"==", "!="})
BITWISE = frozenset({"&", "|", "^", "<<", ">>"})
OPERATOR_FUNCTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "%": operator.mod,
    "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}  # fmt: skip


_SCALAR_BITS: dict[str, Callable[[int, int], int]] = {
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
}


class EvalFailure(Exception):
    """One sample cannot be evaluated; the message is the reason recorded for it."""


def _type_name(value: Any) -> str:
    """Booleans count as numbers in messages, as they do in arithmetic (True + 1 == 2)."""
    return "string" if isinstance(value, str) else "number"


def _to_int(value: Any, op: str) -> int:
    if isinstance(value, str):
        raise EvalFailure(f"operator {op} needs numbers, not a string")
    number = float(value)
    if not math.isfinite(number) or abs(number) >= INT_RANGE:
        raise EvalFailure(f"operator {op} needs an integer within 64 bits")
    return int(number)


def scalar_truth(value: Any) -> bool:
    if value is None:
        raise EvalFailure("null value used as a condition")
    return bool(value)


def scalar_unary(op: str, value: Any) -> Any:
    if op == "!":
        return not scalar_truth(value)
    if value is None:
        raise EvalFailure(NULL_OPERAND)
    if op == "~":
        return float(-_to_int(value, op) - 1)
    if isinstance(value, str):
        raise EvalFailure(f"unary {op} needs a number, not a string")
    return -float(value) if op == "-" else float(value)


def scalar_binary(op: str, left: Any, right: Any) -> Any:
    if left is None or right is None:
        raise EvalFailure(NULL_OPERAND)
    if op in EQUALITY:
        return (left == right) if op == "==" else (left != right)
    if op in ORDERING:
        if isinstance(left, str) != isinstance(right, str):
            raise EvalFailure(f"cannot compare a string with a number using {op}")
        return bool(OPERATOR_FUNCTIONS[op](left, right))
    if op in ARITHMETIC:
        return _scalar_arithmetic(op, left, right)
    return _scalar_bitwise(op, left, right)


def _scalar_arithmetic(op: str, left: Any, right: Any) -> Any:
    if isinstance(left, str) or isinstance(right, str):
        if op == "+" and isinstance(left, str) and isinstance(right, str):
            return left + right
        kinds = f"{_type_name(left)} and {_type_name(right)}"
        raise EvalFailure(f"unsupported operand types for {op}: {kinds}")
    x, y = float(left), float(right)
    if op in ("/", "%") and y == 0:
        raise EvalFailure("division by zero" if op == "/" else "modulo by zero")
    return float(OPERATOR_FUNCTIONS[op](x, y))


def _scalar_bitwise(op: str, left: Any, right: Any) -> float:
    xi, yi = _to_int(left, op), _to_int(right, op)
    if op in ("<<", ">>") and yi < 0:
        raise EvalFailure("negative shift count")
    if op == "<<":
        if xi and (yi >= 64 or abs(xi << yi) >= INT_RANGE):
            raise EvalFailure("shift result beyond 64 bits")
        return float(xi << yi)
    if op == ">>":
        return float(xi >> yi)
    return float(_SCALAR_BITS[op](xi, yi))
