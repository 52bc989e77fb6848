"""Static analysis at import: everything that would fail on every sample is a RuleError here.

Checks macros against the data_list, names, functions and their arguments, filters and dict
literals; resolves constant arguments; records the history the rule needs (section 4.4).
Window and count() pattern arguments must be constants (a literal, a filter or constant
arithmetic): a per-sample window has no meaning, and 21.09 never used one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from aops_utils.rules import parser
from aops_utils.rules.errors import RuleError
from aops_utils.rules.evaluator import evaluate_constant
from aops_utils.rules.nodes import Binary
from aops_utils.rules.nodes import Call
from aops_utils.rules.nodes import CountFilter
from aops_utils.rules.nodes import DictLiteral
from aops_utils.rules.nodes import Filter
from aops_utils.rules.nodes import Literal
from aops_utils.rules.nodes import Name
from aops_utils.rules.nodes import Node
from aops_utils.rules.nodes import Scalar
from aops_utils.rules.nodes import Ternary
from aops_utils.rules.nodes import TimeFilter
from aops_utils.rules.nodes import Unary
from aops_utils.rules.nodes import children
from aops_utils.rules.nodes import start_of
from aops_utils.rules.plan import KPI
from aops_utils.rules.plan import LOG
from aops_utils.rules.plan import FunctionPlan
from aops_utils.rules.plan import RulePlan

_MACRO = re.compile(r"\$(0|[1-9][0-9]*)")
COUNT_OPERATORS = frozenset({">", "<", ">=", "<=", "==", "!="})
WINDOW_FUNCTIONS = frozenset({"max", "min", "sum", "avg"})
SHIFT_FUNCTIONS = frozenset({"diff", "change", "abschange"})
ARITY = {"count": 3, "keyword": 1} | dict.fromkeys(WINDOW_FUNCTIONS | SHIFT_FUNCTIONS, 1)
# Functions that only make sense on one kind of data item.
NEEDS_KIND = {"keyword": LOG} | dict.fromkeys(WINDOW_FUNCTIONS | {"change", "abschange"}, KPI)


def compile_plan(condition: Any, data_list: Any) -> RulePlan:
    """Parse and check a condition against its data_list; raise RuleError on any fault."""
    kinds = check_data_list(data_list)
    if not isinstance(condition, str):
        raise RuleError("condition must be a string")
    if not condition.strip():
        raise RuleError("condition is empty")
    try:
        root = parser.parse(condition)
        return _Analysis(kinds).run(root)
    except RecursionError:  # a safety net: the parser's depth limit should make this unreachable
        raise RuleError(f"expression nests deeper than {parser.MAX_DEPTH} levels") from None


def check_data_list(data_list: Any) -> tuple[str, ...]:
    if not isinstance(data_list, Sequence) or isinstance(data_list, str | bytes) or not data_list:
        raise RuleError("must list at least one data item", field="data_list")
    kinds: list[str] = []
    for index, item in enumerate(data_list):
        if not isinstance(item, Mapping):
            raise RuleError(f"item {index} must be an object with name, type and label", field="data_list")
        kind = item.get("type")
        if kind not in (KPI, LOG):
            name = item.get("name", "")
            raise RuleError(
                f"item {index} ({name!r}) has type {kind!r}; it must be 'kpi' or 'log'", field="data_list"
            )
        kinds.append(kind)
    return tuple(kinds)


class _Analysis:
    def __init__(self, kinds: tuple[str, ...]) -> None:
        self.kinds = kinds
        self.macros: set[int] = {0}
        self.functions: dict[Call, FunctionPlan] = {}
        self.max_window_seconds = 0.0
        self.max_count = 0

    def run(self, root: Node) -> RulePlan:
        self.visit(root)
        return RulePlan(
            root, self.kinds, frozenset(self.macros), self.functions, self.max_window_seconds, self.max_count
        )

    def visit(self, node: Node) -> None:
        if isinstance(node, Name):
            self.macro(node)
        elif isinstance(node, Call):
            self.call(node)
        elif isinstance(node, DictLiteral):
            raise RuleError("a dict literal can only be an operand of 'in' or 'notin'", node.pos)
        elif isinstance(node, Filter):
            raise RuleError(f"filter {node.text} is only allowed as a function argument", node.pos)
        elif isinstance(node, Binary) and node.op in ("in", "notin"):
            for side in (node.left, node.right):
                if not isinstance(side, DictLiteral):
                    raise RuleError(f"'{node.op}' needs a dict literal on both sides", start_of(side))
                for part in children(side):
                    if isinstance(part, Name):
                        self.macro(part)
        else:
            for child in children(node):
                self.visit(child)

    def macro(self, name: Name) -> int:
        match = _MACRO.fullmatch(name.name)
        if match is None:
            last = len(self.kinds) - 1
            raise RuleError(
                f"unknown name '{name.name}' (data items are referred to as $0..${last})", name.pos
            )
        index = int(match.group(1))
        if index >= len(self.kinds):
            count = len(self.kinds)
            raise RuleError(f"{name.name} is beyond the data_list, which has {count} item(s)", name.pos)
        self.macros.add(index)
        return index

    def call(self, call: Call) -> None:
        name = call.function
        if name not in ARITY:
            known = ", ".join(sorted(ARITY))
            raise RuleError(f"unknown function '{name}' (known: {known})", call.pos)
        if len(call.args) != ARITY[name]:
            plural = "s" if ARITY[name] > 1 else ""
            raise RuleError(
                f"{name}() takes {ARITY[name]} argument{plural} ({len(call.args)} given)", call.pos
            )
        target = self.macro(call.target) if call.target is not None else 0
        needed = NEEDS_KIND.get(name)
        if needed is not None and self.kinds[target] != needed:
            raise RuleError(f"{name}() needs a {needed} item but ${target} is {self.kinds[target]}", call.pos)
        if name == "keyword":
            plan = FunctionPlan(name, target, keyword=self.string_literal(call, 0))
        elif name in SHIFT_FUNCTIONS:
            plan = FunctionPlan(name, target, count=self.shift_count(call))
        else:
            window_ms, count = self.window(call)
            plan = FunctionPlan(name, target, window_ms, count)
            if name == "count":
                operator_text = self.string_literal(call, 2)
                if operator_text not in COUNT_OPERATORS:
                    allowed = " ".join(f"'{op}'" for op in sorted(COUNT_OPERATORS))
                    raise RuleError(f"count() operator must be one of {allowed}", call.args[2].pos)
                pattern = self.constant(call, 1, "a constant value")
                plan = FunctionPlan(name, target, window_ms, count, pattern, operator_text)
        self.functions[call] = plan

    def window(self, call: Call) -> tuple[int | None, int | None]:
        arg = call.args[0]
        if isinstance(arg, CountFilter):
            self.max_count = max(self.max_count, arg.count)
            return None, arg.count
        seconds = arg.seconds if isinstance(arg, TimeFilter) else self.constant(call, 0, "a window")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, float)
            or not math.isfinite(seconds)
            or seconds < 0
        ):
            raise RuleError(
                f"{call.function}() window must be a non-negative number of seconds", start_of(arg)
            )
        self.max_window_seconds = max(self.max_window_seconds, seconds)
        return round(seconds * 1000), None

    def shift_count(self, call: Call) -> int:
        arg = call.args[0]
        if isinstance(arg, CountFilter):
            count = arg.count
        else:
            value = self.constant(call, 0, "a count filter such as #1")
            if isinstance(value, bool) or not isinstance(value, float) or value != int(value) or value < 1:
                raise RuleError(f"{call.function}() takes a count filter such as #1", start_of(arg))
            count = int(value)
        self.max_count = max(self.max_count, count)
        return count

    def string_literal(self, call: Call, index: int) -> str:
        arg = call.args[index]
        if not isinstance(arg, Literal) or not isinstance(arg.value, str):
            raise RuleError(
                f"argument {index + 1} of {call.function}() must be a string literal", start_of(arg)
            )
        return arg.value

    def constant(self, call: Call, index: int, what: str) -> Scalar:
        arg = call.args[index]
        where = f"argument {index + 1} of {call.function}()"
        if isinstance(arg, Filter):
            raise RuleError(f"{where} must be {what}, not the filter {arg.text}", arg.pos)
        if not _is_constant(arg):
            raise RuleError(f"{where} must be {what} that does not depend on the data", start_of(arg))
        value, reason = evaluate_constant(arg)
        if reason is not None:
            raise RuleError(f"{where} cannot be evaluated: {reason}", start_of(arg))
        return value


def _is_constant(node: Node) -> bool:
    if isinstance(node, Literal):
        return True
    if isinstance(node, Unary | Binary | Ternary) and not (
        isinstance(node, Binary) and node.op in ("in", "notin")
    ):
        return all(_is_constant(child) for child in children(node))
    return False
