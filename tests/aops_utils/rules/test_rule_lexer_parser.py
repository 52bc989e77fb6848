"""Lexer and parser of the rule language: tokens, positions, literals, precedence, syntax errors."""

from __future__ import annotations

import time

import pytest

from aops_utils.rules import RuleError
from aops_utils.rules.lexer import MAX_CONDITION_LENGTH
from aops_utils.rules.lexer import tokenize
from aops_utils.rules.nodes import Binary
from aops_utils.rules.nodes import Call
from aops_utils.rules.nodes import CountFilter
from aops_utils.rules.nodes import DictLiteral
from aops_utils.rules.nodes import Literal
from aops_utils.rules.nodes import Name
from aops_utils.rules.nodes import Node
from aops_utils.rules.nodes import Ternary
from aops_utils.rules.nodes import TimeFilter
from aops_utils.rules.nodes import Unary
from aops_utils.rules.parser import MAX_DEPTH
from aops_utils.rules.parser import parse


def sexpr(node: Node) -> str:
    """A compact, fully parenthesised rendering of a tree."""
    if isinstance(node, Literal):
        value = node.value
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        return repr(value) if isinstance(value, str) else f"{value:g}"
    if isinstance(node, Name):
        return node.name
    if isinstance(node, TimeFilter | CountFilter):
        return node.text
    if isinstance(node, Unary):
        return f"({node.op} {sexpr(node.operand)})"
    if isinstance(node, Binary):
        return f"({node.op} {sexpr(node.left)} {sexpr(node.right)})"
    if isinstance(node, Ternary):
        return f"(? {sexpr(node.condition)} {sexpr(node.then)} {sexpr(node.otherwise)})"
    if isinstance(node, DictLiteral):
        return "{" + ", ".join(f"{sexpr(k)}: {sexpr(v)}" for k, v in node.items) + "}"
    assert isinstance(node, Call)
    target = f"{node.target.name}." if node.target else ""
    return f"{target}{node.function}(" + ", ".join(sexpr(a) for a in node.args) + ")"


def error_of(condition: str) -> RuleError:
    with pytest.raises(RuleError) as caught:
        parse(condition)
    return caught.value


# Tokens and literals.


def test_every_token_carries_its_position() -> None:
    tokens = tokenize("$0.max(5m) >= 1_000 && 'x'")
    assert [(t.kind, t.text, t.pos) for t in tokens] == [
        ("name", "$0", 0),
        ("op", ".", 2),
        ("name", "max", 3),
        ("op", "(", 6),
        ("time", "5m", 7),
        ("op", ")", 9),
        ("op", ">=", 11),
        ("number", "1_000", 14),
        ("op", "&&", 20),
        ("string", "'x'", 23),
        ("end", "", 26),
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0.0),
        ("42", 42.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("1.", 1.0),
        ("0x1F", 31.0),
        ("0XfF", 255.0),
        ("0o17", 15.0),
        ("0b101", 5.0),
        ("1_000", 1000.0),
        ("1_000.5", 1000.5),
        ("10e3", 10000.0),
        ("1.0e-3", 0.001),
        ("1E+9", 1e9),
        ("9.99E+9", 9.99e9),
        (".1e12", 1e11),
        ("1e-06", 1e-6),
        ("3564846944", 3564846944.0),
    ],
)
def test_numbers_follow_python_literal_rules(text: str, value: float) -> None:
    assert sexpr(parse(text)) == f"{value:g}"
    token = tokenize(text)[0]
    assert token.kind == "number" and token.value == value


@pytest.mark.parametrize("text", ["012", "1__0", "1_", "0x", "0b2", "1e", "12abc", "1.5.3", "0x1g"])
def test_malformed_numbers_are_rejected_at_their_position(text: str) -> None:
    error = error_of(f"$0 > {text}")
    assert error.position == 5
    assert "invalid number" in error.message


def test_a_minus_is_never_part_of_a_number() -> None:
    assert sexpr(parse("$0-1e3")) == "(- $0 1000)"
    assert sexpr(parse("$0 -9.99E+9")) == "(- $0 9.99e+09)"
    assert sexpr(parse("-1e3")) == "(- 1000)"
    assert sexpr(parse("1-3 >= 1e-06")) == "(>= (- 1 3) 1e-06)"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (r"'plain'", "plain"),
        (r'"double"', "double"),
        (r"'it\'s'", "it's"),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'a\nb\tc\\d'", "a\nb\tc\\d"),
        (r"'\x41\u00e9\U0001F600'", "Aé😀"),
        (r"'\101\0'", "A\0"),
        (r"'\N{BULLET}'", "•"),
        (r"'keep \q'", "keep \\q"),
        ("'blocked for more than 60 seconds.'", "blocked for more than 60 seconds."),
        ("''", ""),
    ],
)
def test_strings_process_escapes(text: str, value: str) -> None:
    token = tokenize(text)[0]
    assert token.kind == "string" and token.value == value


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("30s", "time", 30.0),
        ("5m", "time", 300.0),
        ("1h", "time", 3600.0),
        ("1.5m", "time", 90.0),
        ("#1", "count", 1),
        ("#5", "count", 5),
        ("#12", "count", 12),
    ],
)
def test_time_and_count_filters(text: str, kind: str, value: float) -> None:
    token = tokenize(text)[0]
    assert (token.kind, token.value) == (kind, value)


def test_keywords_and_literals() -> None:
    for word in ("true", "True", "TRUE"):
        assert sexpr(parse(word)) == "true"
    for word in ("false", "False", "FALSE"):
        assert sexpr(parse(word)) == "false"
    assert sexpr(parse("null")) == "null"
    assert sexpr(parse("tRue")) == "tRue"  # not a keyword: a name (which analysis rejects)


# Precedence and associativity.


@pytest.mark.parametrize(
    ("condition", "tree"),
    [
        ("a || b && c", "(|| a (&& b c))"),
        ("a && b | c", "(&& a (| b c))"),
        ("a | b ^ c", "(| a (^ b c))"),
        ("a ^ b & c", "(^ a (& b c))"),
        ("a & b == c", "(& a (== b c))"),
        ("a != b < c", "(!= a (< b c))"),
        ("a <= b << c", "(<= a (<< b c))"),
        ("a >> b + c", "(>> a (+ b c))"),
        ("a - b * c", "(- a (* b c))"),
        ("a % -b", "(% a (- b))"),
        ("-a * b", "(* (- a) b)"),
        ("!a == b", "(== (! a) b)"),
        ("~a + +b", "(+ (~ a) (+ b))"),
        ("a > b >= c", "(>= (> a b) c)"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b % c * d", "(* (% (/ a b) c) d)"),
        ("a << b >> c", "(>> (<< a b) c)"),
        ("a || b || c", "(|| (|| a b) c)"),
        ("a == b != c", "(!= (== a b) c)"),
        ("(a || b) && c", "(&& (|| a b) c)"),
        ("- - a", "(- (- a))"),
        ("!!a", "(! (! a))"),
        ("a || b ? c : d", "(? (|| a b) c d)"),
        ("a ? b : c ? d : e", "(? a b (? c d e))"),
        ("True ? False ? 1 : 2 : 3", "(? true (? false 1 2) 3)"),
        ("a ? b || c : d && e", "(? a (|| b c) (&& d e))"),
        ("{a: 1} in {a: 1, b: -2}", "(in {a: 1} {a: 1, b: -2})"),
        ("{} notin {x: 'y'} == c", "(== (notin {} {x: 'y'}) c)"),
        ("$0.count(5m, 90, '>') > 3", "(> $0.count(5m, 90, '>') 3)"),
        ("max(#2) < 10", "(< max(#2) 10)"),
        ("f()", "f()"),
        ("$1.abschange(#1) + diff(#3)", "(+ $1.abschange(#1) diff(#3))"),
    ],
)
def test_precedence_and_associativity(condition: str, tree: str) -> None:
    assert sexpr(parse(condition)) == tree


def test_binary_nodes_record_the_operator_position() -> None:
    node = parse("$0  >  90")
    assert isinstance(node, Binary) and node.pos == 4


# Syntax errors with positions.


@pytest.mark.parametrize(
    ("condition", "position", "message"),
    [
        ("$0 > 90)", 7, "unexpected ')'"),
        ("$0 >", 4, "unexpected end of condition"),
        ("($0 > 1", 7, "expected ')'"),
        ("$0 >>> 2", 3, "operator >>> is not supported"),
        (">>> 2", 0, "operator >>> is not supported"),
        ("$0 = 1", 3, "use '=='"),
        ("$0 @ 1", 3, "unexpected character '@'"),
        ("$0 ; 1", 3, "unexpected character ';'"),
        ("[1]", 0, "unexpected character '['"),
        ("5m > 1", 0, "only allowed as a function argument"),
        ("$0 > #3", 5, "only allowed as a function argument"),
        ("# 3", 0, "'#' must be followed"),
        ("#0", 0, "must be at least #1"),
        ("max(5m + 1)", 7, "expected ',' or ')'"),
        ("$0.max", 6, "expected '('"),
        ("$0.5", 2, "unexpected '.5'"),
        ("$0.(1)", 3, "expected a function name"),
        ("a ? b", 5, "expected ':'"),
        ("{a 1}", 3, "expected ':'"),
        ("{a: $0 + 1}", 7, "expected '}'"),
        ("{a: (1)}", 4, "must be a name or a literal"),
        ("max(1,)", 6, "unexpected ')'"),
        ("", 0, "unexpected end of condition"),
        ("10ms", 0, "invalid number '10ms'"),
        # Strings the lexer cannot read.
        ("'open", 0, "unterminated string"),
        ("$0 == 'a\nb'", 6, "unterminated string"),
        ("'abc\\", 4, "unterminated string"),
        ("'\\x4'", 1, "invalid \\x escape"),
        ("'\\N{NO SUCH NAME}'", 1, "unknown character name"),
    ],
)
def test_syntax_errors_name_the_position(condition: str, position: int, message: str) -> None:
    error = error_of(condition)
    assert error.position == position, error
    assert message in error.message, error
    assert str(error).startswith("condition: ")


def test_error_text_format() -> None:
    assert str(error_of("$0 > 90)")) == "condition: unexpected ')' at position 7"


# Size and depth bounds.


def test_deep_nesting_is_rejected_cleanly() -> None:
    for condition in ("(" * 5000 + "1" + ")" * 5000, "-" * 5000 + "1", "max(" * 2000 + "1" + ")" * 2000):
        error = error_of(condition)
        assert "nests deeper than" in error.message


def test_long_flat_chains_are_bounded_by_depth() -> None:
    error = error_of(" + ".join(["$0"] * 1000))
    assert "nests deeper than" in error.message
    assert sexpr(parse(" + ".join(["1"] * (MAX_DEPTH - 1)))).count("+") == MAX_DEPTH - 2


def test_nesting_just_under_the_limit_parses() -> None:
    depth = MAX_DEPTH - 1
    assert sexpr(parse("(" * depth + "$0" + ")" * depth)) == "$0"


def test_a_condition_of_100_kb_is_handled_in_bounded_time() -> None:
    string_rule = "$0 == '" + "x" * (MAX_CONDITION_LENGTH - 20) + "'"
    escapes_rule = "$0 == '" + "\\n" * ((MAX_CONDITION_LENGTH - 20) // 2) + "'"
    # CPU time: a bound on the work, which a loaded machine's scheduling does not stretch.
    started = time.process_time()
    assert isinstance(parse(string_rule), Binary)
    assert isinstance(parse(escapes_rule), Binary)
    with pytest.raises(RuleError, match="nests deeper"):
        parse(" || ".join(["$0 > 1"] * 10_000)[:MAX_CONDITION_LENGTH])
    too_long = error_of("1" * (MAX_CONDITION_LENGTH + 1))
    assert "longer than" in too_long.message and too_long.position is None
    assert time.process_time() - started < 5
