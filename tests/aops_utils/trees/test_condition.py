"""Condition language: precedence (vs 21.09's left-to-right), syntax errors, Kleene logic, deciders."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from aops_utils.trees import ConditionError
from aops_utils.trees import TreeError
from aops_utils.trees import parse_condition
from aops_utils.trees.condition import AND
from aops_utils.trees.condition import NOT
from aops_utils.trees.condition import OR
from aops_utils.trees.condition import Truth
from aops_utils.trees.condition import is_name
from aops_utils.trees.condition import run
from aops_utils.trees.condition import tokenize
from tests.aops_utils.trees.trees import ROOT

T, F, U = True, False, None


def evaluate(text: str, **values: Truth) -> Truth:
    return parse_condition(text).evaluate(values)


def deciders(text: str, **values: Truth) -> tuple[Truth, list[str]]:
    """Value and the names that decided it, with names bound in keyword order."""
    names = list(values)
    value, mask = run(parse_condition(text).bind(names), list(values.values()))
    return value, [name for position, name in enumerate(names) if mask >> position & 1]


# The test-verified cases of 21.09 (spec 6.3), now with precedence `!` > `&&` > `||`.
@pytest.mark.parametrize(
    ("text", "a", "b", "c", "expected"),
    [
        ("a||b||c", T, F, F, T),
        ("a||b&&c", T, F, F, T),  # changed: 21.09 read (a||b)&&c and answered F
        ("a&&b||c", F, F, T, T),
        ("a&&(b||c)", F, F, T, F),
        ("!a||b||c", F, F, F, T),
        ("a||!(b||c)", F, F, F, T),
        ("!(a||!(b||c))", F, F, F, F),
        ("!(a&&!(b||c))", F, F, F, T),
    ],
)
def test_spec_cases_with_precedence(text: str, a: bool, b: bool, c: bool, expected: bool) -> None:
    assert evaluate(text, a=a, b=b, c=c) is expected


def test_and_binds_tighter_than_or_on_both_sides() -> None:
    assert evaluate("a && b || c && d", a=F, b=T, c=T, d=T) is T  # (a&&b) || (c&&d)
    assert evaluate("a || b && c", a=F, b=T, c=F) is F  # a || (b&&c); 21.09: (F||T)&&F = F too
    assert evaluate("(a || b) && c", a=T, b=F, c=F) is F  # the 21.09 reading, written out


def test_not_binds_tighter_than_and() -> None:
    assert evaluate("!a && b", a=F, b=F) is F  # (!a) && b
    assert evaluate("!(a && b)", a=F, b=F) is T


def test_double_negation_cancels() -> None:
    # 21.09: `!!a` was `!a` (the second `!` only set the flag again).
    assert evaluate("!!a", a=T) is T
    assert evaluate("!!!a", a=T) is F
    assert evaluate("!(!a)", a=F) is F
    assert parse_condition("!!a").program == (0,)
    assert parse_condition("!!!a && b").program == (0, NOT, 1, AND)


def test_program_is_postfix_over_distinct_names() -> None:
    condition = parse_condition("x || y && !x")
    assert condition.names == ("x", "y")
    assert condition.positions == (0, 5)
    assert condition.program == (0, 1, 0, NOT, AND, OR)


def test_names_keep_inner_spaces_and_single_ampersands_or_bars() -> None:
    condition = parse_condition("  disk  full || a&b && c|d ")
    assert condition.names == ("disk  full", "a&b", "c|d")
    assert condition.positions == (2, 16, 23)
    # Operators are matched leftmost: `a|||b` is `a`, `||`, `|b`.
    assert parse_condition("a|||b").names == ("a", "|b")


def test_is_name() -> None:
    assert is_name("检查项 1")
    assert is_name("a&b") and is_name("c|d") and is_name(ROOT)
    for bad in ("a && b", "a||b", "!a", "(a)", " a", "a ", "", "   "):
        assert not is_name(bad), bad


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("", "the condition is empty", None),
        ("  \t ", "the condition is empty", None),
        ("a &&", "'&&' has no operand after it", 2),
        ("a ||", "'||' has no operand after it", 2),
        ("!", "'!' has no operand after it", 0),
        ("a && !", "'!' has no operand after it", 5),
        ("&& a", "'&&' has no operand before it", 0),
        (")", "')' has no operand before it", 0),
        ("a && || b", "'||' follows '&&' without an operand", 5),
        ("a &&&& b", "'&&' follows '&&' without an operand", 4),
        ("!&& a", "'&&' follows '!' without an operand", 1),
        ("(|| a)", "'||' follows '(' without an operand", 1),
        ("(a &&)", "')' follows '&&' without an operand", 5),
        ("()", "empty parentheses", 0),
        ("a && ()", "empty parentheses", 5),
        ("(a", "'(' is never closed", 0),
        ("((a) && b", "'(' is never closed", 0),
        ("a && (", "'(' is never closed", 5),
        ("a)", "')' has no matching '('", 1),
        ("(a)) || b", "')' has no matching '('", 3),
        ("(a) b", "missing operator between ')' and name 'b'", 4),
        ("a (b)", "missing operator between name 'a' and '('", 2),
        ("(a)(b)", "missing operator between ')' and '('", 3),
        ("a !b", "missing operator between name 'a' and '!'", 2),
    ],
)
def test_syntax_errors_with_position(text: str, message: str, position: int | None) -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition(text)
    assert caught.value.reason == message
    assert caught.value.position == position
    suffix = f" at position {position}" if position is not None else ""
    assert str(caught.value) == f"tree_content: condition: {message}{suffix}"


def test_unknown_name_is_reported_with_its_position_and_the_children() -> None:
    condition = parse_condition("a || (b && 检查项7)")
    with pytest.raises(ConditionError) as caught:
        condition.bind(["a", "b", "检查项2"])
    assert caught.value.reason == "'检查项7' is not a direct child (children: a, b, 检查项2)"
    assert caught.value.position == 11
    many = [f"c{i}" for i in range(25)]
    with pytest.raises(ConditionError, match=r"children: c0, .*, c9 and 15 more\)"):
        parse_condition("x").bind(many)


def test_a_condition_must_be_a_string() -> None:
    with pytest.raises(ConditionError, match="must be a string, not int"):
        parse_condition(3)  # type: ignore[arg-type]


def test_deep_nesting_parses_without_recursion() -> None:
    depth = 50_000
    text = "(" * depth + "a" + ")" * depth + " && " + "!" * (depth + 1) + "b"
    condition = parse_condition(text)
    assert condition.program == (0, 1, NOT, AND)
    assert condition.evaluate({"a": T, "b": F}) is T


# Kleene truth tables: unknown is None.
KLEENE_AND = {
    (T, T): T, (T, F): F, (T, U): U,
    (F, T): F, (F, F): F, (F, U): F,
    (U, T): U, (U, F): F, (U, U): U,
}  # fmt: skip
KLEENE_OR = {
    (T, T): T, (T, F): T, (T, U): T,
    (F, T): T, (F, F): F, (F, U): U,
    (U, T): T, (U, F): U, (U, U): U,
}  # fmt: skip


@pytest.mark.parametrize(("x", "y"), list(KLEENE_AND))
def test_kleene_truth_tables(x: Truth, y: Truth) -> None:
    assert evaluate("x && y", x=x, y=y) is KLEENE_AND[x, y]
    assert evaluate("x || y", x=x, y=y) is KLEENE_OR[x, y]
    assert evaluate("!x", x=x) is (None if x is None else not x)
    # De Morgan holds in Kleene logic as well.
    assert evaluate("!(x && y)", x=x, y=y) is evaluate("!x || !y", x=x, y=y)


@pytest.mark.parametrize(
    ("text", "values", "expected", "decided_by"),
    [
        ("a || b || c", (T, F, T), T, ["a", "c"]),  # || true: its true children
        ("a || b || c", (F, U, U), U, ["b", "c"]),  # unknown: the unknown children
        ("a || b || c", (F, F, F), F, ["a", "b", "c"]),  # all false: all of them
        ("a && b && c", (T, F, U), F, ["b"]),  # && false: its false children
        ("a && b && c", (T, U, T), U, ["b"]),
        ("a && b && c", (T, T, T), T, ["a", "b", "c"]),
        ("a && !b", (T, T, U), F, ["b"]),  # decided by b, which is true
        ("a || b && c", (F, T, U), U, ["c"]),
        ("(a || b) && c", (T, F, F), F, ["c"]),
        ("!(a || b)", (F, T, F), F, ["b"]),
    ],
)
def test_deciding_children(
    text: str, values: tuple[Truth, ...], expected: Truth, decided_by: list[str]
) -> None:
    assert deciders(text, **dict(zip("abc", values, strict=True))) == (expected, decided_by)


# Property tests.

PIECES = ["a", "b", "c", "x y", " ", "&&", "||", "!", "(", ")", "&", "|", "检查项1", "\t"]


@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join) | st.text(max_size=40))
@settings(max_examples=600, deadline=None)
def test_parser_never_crashes(text: str) -> None:
    try:
        condition = parse_condition(text)
        program = condition.bind(["a", "b", "c", "x y", "检查项1"])
    except ConditionError:
        return
    for values in ([T] * 5, [F] * 5, [U] * 5, [T, F, U, T, F]):
        value, mask = run(program, values)
        assert value in (True, False, None)
        assert 0 < mask < 1 << 5


def test_parser_errors_are_tree_errors() -> None:
    assert issubclass(ConditionError, TreeError)


Expr = Any  # ("name", n) | ("not", e) | ("and", l, r) | ("or", l, r)

NAMES = ["a", "b", "c", "d"]
exprs = st.recursive(
    st.sampled_from(NAMES).map(lambda n: ("name", n)),
    lambda inner: st.one_of(
        inner.map(lambda e: ("not", e)),
        st.tuples(st.sampled_from(["and", "or"]), inner, inner),
    ),
    max_leaves=12,
)
POWER = {"or": 1, "and": 2, "not": 3, "name": 4}


def reference(expr: Expr, values: dict[str, Truth]) -> Truth:
    if expr[0] == "name":
        return values[expr[1]]
    if expr[0] == "not":
        inner = reference(expr[1], values)
        return None if inner is None else not inner
    table = KLEENE_AND if expr[0] == "and" else KLEENE_OR
    return table[reference(expr[1], values), reference(expr[2], values)]


def render(expr: Expr, extra: bool) -> str:
    """Minimal parentheses for the new precedence (or all of them, with `extra`)."""
    if expr[0] == "name":
        return str(expr[1])
    if expr[0] == "not":
        inner = render(expr[1], extra)
        return f"!({inner})" if extra or POWER[expr[1][0]] < 3 else f"!{inner}"
    op = "&&" if expr[0] == "and" else "||"
    left, right = render(expr[1], extra), render(expr[2], extra)
    if extra or POWER[expr[1][0]] < POWER[expr[0]]:
        left = f"({left})"
    if extra or POWER[expr[2][0]] <= POWER[expr[0]]:
        right = f"( {right} )"
    return f"{left} {op} {right}"


@given(exprs, st.lists(st.sampled_from([T, F, U]), min_size=4, max_size=4), st.booleans())
@settings(max_examples=400, deadline=None)
def test_precedence_agrees_with_a_reference_evaluator(expr: Expr, truth: list[Truth], extra: bool) -> None:
    values = dict(zip(NAMES, truth, strict=True))
    text = render(expr, extra)
    assert parse_condition(text).evaluate(values) is reference(expr, values), text


def test_opcodes_are_distinct() -> None:
    assert len({NOT, AND, OR}) == 3 and max(NOT, AND, OR) < 0
    assert [t.kind for t in tokenize("a&&!(b)||c")] == ["name", "&&", "!", "(", "name", ")", "||", "name"]
