"""Lexer of the rule language: every token carries the 0-based character position it starts at.

Numbers never take a sign, so `$0-1e3` lexes as `$0`, `-`, `1e3` (21.09 swallowed the minus).
Number texts follow Python literal rules (`0x1F`, `1_000`, `1.5e-3`) and are read without eval.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from aops_utils.rules.errors import RuleError

MAX_CONDITION_LENGTH = 100_000

# Kinds of tokens.
NUMBER = "number"
STRING = "string"
NAME = "name"
TIME = "time"
COUNT = "count"
BOOL = "bool"
NULL = "null"
OP = "op"
END = "end"

TRUE_WORDS = frozenset({"true", "True", "TRUE"})
FALSE_WORDS = frozenset({"false", "False", "FALSE"})
WORD_OPERATORS = frozenset({"in", "notin"})

# Longest first, so `>>>` wins over `>>` and `>>` over `>`.
OPERATORS = (
    ">>>", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
    "<", ">", "+", "-", "*", "/", "%", "!", "~", "&", "|", "^", "?", ":", "(", ")", ",", ".", "{", "}",
)  # fmt: skip

_OPERATOR_SET = frozenset(OPERATORS)
_WHITESPACE = re.compile(r"[ \t\f\r\n\v]+")
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_PREFIXED_INT = re.compile(r"0[xX][0-9a-fA-F_]*|0[oO][0-7_]*|0[bB][01_]*")
_DECIMAL = re.compile(r"(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9_]+)?")
_WORD_TAIL = re.compile(r"[A-Za-z0-9_$.]*")
_COUNT = re.compile(r"#([0-9]+)")
_TIME_UNITS = {"s": 1, "m": 60, "h": 3600}
_SIMPLE_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r"}
_SIMPLE_ESCAPES |= {"t": "\t", "v": "\v"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
# One search finds the next character that ends a plain run inside a string (linear time).
_STRING_SPECIALS = {"'": re.compile(r"['\\\n]"), '"': re.compile(r'["\\\n]')}


class Token(NamedTuple):
    kind: str
    text: str
    pos: int
    value: float | int | str | bool | None = None


def tokenize(text: str) -> list[Token]:
    """Split a condition into tokens (ending with an END token); any fault is a RuleError."""
    if len(text) > MAX_CONDITION_LENGTH:
        raise RuleError(f"condition is longer than {MAX_CONDITION_LENGTH} characters", None)
    tokens: list[Token] = []
    pos, size = 0, len(text)
    while pos < size:
        space = _WHITESPACE.match(text, pos)
        if space:
            pos = space.end()
            continue
        char = text[pos]
        if "0" <= char <= "9" or (char == "." and pos + 1 < size and "0" <= text[pos + 1] <= "9"):
            token = _number(text, pos)
        elif char in {"$", "_"} or "a" <= char.lower() <= "z":
            token = _word(text, pos)
        elif char == "#":
            token = _count(text, pos)
        elif char in "'\"":
            token = _string(text, pos)
        else:
            token = _operator(text, pos)
        tokens.append(token)
        pos = token.pos + len(token.text)
    tokens.append(Token(END, "", size))
    return tokens


def _number(text: str, pos: int) -> Token:
    match = _PREFIXED_INT.match(text, pos) or _DECIMAL.match(text, pos)
    assert match is not None  # the caller saw a digit, or a dot before a digit
    end = match.end()
    tail = _WORD_TAIL.match(text, end)
    assert tail is not None  # the pattern also matches the empty string
    suffix = tail.group()
    literal = match.group()
    if suffix in _TIME_UNITS:
        return Token(TIME, literal + suffix, pos, _number_value(literal, pos) * _TIME_UNITS[suffix])
    if suffix:
        raise RuleError(f"invalid number '{literal + suffix}'", pos)
    return Token(NUMBER, literal, pos, _number_value(literal, pos))


def _number_value(literal: str, pos: int) -> float:
    """Python literal semantics without eval: int() for integer forms, float() otherwise."""
    try:
        if _PREFIXED_INT.fullmatch(literal) or not any(c in literal for c in ".eE"):
            return float(int(literal, 0))  # base 0 also rejects leading zeros, as Python 3 does
        return float(literal)
    except (ValueError, OverflowError):
        raise RuleError(f"invalid number '{literal}'", pos) from None


def _word(text: str, pos: int) -> Token:
    match = _NAME.match(text, pos)
    assert match is not None  # the caller saw a name's first character
    word = match.group()
    if word in TRUE_WORDS:
        return Token(BOOL, word, pos, True)
    if word in FALSE_WORDS:
        return Token(BOOL, word, pos, False)
    if word == "null":
        return Token(NULL, word, pos, None)
    if word in WORD_OPERATORS:
        return Token(OP, word, pos, word)
    return Token(NAME, word, pos, word)


def _count(text: str, pos: int) -> Token:
    match = _COUNT.match(text, pos)
    if match is None:
        raise RuleError("'#' must be followed by a sample count such as #3", pos)
    tail = _WORD_TAIL.match(text, match.end())
    if tail is not None and tail.group():
        raise RuleError(f"invalid count filter '{match.group() + tail.group()}'", pos)
    count = int(match.group(1))
    if count < 1:
        raise RuleError(f"count filter {match.group()} must be at least #1", pos)
    return Token(COUNT, match.group(), pos, count)


def _string(text: str, pos: int) -> Token:
    quote = text[pos]
    parts: list[str] = []
    index, size = pos + 1, len(text)
    special = _STRING_SPECIALS[quote]
    while True:
        found = special.search(text, index)
        stop = found.start() if found else size
        parts.append(text[index:stop])
        if stop >= size or text[stop] == "\n":
            raise RuleError("unterminated string", pos)
        if text[stop] == quote:
            return Token(STRING, text[pos : stop + 1], pos, "".join(parts))
        decoded, index = _escape(text, stop)
        parts.append(decoded)


def _escape(text: str, pos: int) -> tuple[str, int]:
    """Decode the escape sequence at text[pos] (a backslash); return its text and the next index."""
    if pos + 1 >= len(text):
        raise RuleError("unterminated string", pos)
    code = text[pos + 1]
    if code in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[code], pos + 2
    if code == "\n":
        return "", pos + 2  # a backslash-newline continues the string, as in Python
    if code in "01234567":
        digits = re.match(r"[0-7]{1,3}", text[pos + 1 : pos + 4])
        assert digits is not None  # code itself is an octal digit
        return chr(int(digits.group(), 8)), pos + 1 + len(digits.group())
    if code in _HEX_ESCAPES:
        width = _HEX_ESCAPES[code]
        digits_text = text[pos + 2 : pos + 2 + width]
        if len(digits_text) != width or not all(c in "0123456789abcdefABCDEF" for c in digits_text):
            raise RuleError(f"invalid \\{code} escape (needs {width} hex digits)", pos)
        value = int(digits_text, 16)
        if value > 0x10FFFF:
            raise RuleError(f"invalid \\{code} escape (beyond U+10FFFF)", pos)
        return chr(value), pos + 2 + width
    if code == "N":
        close = text.find("}", pos)
        if pos + 2 >= len(text) or text[pos + 2] != "{" or close == -1:
            raise RuleError("invalid \\N escape (needs \\N{NAME})", pos)
        try:
            return unicodedata.lookup(text[pos + 3 : close]), close + 1
        except KeyError:
            raise RuleError(f"unknown character name in \\N{{{text[pos + 3 : close]}}}", pos) from None
    return "\\" + code, pos + 2  # Python keeps unknown escapes as written


def _operator(text: str, pos: int) -> Token:
    for width in (3, 2, 1):
        candidate = text[pos : pos + width]
        if candidate in _OPERATOR_SET:
            return Token(OP, candidate, pos, candidate)
    char = text[pos]
    if char == "=":
        raise RuleError("unexpected '=' (use '==' to compare)", pos)
    shown = char if char.isprintable() else f"\\u{ord(char):04x}"
    raise RuleError(f"unexpected character '{shown}'", pos)
