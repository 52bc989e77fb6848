"""Expected against real: by section and key name (never by position), and as a unified diff."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from gala_ragdoll.parsers.document import ConfigDocument
from gala_ragdoll.parsers.document import FileKind
from gala_ragdoll.parsers.registry import parse


@dataclass(frozen=True)
class KeyDiff:
    section: str
    key: str
    expected: str | None  # None: the key is missing from that side
    real: str | None


@dataclass(frozen=True)
class Comparison:
    """`synced` is by keys for typed files (comments and spacing do not drift a file), by text
    for plain text or when the two sides were not read as the same type."""

    kind: FileKind
    synced: bool
    keys: tuple[KeyDiff, ...]
    expected_text: str
    real_text: str
    reason: str | None = None  # why the comparison fell back to text

    def unified_diff(self, path: str = "") -> list[str]:
        """Lines of `diff -u expected real`, each with its line end; empty when the texts are equal."""
        if self.expected_text == self.real_text:
            return []
        return list(
            difflib.unified_diff(
                self.expected_text.splitlines(keepends=True),
                self.real_text.splitlines(keepends=True),
                f"expected{path}",
                f"real{path}",
            )
        )


def compare_real(expected: ConfigDocument, path: str, real_text: str) -> Comparison:
    """A host's file against the expected document (parsed once for every host): a file equal
    to it, as most are, is never parsed, and of another only the lines the expected file does
    not have are."""
    if expected.text == real_text:
        return Comparison(expected.kind, True, (), expected.text, real_text)
    return compare(expected, parse(path, real_text, like=expected))


def compare(expected: ConfigDocument, real: ConfigDocument) -> Comparison:
    if expected.text == real.text:
        return Comparison(expected.kind, True, (), expected.text, real.text)
    if expected.kind is not real.kind or expected.kind is FileKind.TEXT:
        reason = real.fallback_reason or expected.fallback_reason
        if reason is None and expected.kind is not real.kind:
            reason = f"expected is read as {expected.kind}, real as {real.kind}"
        return Comparison(FileKind.TEXT, False, (), expected.text, real.text, reason)
    keys = tuple(_key_diffs(expected, real))
    return Comparison(expected.kind, not keys, keys, expected.text, real.text)


def _key_diffs(expected: ConfigDocument, real: ConfigDocument) -> list[KeyDiff]:
    left = expected.folded()
    right = real.folded()
    diffs: list[KeyDiff] = []
    for section_id in [*left, *(s for s in right if s not in left)]:
        mine_name, mine = left.get(section_id, ("", {}))
        theirs_name, theirs = right.get(section_id, ("", {}))
        if mine == theirs:
            continue  # the same keys with the same names and values: no difference in it
        section = mine_name if section_id in left else theirs_name
        for key_id in [*mine, *(k for k in theirs if k not in mine)]:
            name, want = mine.get(key_id, ("", None))
            other, got = theirs.get(key_id, ("", None))
            if want != got:
                diffs.append(KeyDiff(section, name if key_id in mine else other, want, got))
    return diffs
