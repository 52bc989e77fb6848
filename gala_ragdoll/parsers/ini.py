"""ini files and yum `.repo` files, read as Python's configparser reads them (`[section]`,
`key = value` or `key: value`, `#`/`;` comments, indented continuation lines), keys before the
first section kept in section ""."""

from __future__ import annotations

import re
from collections.abc import Mapping

from gala_ragdoll.parsers.document import ContentError
from gala_ragdoll.parsers.document import EditError
from gala_ragdoll.parsers.document import FileKind
from gala_ragdoll.parsers.lines import Dialect
from gala_ragdoll.parsers.lines import Record
from gala_ragdoll.parsers.lines import content
from gala_ragdoll.parsers.lines import physical_lines

_HEADER = re.compile(r"\s*\[(?P<name>[^\]]*)\]\s*(?:[#;].*)?")
# The key is everything before the first "=" or ":" (so a URL value keeps its colons).
_ENTRY = re.compile(r"(?P<indent>\s*)(?P<key>[^=:\s\[#;][^=:]*?)(?P<sep>\s*[=:]\s*)(?P<value>.*?)\s*")
# my.cnf-style flags: a key without a value.
_BARE = re.compile(r"(?P<indent>\s*)(?P<key>[\w.\-]+)\s*")


class IniDialect(Dialect):
    kind = FileKind.INI

    def records(self, text: str, known: Mapping[str, Record] | None = None) -> list[Record]:
        records: list[Record] = []
        section = ""
        for number, line in enumerate(physical_lines(text), 1):
            body = content(line)
            last = records[-1] if records else None
            if not body.strip() or body.lstrip()[0] in "#;":
                records.append(Record(line, section))
            elif last is not None and last.key is not None and _continues(body, last):
                records[-1] = _continued(last, line)
            elif match := _HEADER.fullmatch(body):
                section = match["name"].strip()
                records.append(Record(line, section, header=True))
            elif match := _ENTRY.fullmatch(body):
                records.append(_entry(line, section, match))
            elif match := _BARE.fullmatch(body):
                records.append(Record(line, section, match["key"], "", None, match["indent"]))
            else:
                raise ContentError(f"line {number}: neither a [section], a comment nor key = value")
        return records

    def encode(self, value: str, old: Record | None) -> str:
        if "\r" in value or any(not part.strip() for part in value.split("\n")[1:]):
            raise EditError("ini continuation lines cannot be empty")
        indent = (old.indent if old is not None else "") + "    "
        return value.replace("\n", "\n" + indent)

    def header(self, section: str) -> str:
        if not section or "]" in section or "\n" in section or section != section.strip():
            raise EditError(f"{section!r} cannot be an ini section name")
        return f"[{section}]"


def _entry(line: str, section: str, match: re.Match[str]) -> Record:
    return Record(
        line, section, match["key"], match["value"], match.span("value"), match["indent"], match["sep"]
    )


def _continues(body: str, last: Record) -> bool:
    """configparser's rule: a line indented deeper than its key continues the key's value."""
    indent = len(body) - len(body.lstrip())
    return indent > len(last.indent) and not body.lstrip().startswith(("#", ";"))


def _continued(last: Record, line: str) -> Record:
    # The span grows to the end of the continuation's text: a new value replaces every line.
    start = last.span[0] if last.span is not None else len(content(last.text))
    text = last.text + line
    value = f"{last.value}\n{content(line).strip()}" if last.value or last.span else content(line).strip()
    return Record(text, last.section, last.key, value, (start, len(content(text))), last.indent, last.sep)
