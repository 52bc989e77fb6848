"""JSON of any depth: orjson/json's C codecs, or iteratively when a document nests too deep.

A report nests two containers per tree level (a node dict and its children list), so json (and
orjson, whose limit is 255) refuse trees nested a few hundred levels deep with RecursionError.
Shallow documents take the C path unchanged; deeper ones fall back to the loops below, which
produce and accept the same text as json.dumps(ensure_ascii=False) and json.loads.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from aops_utils import collector

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


class _Raw(str):
    """Text to emit as is (separators, keys), as opposed to a value to encode."""

    __slots__ = ()


class _End:
    """Marks where a container's text ends on the writing stack."""

    __slots__ = ("ident",)

    def __init__(self, ident: int) -> None:
        self.ident = ident


def dumps(value: Any) -> str:
    """json.dumps(value, ensure_ascii=False), for any nesting depth."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except RecursionError:
        return _dumps_deep(value)


def loads(text: str | bytes) -> Any:
    """json.loads(text), for any nesting depth; json.JSONDecodeError on malformed text."""
    try:
        return json.loads(text)
    except RecursionError:
        return _loads_deep(text.decode() if isinstance(text, bytes) else text)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return json.dumps(key, ensure_ascii=False)
    if key is None or isinstance(key, bool | int | float):
        return json.dumps(json.dumps(key))  # json's rule: true, null, 1, 1.5 as strings
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _dumps_deep(value: Any) -> str:
    parts: list[str] = []
    stack: list[Any] = [value]
    active: set[int] = set()  # containers being written, to refuse cycles as json does
    while stack:
        item = stack.pop()
        if isinstance(item, _Raw):
            parts.append(item)
        elif isinstance(item, _End):
            active.discard(item.ident)
        elif isinstance(item, dict | list | tuple) and item:
            if id(item) in active:
                raise ValueError("Circular reference detected")
            active.add(id(item))
            stack.append(_End(id(item)))
            is_dict = isinstance(item, dict)
            stack.append(_Raw("}" if is_dict else "]"))
            entries: list[tuple[Any, Any]] = list(item.items() if isinstance(item, dict) else enumerate(item))
            for position in range(len(entries) - 1, -1, -1):
                key, member = entries[position]
                stack.append(member)
                separator = ", " if position else ""
                stack.append(_Raw(f"{separator}{_key(key)}: " if is_dict else separator))
            parts.append("{" if is_dict else "[")
        else:
            parts.append(json.dumps(item, ensure_ascii=False))  # a scalar, or an empty container
    return "".join(parts)


def _loads_deep(text: str) -> Any:
    containers: list[dict[str, Any] | list[Any]] = []
    keys: list[str] = []  # the pending key of each dict on `containers` ("" for lists)
    index = _skip(text, 0)
    while True:
        char = text[index : index + 1]
        value: Any
        if char in ("{", "["):
            index = _skip(text, index + 1)
            if not text.startswith("}" if char == "{" else "]", index):
                containers.append({} if char == "{" else [])
                keys.append("")
                if char == "{":
                    keys[-1], index = _read_key(text, index)
                continue
            value, index = ({} if char == "{" else []), index + 1
        else:
            value, index = _DECODER.raw_decode(text, index)  # a scalar: no recursion
        done, index, value = _place(text, index, value, containers, keys)
        if done:
            return value


def _place(
    text: str, index: int, value: Any, containers: list[dict[str, Any] | list[Any]], keys: list[str]
) -> tuple[bool, int, Any]:
    """Store a finished value, closing the containers it ends; (True, end, document) at the end."""
    while True:
        index = _skip(text, index)
        if not containers:
            if index != len(text):
                raise json.JSONDecodeError("Extra data", text, index)
            return True, index, value
        top = containers[-1]
        if isinstance(top, list):
            top.append(value)
        else:
            top[keys[-1]] = value
        if text.startswith(",", index):
            index = _skip(text, index + 1)
            if isinstance(top, dict):
                keys[-1], index = _read_key(text, index)
            return False, index, None
        if not text.startswith("]" if isinstance(top, list) else "}", index):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, index)
        value = containers.pop()
        keys.pop()
        index += 1


def _skip(text: str, index: int) -> int:
    """The index after any whitespace at `index`."""
    match = _SPACE.match(text, index)
    assert match is not None  # the pattern also matches the empty string
    return match.end()


def _read_key(text: str, index: int) -> tuple[str, int]:
    """A dict key and its colon; returns the index of the value."""
    if not text.startswith('"', index):
        raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, index)
    key, index = _DECODER.raw_decode(text, index)  # a string, as it starts with a quote
    index = _skip(text, index)
    if not text.startswith(":", index):
        raise json.JSONDecodeError("Expecting ':' delimiter", text, index)
    return key, _skip(text, index + 1)


def encode(value: Any) -> bytes:
    """orjson's bytes, or the iterative text for documents nested deeper than orjson allows."""
    try:
        return orjson.dumps(value)
    except TypeError as exc:
        if "Recursion" not in str(exc):
            raise
        return dumps(value).encode("utf-8")


def decode(data: bytes | str) -> Any:
    """orjson's parse, or the iterative one past orjson's depth limit (1,024 levels)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth" not in str(exc):
            raise
        return loads(data)


def decoded_keys(*names: str) -> tuple[str, ...]:
    """`names` as the very objects decode() makes of them as an object's keys (orjson keeps one
    object per key it has seen, in a cache): a dict lookup with them matches by identity instead
    of comparing the text."""
    return tuple(orjson.loads(orjson.dumps(dict.fromkeys(names))))


def decode_bulk(data: bytes | str) -> Any:
    """decode() of a document of many small containers (Prometheus's `[ts, "value"]` pairs, a
    pair-form `/data/data/get` reply) with the cyclic garbage collector paused meanwhile.

    Every 700 new containers start a collection, which walks the containers built so far: for
    240,000 pairs that took decoding from 36 ms to 157 ms. A decoded document holds no cycles,
    so nothing is left for the collector; it is paused for every thread of the process for the
    decode's duration only.
    """
    with collector.paused():
        return decode(data)
