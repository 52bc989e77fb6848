"""deb822 files (apt's `.sources`): stanzas of `Field: value` separated by blank lines,
continuation lines indented. A stanza has no name, so its section is its number ("1", "2"...)."""

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

_FIELD = re.compile(r"(?P<key>[^\s:#-][^\s:]*)(?P<sep>:\s*)(?P<value>.*?)\s*")


class Deb822Dialect(Dialect):
    kind = FileKind.DEB822
    default_sep = ": "

    def records(self, text: str, known: Mapping[str, Record] | None = None) -> list[Record]:
        records: list[Record] = []
        stanza, in_stanza = 0, False
        for number, line in enumerate(physical_lines(text), 1):
            body = content(line)
            section = str(stanza) if in_stanza else ""
            if not body.strip():
                in_stanza = False
                records.append(Record(line, section))
            elif body.startswith("#"):
                records.append(Record(line, section))
            elif body[0] in " \t":
                if not records or records[-1].key is None or records[-1].span is None:
                    raise ContentError(f"line {number}: a continuation line outside a field")
                last = records[-1]
                text_ = last.text + line
                span = (last.span[0] if last.span else 0, len(content(text_)))
                value = f"{last.value}\n{body.strip()}"
                records[-1] = Record(text_, last.section, last.key, value, span, "", last.sep)
            elif match := _FIELD.fullmatch(body):
                if not in_stanza:
                    stanza, in_stanza = stanza + 1, True
                span = match.span("value")
                records.append(
                    Record(line, str(stanza), match["key"], match["value"], span, "", match["sep"])
                )
            else:
                raise ContentError(f"line {number}: not `Field: value`")
        return records

    def fold_key(self, key: str) -> str:
        return key.lower()

    def encode(self, value: str, old: Record | None) -> str:
        lines = value.split("\n")
        if "\r" in value or any(not part.strip() for part in lines[1:]):
            raise EditError("deb822 continuation lines cannot be empty")
        return "\n ".join(lines)

    def header(self, section: str) -> str:
        raise EditError("a new deb822 stanza cannot be made by setting one key")
