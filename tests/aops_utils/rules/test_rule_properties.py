"""Property tests: the compiler never crashes, and the vectorized evaluator agrees, sample by
sample and reason by reason, with a plain per-sample reference evaluator of the same semantics."""

from __future__ import annotations

import string
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from aops_utils import jsonio
from aops_utils.contracts.checks import TaskHost
from aops_utils.rules import CompiledRule
from aops_utils.rules import RuleError
from aops_utils.rules import Series
from aops_utils.rules import merge_log_messages
from aops_utils.rules.nodes import Binary
from aops_utils.rules.nodes import Call
from aops_utils.rules.nodes import DictLiteral
from aops_utils.rules.nodes import Literal
from aops_utils.rules.nodes import Name
from aops_utils.rules.nodes import Node
from aops_utils.rules.nodes import Ternary
from aops_utils.rules.nodes import Unary
from aops_utils.rules.plan import FunctionPlan
from aops_utils.rules.reply import judge
from aops_utils.rules.scalar import NOT_EVALUABLE
from aops_utils.rules.scalar import EvalFailure
from aops_utils.rules.scalar import scalar_binary
from aops_utils.rules.scalar import scalar_truth
from aops_utils.rules.scalar import scalar_unary
from tests.aops_utils.rules.packing import packed_reply

KPI = {"name": "m", "type": "kpi", "label": {}}
LOG = {"name": "l", "type": "log", "label": {}}
DATA_LIST = [KPI, KPI, LOG]
NOT_A_NUMBER = "value is not a number"

# Compile never raises anything but RuleError, and what compiles evaluates without raising.

TOKENS = [
    *("$0", "$1", "$2", "$3", "$", "prom_up", "max", "min", "sum", "avg", "count", "keyword", "diff"),
    *("change", "abschange", "median", ".", ",", "(", ")", "{", "}", "?", ":", "+", "-", "*", "/", "%"),
    *("!", "~", "&", "|", "^", "<<", ">>", ">>>", "<", ">", "<=", ">=", "==", "!=", "&&", "||", "in"),
    *("notin", "=", "[", "]", ";", "@", "#", "#0", "#1", "#3", "5m", "30s", "1h", "10ms", "0", "1"),
    *("2.5", "1e3", "1e", "0x1F", "1_000", ".5", "012", "'a'", '"b"', "'x\\'", "'error'", "true"),
    *("False", "null"),
]
SAMPLE_VECTOR = {
    "$0": Series([1.0, 2.0, 2.0, 40.0], ["1", "NaN", "0", "7"]),
    "$1": Series([1.5, 30.0], ["2", "+Inf"]),
    "$2": Series([0.0, 2.0], ["error x", "ok"]),
}


def compiles_or_rejects(condition: str) -> None:
    try:
        rule = CompiledRule.compile(condition, DATA_LIST)
    except RuleError as error:
        assert error.position is None or 0 <= error.position <= len(condition)
        return
    evaluation = rule.evaluate(SAMPLE_VECTOR, 0)
    list(evaluation.findings())
    rule.history_seconds(15)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=string.printable + "$#éΩ\u00a0٣²", max_size=60))
def test_random_text_never_crashes_the_compiler(condition: str) -> None:
    compiles_or_rejects(condition)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=25), st.sampled_from([" ", ""]))
def test_token_soups_never_crash_the_compiler(tokens: list[str], separator: str) -> None:
    compiles_or_rejects(separator.join(tokens))


# Vectorized evaluation against the per-sample reference.

LEAVES = [
    "$0", "$1", "$2", "0", "1", "2.5", "-3", "90", "1e3", "0x10", "'a'", "'error x'", "''",
    "true", "false", "null",
    "max(#2)", "min(30s)", "sum(#3)", "avg(1m)", "count(#3, 1, '>')", "count(45s, 'a', '<')",
    "count(#2, null, '==')", "diff(#1)", "change(#2)", "abschange(#1)", "$1.max(#2)", "$1.sum(20s)",
    "$1.diff(#2)", "$2.keyword('err')", "$2.diff(#1)", "$2.count(30s, 'error x', '==')",
    "{$0: 1} in {$0: 1, 2: 3}", "{'k': $1} notin {'k': $0}", "{} in {}",
]  # fmt: skip
BINARY = ["+", "-", "*", "/", "%", "<", ">", "<=", ">=", "==", "!=", "&&", "||", "&", "|", "^", "<<", ">>"]


def expressions() -> st.SearchStrategy[str]:
    return st.recursive(
        st.sampled_from(LEAVES),
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(["-", "+", "!", "~"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        ),
        max_leaves=8,
    )


NUMBERS = ["0", "1", "-2", "3", "7.5", "90", "1e10", "NaN", "+Inf", "-Inf", "bad", "-0.5"]
TEXTS = ["error x", "ok", "", "err", "a"]


@st.composite
def hosts(draw: st.DrawFn) -> dict[str, Series]:
    def series(pool: list[str], allow_empty: bool) -> Series:
        size = draw(st.integers(0 if allow_empty else 1, 8))
        gaps = draw(st.lists(st.sampled_from([0.0, 5.0, 7.5, 15.0, 40.0]), min_size=size, max_size=size))
        stamps = 1e9 + np.cumsum(gaps)
        return Series(stamps, draw(st.lists(st.sampled_from(pool), min_size=size, max_size=size)))

    return {"$0": series(NUMBERS, True), "$1": series(NUMBERS, False), "$2": series(TEXTS, False)}


class Reference:
    """Evaluates one sample at a time, raising at the first failure like a tree-walking interpreter."""

    def __init__(self, rule: CompiledRule, vector: dict[str, Series]) -> None:
        self.plan = rule.plan
        self.keys = {m: [round(t * 1000) for t in s.timestamps.tolist()] for m, s in vector.items()}
        self.values: dict[str, list[Any]] = {}
        self.bad: dict[str, list[bool]] = {}
        for macro, series in vector.items():
            kpi = DATA_LIST[int(macro[1:])] is KPI
            self.values[macro] = [self.number(v) if kpi else v for v in series.values]
            self.bad[macro] = [kpi and self.number(v) is None for v in series.values]

    @staticmethod
    def number(text: str) -> float | None:
        try:
            return float(text)
        except ValueError:
            return None

    def position(self, macro: str, key: int) -> int:
        keys = self.keys[macro]
        return min(range(len(keys)), key=lambda j: (abs(keys[j] - key), -j))

    def status(self, index: int) -> str:
        self.key = self.keys["$0"][index]
        self.index = index
        try:
            return "A" if scalar_truth(self.value(self.plan.root)) else "."
        except EvalFailure as failure:
            return "-" if str(failure) == NOT_EVALUABLE else f"E:{failure}"

    def at(self, macro: str) -> int:
        return self.index if macro == "$0" else self.position(macro, self.key)

    def leaf(self, macro: str, j: int) -> Any:
        if self.bad[macro][j]:
            raise EvalFailure(NOT_A_NUMBER)
        value = self.values[macro][j]
        return value + 0.0 if isinstance(value, float) else value  # a fresh object, like tolist()

    def value(self, node: Node) -> Any:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Name):
            return self.leaf(node.name, self.at(node.name))
        if isinstance(node, Unary):
            return scalar_unary(node.op, self.value(node.operand))
        if isinstance(node, Ternary):
            chosen = node.then if scalar_truth(self.value(node.condition)) else node.otherwise
            return self.value(chosen)
        if isinstance(node, Call):
            return self.call(self.plan.functions[node])
        assert isinstance(node, Binary)
        if node.op in ("&&", "||"):
            left = scalar_truth(self.value(node.left))
            if left == (node.op == "&&"):
                return scalar_truth(self.value(node.right))
            return left
        if node.op in ("in", "notin"):
            assert isinstance(node.left, DictLiteral) and isinstance(node.right, DictLiteral)
            inner, outer = self.dict_of(node.left), self.dict_of(node.right)
            missing = object()
            inside = all(outer.get(k, missing) == v for k, v in inner.items())
            return inside != (node.op == "notin")
        return scalar_binary(node.op, self.value(node.left), self.value(node.right))

    def dict_of(self, node: DictLiteral) -> dict[Any, Any]:
        pairs = [(self.value(key), self.value(value)) for key, value in node.items]
        return dict(pairs)

    def call(self, plan: FunctionPlan) -> Any:
        macro = f"${plan.target}"
        j = self.at(macro)
        values, bad, keys = self.values[macro], self.bad[macro], self.keys[macro]
        if plan.name == "keyword":
            return plan.keyword in values[j]
        if plan.name in ("diff", "change", "abschange"):
            assert plan.count is not None
            if j - plan.count < 0:
                raise EvalFailure(NOT_EVALUABLE)
            if bad[j] or bad[j - plan.count]:
                raise EvalFailure(NOT_A_NUMBER)
            if plan.name == "diff":
                return scalar_binary("!=", values[j], values[j - plan.count])
            change = scalar_binary("-", values[j], values[j - plan.count])
            return abs(change) if plan.name == "abschange" else change
        if plan.count is not None:
            if j - plan.count + 1 < 0:
                raise EvalFailure(NOT_EVALUABLE)
            window = list(range(j - plan.count + 1, j + 1))
        else:
            assert plan.window_ms is not None
            window = [k for k in range(j + 1) if keys[k] >= keys[j] - plan.window_ms]
        if any(bad[k] for k in window):
            raise EvalFailure(NOT_A_NUMBER)
        samples = [values[k] for k in window]
        if plan.name == "count":
            return float(sum(bool(scalar_binary(plan.op, v, plan.pattern)) for v in samples))
        if any(v != v for v in samples):  # NaN makes the aggregate NaN
            return float("nan")
        total = sum(samples)
        results = {"max": max(samples), "min": min(samples), "sum": total, "avg": total / len(samples)}
        return results[plan.name]


def compiled_or_none(condition: str, data_list: list[dict[str, Any]]) -> CompiledRule | None:
    try:
        return CompiledRule.compile(condition, data_list)
    except RuleError:
        return None  # e.g. a constant window argument that analysis refuses


def vectorized_statuses(rule: CompiledRule, batch_hosts: list[dict[str, Series]]) -> list[list[str]]:
    batch = rule.evaluate_batch(batch_hosts, 0)
    statuses = []
    for host in range(len(batch_hosts)):
        evaluation = batch[host]
        row = []
        for i in range(len(evaluation)):
            if evaluation.abnormal[i]:
                row.append("A")
            elif evaluation.errors[i]:
                row.append(f"E:{evaluation.reasons[i]}")
            else:
                row.append("-" if evaluation.not_evaluable[i] else ".")
        statuses.append(row)
    return statuses


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.lists(hosts(), min_size=1, max_size=3))
def test_vectorized_evaluation_matches_the_reference(
    condition: str, batch_hosts: list[dict[str, Series]]
) -> None:
    rule = compiled_or_none(condition, DATA_LIST)
    if rule is None:
        return
    expected = []
    for vector in batch_hosts:
        if len(vector["$0"]) == 0:
            expected.append([])
            continue
        reference = Reference(rule, vector)
        expected.append([reference.status(i) for i in range(len(vector["$0"]))])
    assert vectorized_statuses(rule, batch_hosts) == expected, condition


# The executor's path: a columnar reply (as JSON) judged into result documents.

REPLY_DATA_LIST = [
    {"name": "m0", "type": "kpi", "label": {}},
    {"name": "m1", "type": "kpi", "label": {}},
    {"name": "l", "type": "log", "label": {}},
]


def wire_value(text: str) -> Any:
    """A value as the data center's columnar form carries it; a value that is not a number (no
    Prometheus sample is one) is left as text, which the reader must still judge as bad."""
    number = Reference.number(text)
    if number is None:
        return text
    if number != number:
        return None
    return text if number in (float("inf"), float("-inf")) else number


def columnar_reply(batch_hosts: list[dict[str, Series]]) -> tuple[bytes, list[TaskHost]]:
    entries = []
    hosts = []
    for index, vector in enumerate(batch_hosts):
        ip = f"10.0.0.{index + 1}"
        hosts.append(TaskHost(host_id=f"h{index}", public_ip=ip))
        for macro, series in vector.items():
            item = REPLY_DATA_LIST[int(macro[1:])]
            kpi = item["type"] == "kpi"
            values = [wire_value(v) for v in series.values] if kpi else list(series.values)
            stamps = series.timestamps.tolist()
            entries.append({"host_id": ip, "name": item["name"], "timestamps": stamps, "values": values})
    return jsonio.encode({"succeed_list": entries, "fail_list": []}), hosts


def reference_documents(
    rule: Any, task_hosts: list[TaskHost], batch_hosts: list[dict[str, Series]]
) -> list[tuple[str, float, str, str]]:
    expected = []
    for task_host, vector in zip(task_hosts, batch_hosts, strict=True):
        if len(vector["$0"]) == 0:
            expected.append((task_host.host_id, 0, "No data", "no data in the time range"))
            continue
        # The reply path joins log lines that share a timestamp, as 21.09 did.
        log = vector["$2"]
        merged = {**vector, "$2": merge_log_messages(zip(log.timestamps.tolist(), log.values, strict=True))}
        reference = Reference(rule, merged)
        for i, stamp in enumerate(vector["$0"].timestamps.tolist()):
            status = reference.status(i)
            if status == "A":
                expected.append((task_host.host_id, stamp, "Abnormal", ""))
            elif status.startswith("E:"):
                expected.append((task_host.host_id, stamp, "Internal error", status[2:]))
    return expected


def as_packed(vector: dict[str, Series]) -> dict[str, Series]:
    """The series as a packed reply holds them: a KPI value that is not a number (no Prometheus
    sample is one) is packed as NaN."""
    found = {}
    for macro, series in vector.items():
        values = list(series.values)
        if REPLY_DATA_LIST[int(macro[1:])]["type"] == "kpi":
            values = [v if Reference.number(v) is not None else "NaN" for v in values]
        found[macro] = Series(series.timestamps, values)
    return found


@pytest.mark.parametrize("packed", [False, True], ids=["columnar", "packed"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions(), st.lists(hosts(), min_size=1, max_size=3))
def test_a_reply_in_either_form_is_judged_as_the_reference_evaluates(
    packed: bool, condition: str, batch_hosts: list[dict[str, Series]]
) -> None:
    rule = compiled_or_none(condition, REPLY_DATA_LIST)
    if rule is None:
        return
    if packed:
        batch_hosts = [as_packed(vector) for vector in batch_hosts]
    body, task_hosts = columnar_reply(batch_hosts)
    reply = jsonio.decode_bulk(body)
    if packed:
        packed_form = packed_reply(reply, log_names={"l"})
        assert packed_form is not None
        reply = jsonio.decode_bulk(jsonio.encode(packed_form))  # as it travels
    base = {"check_item": "property"}
    documents = judge(reply, REPLY_DATA_LIST, base, rule, task_hosts, start=0, end=2_000_000_000)
    got = [(d["host_id"], d["start"], d["value"], d["reason"]) for d in documents]
    assert got == reference_documents(rule, task_hosts, batch_hosts), condition
