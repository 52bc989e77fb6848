"""What every parser gives: a document that renders its own text, its keys by section, and edits."""

from __future__ import annotations

from abc import ABC
from abc import abstractmethod
from enum import StrEnum

# {section: {key: value}}, both levels in file order; "" is the part before any section.
Sections = dict[str, dict[str, str]]
# {folded section: (its name, {folded key: (its name, value)})}: the keys as files are compared.
Folded = dict[str, tuple[str, dict[str, tuple[str, str]]]]


class FileKind(StrEnum):
    INI = "ini"
    SYSCTL = "sysctl"
    SSHD = "sshd"
    LIMITS = "limits"
    SHELL = "shell"
    DEB822 = "deb822"
    KEY_VALUE = "key-value"
    JSON = "json"
    YAML = "yaml"
    TEXT = "text"


class ContentError(ValueError):
    """The content is not of the parser's type; the message says where and why."""


class EditError(ValueError):
    """A key cannot be set in this document (a bad value, or a place the format cannot hold it)."""


class ConfigDocument(ABC):
    """A parsed file. `text` is the file itself: a document nobody edited renders byte-identical."""

    kind: FileKind

    def __init__(self, text: str) -> None:
        self._text = text
        self._folded: Folded | None = None

    @property
    def text(self) -> str:
        return self._text

    @property
    def fallback_reason(self) -> str | None:
        """Why a file meant for a typed parser was read as plain text (None: it was not)."""
        return None

    @abstractmethod
    def sections(self) -> Sections:
        """The keys by section, values as the format spells them after unquoting."""

    @abstractmethod
    def with_value(self, section: str, key: str, value: str) -> ConfigDocument:
        """A copy with `key` of `section` set to `value` (added if absent); every other byte kept."""

    def folded(self) -> Folded:
        """The keys by folded section and key name, as files are compared; worked out once (an
        expected file is compared with every host's)."""
        if self._folded is None:
            self._folded = {
                self.fold_section(section): (
                    section,
                    {self.fold_key(key): (key, value) for key, value in keys.items()},
                )
                for section, keys in self.sections().items()
            }
        return self._folded

    def fold_key(self, key: str) -> str:
        """The identity of a key name when files are compared (sshd keywords ignore case)."""
        return key

    def fold_section(self, section: str) -> str:
        return section


def line_ending(text: str) -> str:
    """The line ending a file uses, for lines an edit adds."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
