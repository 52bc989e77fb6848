"""Plain text: any file no typed parser claims, or one whose content broke its type's rules."""

from __future__ import annotations

from gala_ragdoll.parsers.document import ConfigDocument
from gala_ragdoll.parsers.document import EditError
from gala_ragdoll.parsers.document import FileKind
from gala_ragdoll.parsers.document import Sections
from gala_ragdoll.parsers.document import line_ending
from gala_ragdoll.parsers.lines import physical_lines


class TextDocument(ConfigDocument):
    """Compared line by line; its "keys" are line numbers, so setting key "3" replaces line 3."""

    kind = FileKind.TEXT

    def __init__(self, text: str, reason: str | None = None) -> None:
        super().__init__(text)
        self._reason = reason

    @property
    def fallback_reason(self) -> str | None:
        return self._reason

    def sections(self) -> Sections:
        return {}

    def with_value(self, section: str, key: str, value: str) -> TextDocument:
        lines = physical_lines(self.text)
        if section or not key.isdigit() or not 1 <= int(key) <= len(lines) + 1:
            raise EditError(f"a text file's keys are its line numbers, 1 to {len(lines) + 1}")
        if "\n" in value or "\r" in value:
            raise EditError("one line at a time")
        eol = line_ending(self.text)
        index = int(key) - 1
        if index == len(lines):
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += eol
            lines.append(value + eol)
        else:
            old = lines[index]
            lines[index] = value + old[len(old.rstrip("\r\n")) :]
        return TextDocument("".join(lines))
