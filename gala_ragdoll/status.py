"""Expected against real, per host and per file: 21.09's three states, and what 21.09 never
told: the differing keys with both values, mode/owner/group differences, and why a file is
missing (the host unreachable, the file absent, not one of the user's hosts)."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gala_ragdoll.clients import HostFiles
from gala_ragdoll.clients import RealFile
from gala_ragdoll.parsers import Comparison
from gala_ragdoll.parsers import ConfigDocument
from gala_ragdoll.parsers import KeyDiff
from gala_ragdoll.parsers import compare_real
from gala_ragdoll.parsers import parse
from gala_ragdoll.store import ExpectedFile
from gala_ragdoll.store import FileAttributes


class SyncState(StrEnum):
    # 21.09's strings, its grammar included.
    SYNCHRONIZED = "SYNCHRONIZED"
    NOT_SYNCHRONIZE = "NOT SYNCHRONIZE"
    NOT_FOUND = "NOT FOUND"


@dataclass(frozen=True)
class AttributeDiff:
    name: str  # mode, owner or group
    expected: str
    real: str


@dataclass(frozen=True)
class FileStatus:
    path: str
    state: SyncState
    kind: str = ""
    keys: tuple[KeyDiff, ...] = ()
    attributes: tuple[AttributeDiff, ...] = ()
    diff: str = ""  # `diff -u expected real` when the texts differ
    reason: str | None = None  # why NOT FOUND, or why the file was compared as text

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"filePath": self.path, "isSynced": self.state.value}
        if self.kind:
            found["confType"] = self.kind
        if self.keys:
            found["diffKeys"] = [
                {"section": k.section, "key": k.key, "expected": k.expected, "real": k.real}
                for k in self.keys
            ]
        if self.attributes:
            found["diffAttributes"] = [
                {"name": a.name, "expected": a.expected, "real": a.real} for a in self.attributes
            ]
        if self.diff:
            found["diff"] = self.diff
        if self.reason:
            found["reason"] = self.reason
        return found


@dataclass(frozen=True)
class HostStatus:
    host_id: str
    files: tuple[FileStatus, ...]
    # The host itself could not be read (unreachable, not the user's): every file is NOT FOUND.
    host_error: str | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "hostId": self.host_id,
            "reachable": self.host_error is None,
            "syncStatus": [f.as_json() for f in self.files],
        }
        if self.host_error:
            found["reason"] = self.host_error
        return found


def _mode(value: str) -> int | None:
    try:
        return int(value, 8)
    except ValueError:
        return None


def attribute_diffs(expected: FileAttributes, real: RealFile) -> tuple[AttributeDiff, ...]:
    """The attributes the domain sets that the host's file does not have (None: not managed)."""
    diffs = []
    if expected.mode is not None and _mode(expected.mode) != _mode(real.mode):
        diffs.append(AttributeDiff("mode", expected.mode, real.mode))
    if expected.owner is not None and expected.owner != real.owner:
        diffs.append(AttributeDiff("owner", expected.owner, real.owner))
    if expected.group is not None and expected.group != real.group:
        diffs.append(AttributeDiff("group", expected.group, real.group))
    return tuple(diffs)


class Expected:
    """A domain's expected files, each parsed once for every host it is compared with, and each
    text a host holds compared once: hosts with the same text (in sync, or drifted alike, as a
    fleet's hosts often are) share the comparison."""

    def __init__(self, files: Sequence[ExpectedFile]) -> None:
        self.files = list(files)
        self._documents: dict[str, ConfigDocument] = {}
        # {(path, a host's text): its comparison and that comparison's unified diff}
        self._compared: dict[tuple[str, str], tuple[Comparison, str]] = {}

    def document(self, file: ExpectedFile) -> ConfigDocument:
        found = self._documents.get(file.path)
        if found is None:
            found = self._documents[file.path] = parse(file.path, file.content)
        return found

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    def file_status(self, file: ExpectedFile, host: HostFiles) -> FileStatus:
        real = host.files.get(file.path)
        if real is None:
            return FileStatus(file.path, SyncState.NOT_FOUND, reason=host.failures.get(file.path, "not read"))
        comparison, diff = self.compared(file, real.content)
        attributes = attribute_diffs(file.attributes, real)
        synced = comparison.synced and not attributes
        return FileStatus(
            file.path,
            SyncState.SYNCHRONIZED if synced else SyncState.NOT_SYNCHRONIZE,
            comparison.kind.value,
            comparison.keys,
            attributes,
            diff,
            comparison.reason,
        )

    def compared(self, file: ExpectedFile, text: str) -> tuple[Comparison, str]:
        """A host's text of the file compared, with its unified diff; once per distinct text."""
        found = self._compared.get((file.path, text))
        if found is None:
            comparison = compare_real(self.document(file), file.path, text)
            found = self._compared[(file.path, text)] = (
                comparison,
                "".join(comparison.unified_diff(file.path)),
            )
        return found

    def host_status(self, host: HostFiles) -> HostStatus:
        return HostStatus(host.host_id, tuple(self.file_status(f, host) for f in self.files), host.host_error)


def domain_status(
    expected: Sequence[ExpectedFile], host_ids: Sequence[str], real: Mapping[str, HostFiles]
) -> list[HostStatus]:
    """Every host of the domain, in its order; a host the manager did not answer for is NOT FOUND."""
    compared = Expected(expected)
    missing = dict.fromkeys(compared.paths, "the manager did not answer for the host")
    return [compared.host_status(real.get(h) or HostFiles(h, {}, missing)) for h in host_ids]
