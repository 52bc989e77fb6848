"""Column values of the rule language: one typed array per expression, failures as masks.

A Val holds a whole column (one entry per evaluated sample) or a scalar that stands for every
sample. Per-sample failures are an ordered list of (mask, reason) parts: the first part that
covers a sample gives its reason, which mirrors the order in which a per-sample evaluator
would have raised. NOT_EVALUABLE is such a reason: a function lacked history for that sample.
Numbers are float64 everywhere (integers beyond 2**53 lose precision); `&&`, `||`, `!` and
comparisons yield booleans. The scalar module holds the reference semantics; the array paths
here do the same with numpy and fall back to it for mixed-type (OBJ) columns.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from aops_utils.rules.scalar import ARITHMETIC
from aops_utils.rules.scalar import BITWISE
from aops_utils.rules.scalar import EQUALITY
from aops_utils.rules.scalar import INT_RANGE
from aops_utils.rules.scalar import NULL_OPERAND
from aops_utils.rules.scalar import OPERATOR_FUNCTIONS
from aops_utils.rules.scalar import ORDERING
from aops_utils.rules.scalar import EvalFailure
from aops_utils.rules.scalar import scalar_binary
from aops_utils.rules.scalar import scalar_unary

BoolArray = NDArray[np.bool_]

_ARRAY_BITS: dict[str, np.ufunc] = {"&": np.bitwise_and, "|": np.bitwise_or, "^": np.bitwise_xor}


class Kind(enum.Enum):
    NUM = "number"
    BOOL = "boolean"
    STR = "string"
    NULL = "null"
    OBJ = "mixed"


NUMERIC = frozenset({Kind.NUM, Kind.BOOL})


@dataclass(slots=True)
class Fails:
    mask: BoolArray
    parts: list[tuple[BoolArray, str]]


@dataclass(slots=True)
class Val:
    kind: Kind
    data: Any  # an array with one entry per sample, or a scalar meaning "every sample"
    fails: Fails | None = None


def is_scalar(data: Any) -> bool:
    return np.ndim(data) == 0


def as_mask(condition: Any, n: int) -> BoolArray | None:
    """A per-sample mask from a scalar or array condition; None when nothing is set."""
    if is_scalar(condition):
        return np.ones(n, dtype=bool) if bool(condition) else None
    mask = np.asarray(condition, dtype=bool)
    return mask if mask.any() else None


def fail(condition: Any, reason: str, n: int) -> Fails | None:
    mask = as_mask(condition, n)
    return None if mask is None else Fails(mask, [(mask, reason)])


def merge(*items: Fails | None) -> Fails | None:
    present = [item for item in items if item is not None]
    if len(present) <= 1:
        return present[0] if present else None
    mask = present[0].mask.copy()
    parts = list(present[0].parts)
    for item in present[1:]:
        mask |= item.mask
        parts.extend(item.parts)
    return Fails(mask, parts)


def restrict(fails: Fails | None, where: Any) -> Fails | None:
    """Keep only the failures at samples where `where` holds (a scalar or a mask)."""
    if fails is None:
        return None
    if is_scalar(where):
        return fails if bool(where) else None
    mask = fails.mask & where
    if not mask.any():
        return None
    return Fails(mask, [(part & where, reason) for part, reason in fails.parts])


def broadcast(data: Any, n: int) -> NDArray[Any]:
    if is_scalar(data):
        array = np.empty(n, dtype=object if isinstance(data, str) or data is None else type(data))
        array[:] = data
        return array
    return np.asarray(data)


def pylist(val: Val, n: int) -> list[Any]:
    """The column as Python values (floats, bools, strings, None)."""
    if is_scalar(val.data):
        scalar = val.data.item() if isinstance(val.data, np.generic) else val.data
        return [scalar] * n
    values: list[Any] = val.data.tolist()
    return values


def from_objects(values: list[Any], fails: Fails | None) -> Val:
    """A column from per-sample Python results; failed samples do not decide the kind."""
    failed = fails.mask if fails is not None else None
    kinds = {type(v) for i, v in enumerate(values) if failed is None or not failed[i]}
    filler: Any
    dtype: Any
    if kinds <= {bool}:
        filler, kind, dtype = False, Kind.BOOL, np.bool_
    elif kinds <= {float, int}:
        filler, kind, dtype = 0.0, Kind.NUM, np.float64
    elif kinds <= {str}:
        filler, kind, dtype = "", Kind.STR, np.object_
    elif kinds == {type(None)}:
        return Val(Kind.NULL, None, fails)
    else:
        return Val(Kind.OBJ, _object_array(values), fails)
    if failed is not None:
        values = [filler if failed[i] else v for i, v in enumerate(values)]
    array = _object_array(values) if kind is Kind.STR else np.array(values, dtype=dtype)
    return Val(kind, array, fails)


def _object_array(values: list[Any]) -> NDArray[Any]:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


# Array semantics.


def _floats(val: Val) -> Any:
    """Numbers as float64: numpy scalars too, so that x / 0 is inf (masked), not an exception."""
    data = val.data
    if is_scalar(data):
        return np.float64(data)
    return data if val.kind is Kind.NUM else data.astype(np.float64)


def _ints(values: Any, op: str, n: int) -> tuple[Any, Fails | None]:
    bad = ~np.isfinite(values) | (np.abs(values) >= INT_RANGE)
    whole = np.trunc(np.where(bad, 0.0, values)).astype(np.int64)
    return whole, fail(bad, f"operator {op} needs an integer within 64 bits", n)


def _per_sample(
    compute: Callable[..., Any], columns: Sequence[list[Any]], fails: Fails | None, n: int
) -> Val:
    """The scalar semantics applied sample by sample (mixed-type columns); failures by reason."""
    results: list[Any] = []
    failures: dict[str, list[int]] = {}
    for index, args in enumerate(zip(*columns, strict=True)):
        try:
            results.append(compute(*args))
        except (EvalFailure, ArithmeticError, TypeError, ValueError) as exc:
            results.append(None)
            failures.setdefault(str(exc), []).append(index)
    return from_objects(results, merge(fails, *(_indexed(ix, reason, n) for reason, ix in failures.items())))


def _indexed(indexes: list[int], reason: str, n: int) -> Fails:
    mask = np.zeros(n, dtype=bool)
    mask[indexes] = True
    return Fails(mask, [(mask, reason)])


def _numeric_binary(op: str, left: Val, right: Val, n: int, fails: Fails | None) -> Val:
    x, y = _floats(left), _floats(right)
    if op in ORDERING or op in EQUALITY:
        return Val(Kind.BOOL, OPERATOR_FUNCTIONS[op](x, y), fails)
    if op in ARITHMETIC:
        if op in ("/", "%"):
            reason = "division by zero" if op == "/" else "modulo by zero"
            fails = merge(fails, fail(y == 0, reason, n))
        return Val(Kind.NUM, OPERATOR_FUNCTIONS[op](x, y), fails)
    xi, x_fails = _ints(x, op, n)
    yi, y_fails = _ints(y, op, n)
    fails = merge(fails, x_fails, y_fails)
    if op in ("<<", ">>"):
        fails = merge(fails, fail(yi < 0, "negative shift count", n))
        if op == "<<":
            beyond = (xi != 0) & (np.abs(np.trunc(x)) * np.exp2(np.clip(yi, 0, 64)) >= INT_RANGE)
            fails = merge(fails, fail(beyond, "shift result beyond 64 bits", n))
            result = np.left_shift(xi, np.clip(yi, 0, 62))
        else:
            result = np.right_shift(xi, np.clip(yi, 0, 63))
    else:
        result = _ARRAY_BITS[op](xi, yi)
    return Val(Kind.NUM, np.asarray(result).astype(np.float64), fails)


def binary(op: str, left: Val, right: Val, n: int) -> Val:
    """`left op right` for every sample (not && or ||, which need short-circuit handling)."""
    fails = merge(left.fails, right.fails)
    kinds = (left.kind, right.kind)
    if Kind.NULL in kinds:
        return Val(Kind.BOOL, False, merge(fails, fail(True, NULL_OPERAND, n)))
    if Kind.OBJ in kinds:
        return _per_sample(partial(scalar_binary, op), (pylist(left, n), pylist(right, n)), fails, n)
    if left.kind in NUMERIC and right.kind in NUMERIC:
        return _numeric_binary(op, left, right, n, fails)
    return _string_binary(op, left, right, n, fails)


def _string_binary(op: str, left: Val, right: Val, n: int, fails: Fails | None) -> Val:
    """At least one side is a string column, neither is null nor mixed."""
    if left.kind is Kind.STR and right.kind is Kind.STR:
        if op in EQUALITY or op in ORDERING:
            return Val(Kind.BOOL, OPERATOR_FUNCTIONS[op](left.data, right.data), fails)
        if op == "+":
            return Val(Kind.STR, operator.add(left.data, right.data), fails)
    elif op in EQUALITY:  # a string never equals a number or a boolean
        return Val(Kind.BOOL, op == "!=", fails)
    if op in ORDERING:
        reason = f"cannot compare a string with a number using {op}"
    elif op in BITWISE:
        reason = f"operator {op} needs numbers, not a string"
        if left.kind in NUMERIC:  # the left operand is converted to int first, and may fail first
            fails = merge(fails, _ints(_floats(left), op, n)[1])
    else:
        kinds = " and ".join("string" if k is Kind.STR else "number" for k in (left.kind, right.kind))
        reason = f"unsupported operand types for {op}: {kinds}"
    return Val(Kind.BOOL, False, merge(fails, fail(True, reason, n)))


def unary(op: str, operand: Val, n: int) -> Val:
    if op == "!":
        truth, fails = truthiness(operand, n)
        return Val(Kind.BOOL, np.logical_not(truth), fails)
    if operand.kind is Kind.NULL:
        return Val(Kind.NUM, 0.0, merge(operand.fails, fail(True, NULL_OPERAND, n)))
    if operand.kind is Kind.STR:
        reason = (
            "operator ~ needs numbers, not a string"
            if op == "~"
            else f"unary {op} needs a number, not a string"
        )
        return Val(Kind.NUM, 0.0, merge(operand.fails, fail(True, reason, n)))
    if operand.kind is Kind.OBJ:
        return _per_sample(partial(scalar_unary, op), (pylist(operand, n),), operand.fails, n)
    values = _floats(operand)
    if op == "~":
        whole, fails = _ints(values, op, n)
        return Val(Kind.NUM, np.asarray(-whole - 1).astype(np.float64), merge(operand.fails, fails))
    return Val(Kind.NUM, -values if op == "-" else values, operand.fails)


def truthiness(val: Val, n: int) -> tuple[Any, Fails | None]:
    """Python truthiness per sample (NaN is true, as in Python); null fails."""
    if val.kind is Kind.NUM:
        return val.data != 0, val.fails
    if val.kind is Kind.BOOL:
        return val.data, val.fails
    if val.kind is Kind.STR:
        return (bool(val.data) if is_scalar(val.data) else val.data.astype(bool)), val.fails
    if val.kind is Kind.NULL:
        return False, merge(val.fails, fail(True, "null value used as a condition", n))
    values = pylist(val, n)
    flags = np.array([False if v is None else bool(v) for v in values], dtype=bool)
    nulls = np.array([v is None for v in values], dtype=bool)
    return flags, merge(val.fails, fail(nulls, "null value used as a condition", n))


def logical(op: str, left: Val, right: Val, n: int) -> Val:
    """`&&` / `||` per sample: the right side's failures count only where it is needed."""
    left_truth, left_fails = truthiness(left, n)
    right_truth, right_fails = truthiness(right, n)
    needed = left_truth if op == "&&" else np.logical_not(left_truth)
    if left_fails is not None:
        needed = needed & ~left_fails.mask
    result = np.logical_and(left_truth, right_truth) if op == "&&" else np.logical_or(left_truth, right_truth)
    return Val(Kind.BOOL, result, merge(left_fails, restrict(right_fails, needed)))


def choose(condition: Val, then: Val, otherwise: Val, n: int) -> Val:
    """`condition ? then : otherwise` per sample; a branch's failures count only where chosen."""
    truth, fails = truthiness(condition, n)
    ok = True if fails is None else ~fails.mask
    then_fails = restrict(then.fails, np.logical_and(truth, ok))
    else_fails = restrict(otherwise.fails, np.logical_and(np.logical_not(truth), ok))
    fails = merge(fails, then_fails, else_fails)
    if is_scalar(truth):
        picked = then if bool(truth) else otherwise
        return Val(picked.kind, picked.data, fails)
    if then.kind == otherwise.kind and then.kind is not Kind.NULL:
        if then.kind in (Kind.STR, Kind.OBJ):
            return Val(
                then.kind, np.where(truth, broadcast(then.data, n), broadcast(otherwise.data, n)), fails
            )
        return Val(then.kind, np.where(truth, then.data, otherwise.data), fails)
    if then.kind in NUMERIC and otherwise.kind in NUMERIC:
        return Val(Kind.NUM, np.where(truth, _floats(then), _floats(otherwise)), fails)
    pairs = zip(truth.tolist(), pylist(then, n), pylist(otherwise, n), strict=True)
    return from_objects([t if c else o for c, t, o in pairs], fails)
