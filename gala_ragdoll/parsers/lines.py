"""Line-oriented files (ini, sysctl, sshd_config, limits.conf, shell, deb822) as records of raw text.

Each record keeps its bytes, so rendering is the concatenation of the records; an edit rewrites
the value span of one record (or adds records) and leaves every other byte alone.
"""

from __future__ import annotations

import re
from abc import ABC
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace
from enum import Enum

from gala_ragdoll.parsers.document import ConfigDocument
from gala_ragdoll.parsers.document import ContentError
from gala_ragdoll.parsers.document import EditError
from gala_ragdoll.parsers.document import FileKind
from gala_ragdoll.parsers.document import Folded
from gala_ragdoll.parsers.document import Sections
from gala_ragdoll.parsers.document import line_ending


@dataclass(frozen=True)
class Record:
    text: str  # raw text: one physical line, or a key with its continuation lines, with line ends
    section: str  # the section it belongs to ("" before any header)
    key: str | None = None  # None: a comment, a blank line or a section header
    value: str = ""  # after unquoting
    span: tuple[int, int] | None = None  # where the value is written in `text`; None: a bare key
    indent: str = ""
    sep: str = " = "  # what stands between the key and the value
    header: bool = False


class Repeated(Enum):
    LAST = "last"  # the last occurrence wins (ini, sysctl, shell)
    JOIN = "join"  # every occurrence counts (sshd's HostKey, AcceptEnv, ...): values joined by "\n"


def physical_lines(text: str) -> list[str]:
    """Lines with their endings; only "\\n" ends a line (str.splitlines also splits on \\f, \\x1c...)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def content(line: str) -> str:
    return line.rstrip("\r\n")


class Dialect(ABC):
    kind: FileKind
    repeated = Repeated.LAST
    default_sep = " = "

    # Whether a line's record depends on that line alone (not on a section or a previous line),
    # so that a line read once need not be read again (`records`' `known`).
    line_local = False

    @abstractmethod
    def records(self, text: str, known: Mapping[str, Record] | None = None) -> list[Record]:
        """The file as records; ContentError (with the line number) for a line of another format.
        `known`: records of lines already read, by line, taken as they are (line-local dialects)."""

    def fold_key(self, key: str) -> str:
        return key

    def fold_section(self, section: str) -> str:
        return section

    def encode(self, value: str, old: Record | None) -> str:
        """The text written for a value (quoting, continuation lines)."""
        if "\n" in value or "\r" in value:
            raise EditError(f"{self.kind} values are one line")
        return value

    def entry(self, key: str, value: str, like: Record | None) -> str:
        """A new line (without its ending) for a key, spaced like a neighbour."""
        indent, sep = (like.indent, like.sep) if like is not None else ("", self.default_sep)
        return f"{indent}{key}{sep}{self.encode(value, None)}"

    def header(self, section: str) -> str:
        raise EditError(f"{self.kind} files have no sections")


def entry_record(line: str, section: str, match: re.Match[str]) -> Record:
    """A key line matched by a pattern with the groups indent, key, sep and value."""
    return Record(
        line, section, match["key"], match["value"], match.span("value"), match["indent"], match["sep"]
    )


class FlatDialect(Dialect):
    """A format without sections: comment lines, blank lines and lines `pattern` matches."""

    pattern: re.Pattern[str]
    what: str  # the line it expects, for the error
    comments = "#"
    line_local = True

    def records(self, text: str, known: Mapping[str, Record] | None = None) -> list[Record]:
        records: list[Record] = []
        for number, line in enumerate(physical_lines(text), 1):
            if known is not None and (found := known.get(line)) is not None:
                records.append(found)
                continue
            body = content(line)
            stripped = body.lstrip()
            if not stripped or stripped[0] in self.comments:
                records.append(Record(line, ""))
            elif match := self.pattern.fullmatch(body):
                records.append(self.record(line, match, number))
            else:
                raise ContentError(f"line {number}: neither a comment nor {self.what}")
        return records

    def record(self, line: str, match: re.Match[str], number: int) -> Record:
        return entry_record(line, "", match)


class LineDocument(ConfigDocument):
    def __init__(self, dialect: Dialect, text: str, like: LineDocument | None = None) -> None:
        """`like`: a document of the same dialect whose lines need not be read again (the expected
        file when a host's copy of it is read: most of their lines are the same)."""
        super().__init__(text)
        self.dialect = dialect
        self.kind = dialect.kind
        known = like.line_records() if like is not None and like.dialect is dialect else None
        self.records = dialect.records(text, known)
        self._sections: Sections | None = None
        self._by_line: dict[str, Record] | None = None

    def line_records(self) -> Mapping[str, Record] | None:
        """Each line's record, for a line-local dialect (one record per line); None otherwise."""
        if not self.dialect.line_local:
            return None
        if self._by_line is None:
            self._by_line = {r.text: r for r in self.records}
        return self._by_line

    def fold_key(self, key: str) -> str:
        return self.dialect.fold_key(key)

    def fold_section(self, section: str) -> str:
        return self.dialect.fold_section(section)

    def sections(self) -> Sections:
        if self._sections is None:
            self._sections, self._folded = self._collect()
        return self._sections

    def folded(self) -> Folded:
        if self._folded is None:
            self._sections, self._folded = self._collect()
        return self._folded

    def _collect(self) -> tuple[Sections, Folded]:
        """The keys by section, and by folded section and key, in one pass: each name is folded
        once (the status check compares the folded keys of every file it parses)."""
        found: Sections = {}
        folded: Folded = {}
        join = self.dialect.repeated is Repeated.JOIN
        for record in self.records:
            if record.key is None and not record.header:
                continue
            folded_section = self.fold_section(record.section)
            if folded_section not in folded:  # the section's first spelling names it
                folded[folded_section] = (record.section, {})
                found[record.section] = {}
            section, keys = folded[folded_section]
            if record.key is None:
                continue
            folded_key = self.fold_key(record.key)
            seen = keys.get(folded_key)
            if seen is None:  # the key's first spelling names it
                key, value = record.key, record.value
            else:
                key, value = seen[0], f"{seen[1]}\n{record.value}" if join else record.value
            keys[folded_key] = (key, value)
            found[section][key] = value
        return found, folded

    def _matches(self, section: str, key: str) -> list[int]:
        folded_section, folded_key = self.fold_section(section), self.fold_key(key)
        return [
            i
            for i, r in enumerate(self.records)
            if r.key is not None
            and self.fold_section(r.section) == folded_section
            and self.fold_key(r.key) == folded_key
        ]

    def with_value(self, section: str, key: str, value: str) -> LineDocument:
        records = list(self.records)
        eol = line_ending(self.text)
        found = self._matches(section, key)
        if found and self.dialect.repeated is Repeated.JOIN:
            values = value.split("\n")
            for index, new in zip(found, values, strict=False):
                records[index] = self._replaced(records[index], new)
            for index in reversed(found[len(values) :]):
                del records[index]
            extra = [self._new(key, new, records[found[0]], section, eol) for new in values[len(found) :]]
            self._insert(records, found[min(len(found), len(values)) - 1] + 1, extra, eol)
        elif found:
            records[found[-1]] = self._replaced(records[found[-1]], value)
        elif self.dialect.repeated is Repeated.JOIN:
            first, *others = value.split("\n")
            at = self._add(records, section, key, first, eol)
            self._insert(records, at + 1, [self._new(key, v, records[at], section, eol) for v in others], eol)
        else:
            self._add(records, section, key, value, eol)
        edited = LineDocument(self.dialect, "".join(r.text for r in records))
        _name, keys = edited.folded().get(self.fold_section(section), ("", {}))
        if keys.get(self.fold_key(key), (key, None))[1] != value:
            raise EditError(f"{key!r} cannot be written as {value!r} in a {self.kind} file")
        return edited

    def _replaced(self, record: Record, value: str) -> Record:
        if record.span is None:
            ending = record.text[len(content(record.text)) :]
            return replace(record, text=self.dialect.entry(record.key or "", value, record) + ending)
        start, end = record.span
        return replace(
            record, text=record.text[:start] + self.dialect.encode(value, record) + record.text[end:]
        )

    def _new(self, key: str, value: str, like: Record | None, section: str, eol: str) -> Record:
        indent, sep = (like.indent, like.sep) if like is not None else ("", self.dialect.default_sep)
        return Record(self.dialect.entry(key, value, like) + eol, section, key, value, None, indent, sep)

    def _add(self, records: list[Record], section: str, key: str, value: str, eol: str) -> int:
        """Adds the key where its section's keys end (a new section goes last); its index."""
        folded = self.fold_section(section)
        mine = [i for i, r in enumerate(records) if self.fold_section(r.section) == folded]
        entries = [i for i in mine if records[i].key is not None]
        any_entry = next((r for r in records if r.key is not None), None)
        like = records[entries[-1]] if entries else any_entry
        new = self._new(key, value, like, section, eol)
        if entries:
            at = entries[-1] + 1
        elif section == "":
            at = next((i for i, r in enumerate(records) if r.header), len(records))
        elif mine:
            at = mine[0] + 1
        else:
            header = Record(self.dialect.header(section) + eol, section, header=True)
            # A blank line before a new section, as people write them.
            gap = [Record(eol, "")] if records and content(records[-1].text).strip() else []
            self._insert(records, len(records), [*gap, header, new], eol)
            return len(records) - 1
        self._insert(records, at, [new], eol)
        return at

    @staticmethod
    def _insert(records: list[Record], at: int, new: list[Record], eol: str) -> None:
        if not new:
            return
        if at > 0 and not records[at - 1].text.endswith("\n"):
            records[at - 1] = replace(records[at - 1], text=records[at - 1].text + eol)
        records[at:at] = new
