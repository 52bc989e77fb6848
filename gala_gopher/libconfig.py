"""A reader for libconfig files (hyperrealm.github.io/libconfig), the syntax of 21.09's gala-gopher.conf.

Settings `name = value;` (or `name : value`, the `;` optional), groups `{ ... }`, lists `( ... )`,
arrays `[ ... ]`, strings (adjacent ones joined, C escapes), integers (decimal or 0x hex, with an
optional L/LL), floats, booleans, and `#`, `//` and `/* */` comments. Groups become dicts,
lists and arrays Python lists.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|\#[^\n]*|//[^\n]*|/\*.*?\*/)
    |(?P<string>"(?:[^"\\]|\\.)*")
    |(?P<float>[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+)
    |(?P<hex>0[xX][0-9a-fA-F]+(?:LL|L)?)
    |(?P<int>[-+]?\d+(?:LL|L)?)
    |(?P<bool>(?i:true|false)\b)
    |(?P<name>[A-Za-z*][-A-Za-z0-9_*]*)
    |(?P<punct>[=:;,{}()\[\]])
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r", "f": "\f"}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|.)", re.DOTALL)


class LibconfigError(ValueError):
    """The text is not libconfig; the message names the line."""


def _unescape(body: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code.startswith("x") and len(code) == 3:
            return chr(int(code[1:], 16))
        if code in _ESCAPES:
            return _ESCAPES[code]
        raise LibconfigError(f"unknown escape \\{code}")

    return _ESCAPE.sub(one, body)


class _Reader:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str, int]] = []
        position, line = 0, 1
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                raise LibconfigError(f"line {line}: unexpected {text[position]!r}")
            kind = match.lastgroup or ""
            if kind != "space":
                self.tokens.append((kind, match.group(), line))
            line += match.group().count("\n")
            position = match.end()
        self.at = 0
        self.last_line = line

    def peek(self) -> tuple[str, str, int]:
        if self.at < len(self.tokens):
            return self.tokens[self.at]
        return ("end", "end of file", self.last_line)

    def take(self, *expected: str) -> tuple[str, str, int]:
        token = self.peek()
        if expected and token[1] not in expected:
            wanted = " or ".join(repr(e) for e in expected)
            raise LibconfigError(f"line {token[2]}: expected {wanted}, found {token[1]!r}")
        self.at += 1
        return token

    def settings(self, closing: str | None) -> dict[str, Any]:
        found: dict[str, Any] = {}
        while True:
            kind, text, line = self.peek()
            if (closing is None and kind == "end") or text == closing:
                return found
            if kind != "name":
                raise LibconfigError(f"line {line}: expected a setting name, found {text!r}")
            self.take()
            self.take("=", ":")
            if text in found:
                raise LibconfigError(f"line {line}: {text} is set twice")
            found[text] = self.value()
            if self.peek()[1] in (";", ","):
                self.take()

    def value(self) -> Any:
        kind, text, line = self.peek()
        if text in ("{", "(", "["):
            self.take()
            if text == "{":
                group = self.settings("}")
                self.take("}")
                return group
            return self.sequence(")" if text == "(" else "]")
        self.take()
        if kind == "string":
            parts = [_unescape(text[1:-1])]
            while self.peek()[0] == "string":
                parts.append(_unescape(self.take()[1][1:-1]))
            return "".join(parts)
        if kind in ("int", "hex"):
            return int(text.rstrip("L"), 0)
        if kind == "float":
            return float(text)
        if kind == "bool":
            return text.lower() == "true"
        raise LibconfigError(f"line {line}: expected a value, found {text!r}")

    def sequence(self, closing: str) -> list[Any]:
        items: list[Any] = []
        while self.peek()[1] != closing:
            items.append(self.value())
            if self.peek()[1] != closing:
                self.take(",")
        self.take(closing)
        return items


def loads(text: str) -> dict[str, Any]:
    """The settings of a libconfig document; LibconfigError naming the line if it is not one."""
    reader = _Reader(text)
    return reader.settings(None)
