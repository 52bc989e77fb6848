"""JSON files: keys by section (a top-level key whose value is an object; other top-level keys
are in section ""), nested keys as JSON-pointer tokens joined by "/", values as compact JSON.

Edits rewrite the span of one value (or insert one member), so the rest keeps its formatting.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from gala_ragdoll.parsers.document import ConfigDocument
from gala_ragdoll.parsers.document import ContentError
from gala_ragdoll.parsers.document import EditError
from gala_ragdoll.parsers.document import FileKind
from gala_ragdoll.parsers.document import Sections

_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")
_BLANK = re.compile(r"[ \t\n\r]*")


@dataclass
class Node:
    start: int
    end: int
    # For an object: its members in order (the last of a repeated key wins, as json.loads).
    members: dict[str, tuple[int, Node]] | None = None  # key -> (where the key's quote starts, value)
    items: list[Node] = field(default_factory=list)


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


def pointer(tokens: list[str]) -> str:
    return "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens)


def tokens_of(key: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in key.split("/")]


def edit_target(section: str, key: str, value: str) -> tuple[list[str], Any]:
    """The path of a key from the top of the document, and the value decoded from its JSON."""
    try:
        new = json.loads(value)
    except json.JSONDecodeError:
        raise EditError(f"{value!r} is not a JSON value") from None
    return ([section] if section else []) + tokens_of(key), new


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, at: int) -> int:
        match = _BLANK.match(self.text, at)
        assert match is not None
        return match.end()

    def value(self, at: int) -> Node:
        at = self.skip(at)
        char = self.text[at : at + 1]
        if char == "{":
            return self.object(at)
        if char == "[":
            return self.array(at)
        if char == '"':
            _, end = scanstring(self.text, at + 1, True)
            return Node(at, end)
        match = _SCALAR.match(self.text, at)
        if match is None:
            raise ContentError(f"offset {at}: not a JSON value")
        return Node(at, match.end())

    def object(self, start: int) -> Node:
        members: dict[str, tuple[int, Node]] = {}
        at = self.skip(start + 1)
        while self.text[at : at + 1] != "}":
            if self.text[at : at + 1] != '"':
                raise ContentError(f"offset {at}: a member name was expected")
            key_start = at
            key, at = scanstring(self.text, at + 1, True)
            at = self.skip(at)
            if self.text[at : at + 1] != ":":
                raise ContentError(f"offset {at}: ':' was expected")
            node = self.value(at + 1)
            members.pop(key, None)
            members[key] = (key_start, node)
            at = self.skip(node.end)
            if self.text[at : at + 1] == ",":
                at = self.skip(at + 1)
        return Node(start, at + 1, members)

    def array(self, start: int) -> Node:
        node = Node(start, start)
        at = self.skip(start + 1)
        while self.text[at : at + 1] != "]":
            item = self.value(at)
            node.items.append(item)
            at = self.skip(item.end)
            if self.text[at : at + 1] == ",":
                at = self.skip(at + 1)
        node.end = at + 1
        return node


class JsonDocument(ConfigDocument):
    kind = FileKind.JSON

    def __init__(self, text: str) -> None:
        super().__init__(text)
        try:
            self.data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ContentError(f"line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        # json.loads checked the grammar, so the scanner only has to find where things are.
        self.root = _Scanner(text).value(0)
        self._sections: Sections | None = None

    def sections(self) -> Sections:
        if self._sections is None:
            self._sections = _sections(self.data)
        return self._sections

    def with_value(self, section: str, key: str, value: str) -> JsonDocument:
        path, new = edit_target(section, key, value)
        node, depth = self.root, 0
        while depth < len(path) and node.members is not None and path[depth] in node.members:
            node = node.members[path[depth]][1]
            depth += 1
        if depth == len(path):
            text = self.text[: node.start] + json.dumps(new, ensure_ascii=False) + self.text[node.end :]
        elif node.members is None:
            raise EditError(f"{pointer(path[:depth])!r} is not an object")
        else:
            nested: Any = new
            for token in reversed(path[depth + 1 :]):
                nested = {token: nested}
            text = self._insert(node, path[depth], nested)
        edited = JsonDocument(text)
        if canonical(_lookup(edited.data, path)) != canonical(new):
            raise EditError(f"{key!r} cannot be set in this JSON file")
        return edited

    def _insert(self, node: Node, name: str, value: Any) -> str:
        assert node.members is not None
        member = f"{json.dumps(name, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}"
        if not node.members:
            return self.text[: node.start] + "{" + member + "}" + self.text[node.end :]
        last_key_start, last = list(node.members.values())[-1]
        # The blank before the last member's name, so the new member lines up with it.
        before = self.text[:last_key_start]
        gap = before[len(before.rstrip(" \t\r\n")) :] or " "
        return self.text[: last.end] + "," + gap + member + self.text[last.end :]


def _lookup(data: Any, path: list[str]) -> Any:
    for token in path:
        if not isinstance(data, dict) or token not in data:
            return None
        data = data[token]
    return data


def _flatten(data: Any, prefix: list[str], out: dict[str, str]) -> None:
    if isinstance(data, dict) and data:
        for name, value in data.items():
            _flatten(value, [*prefix, str(name)], out)
    else:
        out[pointer(prefix)] = canonical(data)


def _sections(data: Any) -> Sections:
    """Top-level objects are sections; everything else is a key of section ""."""
    found: Sections = {}
    if not isinstance(data, dict):
        found[""] = {"": canonical(data)}
        return found
    for name, value in data.items():
        if isinstance(value, dict) and value:
            # Under "" itself, as "/key": section "" is already the top level's.
            _flatten(value, [], found.setdefault(name, {})) if name else _flatten(
                value, [""], found.setdefault("", {})
            )
        else:
            found.setdefault("", {})[pointer([str(name)])] = canonical(value)
    return found
