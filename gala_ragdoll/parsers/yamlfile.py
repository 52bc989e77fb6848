"""YAML files, keyed like JSON files (top-level mappings are sections, nested keys joined by
"/", values as compact JSON). Positions come from the composed node tree, so an edit rewrites
one scalar or adds one line to a block mapping and leaves the rest, comments included, alone."""

from __future__ import annotations

import json
from typing import Any

import yaml

from gala_ragdoll.parsers.document import ConfigDocument
from gala_ragdoll.parsers.document import ContentError
from gala_ragdoll.parsers.document import EditError
from gala_ragdoll.parsers.document import FileKind
from gala_ragdoll.parsers.document import Sections
from gala_ragdoll.parsers.document import line_ending
from gala_ragdoll.parsers.jsonfile import _sections
from gala_ragdoll.parsers.jsonfile import canonical
from gala_ragdoll.parsers.jsonfile import edit_target

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlDocument(ConfigDocument):
    kind = FileKind.YAML

    def __init__(self, text: str) -> None:
        super().__init__(text)
        try:
            self.root: yaml.Node | None = yaml.compose(text, Loader=_Loader)
            self.data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
        except yaml.YAMLError as exc:
            raise ContentError(str(exc).replace("\n", " ")) from None
        if self.root is not None:
            _check_keys(self.root)
        self._sections: Sections | None = None

    def sections(self) -> Sections:
        if self._sections is None:
            self._sections = _sections(_plain(self.data)) if self.data is not None else {}
        return self._sections

    def with_value(self, section: str, key: str, value: str) -> YamlDocument:
        path, new = edit_target(section, key, value)
        text = self._edited(path, new)
        edited = YamlDocument(text)
        got: Any = _plain(edited.data)
        for token in path:
            got = got.get(token) if isinstance(got, dict) else None
        if canonical(got) != canonical(new):
            raise EditError(f"{key!r} cannot be set to {value} in this YAML file")
        return edited

    def _edited(self, path: list[str], new: Any) -> str:
        if self.root is None:
            nested: Any = new
            for token in reversed(path[1:]):
                nested = {token: nested}
            eol = line_ending(self.text)
            gap = "" if not self.text or self.text.endswith("\n") else eol
            return f"{self.text}{gap}{_scalar(path[0])}: {_flow(nested)}{eol}"
        node, depth = self.root, 0
        while depth < len(path) and isinstance(node, yaml.MappingNode):
            found = [v for k, v in node.value if k.value == path[depth]]
            if not found:
                break
            node, depth = found[-1], depth + 1
        if depth == len(path):
            if isinstance(node, yaml.CollectionNode) and not node.flow_style:
                raise EditError(f"{'/'.join(path)!r} is a block collection: set its keys one by one")
            start, end = node.start_mark.index, node.end_mark.index
            return self.text[:start] + _flow(new) + self.text[end:]
        if not isinstance(node, yaml.MappingNode) or node.flow_style or not node.value:
            raise EditError(f"{'/'.join(path[:depth])!r} is not a block mapping")
        nested = new
        for token in reversed(path[depth + 1 :]):
            nested = {token: nested}
        column = node.value[0][0].start_mark.column
        line = f"{' ' * column}{_scalar(path[depth])}: {_flow(nested)}"
        return self._insert_line(node.value[-1][1].end_mark.index, line)

    def _insert_line(self, after: int, line: str) -> str:
        eol = line_ending(self.text)
        at = after if after == 0 or self.text[after - 1] == "\n" else self.text.find("\n", after) + 1
        if at == 0:  # no line end after the last value: the file ends there
            return f"{self.text}{eol}{line}{eol}"
        return f"{self.text[:at]}{line}{eol}{self.text[at:]}"


def _check_keys(node: yaml.Node) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise ContentError(f"line {key.start_mark.line + 1}: a key that is not a scalar")
            _check_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_keys(item)


def _plain(data: Any) -> Any:
    """Mapping keys as strings, as the file spells them after YAML typed them (1 -> "1")."""
    if isinstance(data, dict):
        return {_key(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return str(key).lower()
    return key if isinstance(key, str) else str(key)


def _scalar(value: str) -> str:
    return _flow(value)


def _flow(value: Any) -> str:
    """A value on one line: YAML's own spelling of a one-line string, JSON (a YAML subset) else."""
    if isinstance(value, str) and "\n" not in value:
        dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1 << 30)
        dumped = dumped.removesuffix("\n...\n").rstrip("\n")
        if "\n" not in dumped:
            return dumped
    return json.dumps(value, ensure_ascii=False)
