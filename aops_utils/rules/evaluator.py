"""Walks a checked tree once per batch, computing whole columns (all samples of all hosts).

The walk is per batch, not per sample: its cost does not grow with the number of samples.
Dict membership (`{..} in {..}`) is the one per-sample Python loop, and only when an item
refers to a series; `L in R` holds when every key of L is in R with an equal value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from aops_utils.rules.batch import Batch
from aops_utils.rules.nodes import Binary
from aops_utils.rules.nodes import Call
from aops_utils.rules.nodes import DictLiteral
from aops_utils.rules.nodes import Literal
from aops_utils.rules.nodes import Name
from aops_utils.rules.nodes import Node
from aops_utils.rules.nodes import Scalar
from aops_utils.rules.nodes import Ternary
from aops_utils.rules.nodes import Unary
from aops_utils.rules.plan import RulePlan
from aops_utils.rules.values import BoolArray
from aops_utils.rules.values import Fails
from aops_utils.rules.values import Kind
from aops_utils.rules.values import Val
from aops_utils.rules.values import binary
from aops_utils.rules.values import choose
from aops_utils.rules.values import is_scalar
from aops_utils.rules.values import logical
from aops_utils.rules.values import merge
from aops_utils.rules.values import pylist
from aops_utils.rules.values import truthiness
from aops_utils.rules.values import unary
from aops_utils.rules.windows import evaluate_function
from aops_utils.rules.windows import scalar_val


def evaluate_constant(node: Node) -> tuple[Scalar, str | None]:
    """Value of a subtree without data (literals and operators only), or the failure reason."""
    with np.errstate(all="ignore"):
        val = _Walker(None, None, 1).value(node)
    if val.fails is not None:
        return None, val.fails.parts[0][1]
    data = val.data
    if isinstance(data, np.ndarray):  # a column of one, or a 0-d result of a numpy operation
        data = data.reshape(-1)[0]
    if isinstance(data, np.generic):
        data = data.item()
    assert data is None or isinstance(data, float | str | bool)  # the language has no other scalars
    return data, None


def evaluate_column(plan: RulePlan, batch: Batch) -> Val:
    """The condition's value (before truthiness) for every evaluated sample of the batch."""
    with np.errstate(all="ignore"):  # failures are recorded as masks, not as warnings
        return _Walker(plan, batch, batch.size).value(plan.root)


def evaluate_plan(plan: RulePlan, batch: Batch) -> tuple[BoolArray, Fails | None]:
    """Truth of the condition for every evaluated sample of the batch, and its failures."""
    n = batch.size
    val = evaluate_column(plan, batch)
    with np.errstate(all="ignore"):
        truth, fails = truthiness(val, n)
    result = np.asarray(truth, dtype=bool)
    return (np.full(n, bool(result)) if result.ndim == 0 else result), fails


class _Walker:
    def __init__(self, plan: RulePlan | None, batch: Batch | None, n: int) -> None:
        self.plan = plan
        self.batch = batch
        self.n = n

    def value(self, node: Node) -> Val:
        if isinstance(node, Literal):
            result = scalar_val(node.value)
        elif isinstance(node, Binary):
            result = self.binary(node)
        elif isinstance(node, Unary):
            result = unary(node.op, self.value(node.operand), self.n)
        elif isinstance(node, Ternary):
            condition = self.value(node.condition)
            result = choose(condition, self.value(node.then), self.value(node.otherwise), self.n)
        elif isinstance(node, Name):
            assert self.batch is not None  # constants contain no names (analysis)
            result = self.batch.leaf(int(node.name[1:]))
        elif isinstance(node, Call):
            assert self.plan is not None and self.batch is not None  # constants contain no calls
            result = evaluate_function(self.batch, self.plan.functions[node])
        else:
            raise TypeError(f"cannot evaluate {type(node).__name__} here")  # analysis rejects the rest
        return result

    def binary(self, node: Binary) -> Val:
        if node.op in ("&&", "||"):
            return logical(node.op, self.value(node.left), self.value(node.right), self.n)
        if node.op in ("in", "notin"):
            assert isinstance(node.left, DictLiteral) and isinstance(node.right, DictLiteral)  # analysis
            return self.membership(node.op, node.left, node.right)
        return binary(node.op, self.value(node.left), self.value(node.right), self.n)

    def membership(self, op: str, left: DictLiteral, right: DictLiteral) -> Val:
        sides = []
        fails: list[Fails | None] = []
        for literal in (left, right):
            items = [(self.value(key), self.value(value)) for key, value in literal.items]
            fails.extend(part.fails for item in items for part in item)
            sides.append(items)
        negate = op == "notin"
        if all(is_scalar(part.data) for side in sides for item in side for part in item):
            inside = _subset(_as_dict(sides[0], 1)[0], _as_dict(sides[1], 1)[0])
            return Val(Kind.BOOL, inside != negate, merge(*fails))
        n = self.n
        left_dicts, right_dicts = _as_dict(sides[0], n), _as_dict(sides[1], n)
        flags = [_subset(lhs, rhs) != negate for lhs, rhs in zip(left_dicts, right_dicts, strict=True)]
        return Val(Kind.BOOL, np.array(flags, dtype=bool), merge(*fails))


def _as_dict(items: list[tuple[Val, Val]], n: int) -> list[dict[Any, Any]]:
    """One Python dict per sample (later keys override earlier ones, as in Python)."""
    columns = [(pylist(key, n), pylist(value, n)) for key, value in items]
    return [{keys[i]: values[i] for keys, values in columns} for i in range(n)]


def _subset(inner: dict[Any, Any], outer: dict[Any, Any]) -> bool:
    """Every key of inner is in outer with an equal value; the empty dict is in anything."""
    missing = object()
    return all(outer.get(key, missing) == value for key, value in inner.items())
