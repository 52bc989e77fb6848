"""Which parser reads which file: well-known paths and extensions first, then the content."""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from posixpath import basename

from gala_ragdoll.parsers.deb822 import Deb822Dialect
from gala_ragdoll.parsers.document import ConfigDocument
from gala_ragdoll.parsers.document import ContentError
from gala_ragdoll.parsers.document import FileKind
from gala_ragdoll.parsers.ini import IniDialect
from gala_ragdoll.parsers.jsonfile import JsonDocument
from gala_ragdoll.parsers.keyvalue import KeyValueDialect
from gala_ragdoll.parsers.keyvalue import LimitsDialect
from gala_ragdoll.parsers.keyvalue import ShellDialect
from gala_ragdoll.parsers.keyvalue import SshDialect
from gala_ragdoll.parsers.keyvalue import SysctlDialect
from gala_ragdoll.parsers.lines import Dialect
from gala_ragdoll.parsers.lines import LineDocument
from gala_ragdoll.parsers.text import TextDocument
from gala_ragdoll.parsers.yamlfile import YamlDocument

# First match wins; patterns are matched against the whole absolute path (`*` crosses "/").
PATH_RULES: tuple[tuple[str, FileKind], ...] = (
    ("/etc/ssh/sshd_config", FileKind.SSHD),
    ("/etc/ssh/sshd_config.d/*.conf", FileKind.SSHD),
    ("/etc/ssh/ssh_config", FileKind.SSHD),
    ("/etc/ssh/ssh_config.d/*.conf", FileKind.SSHD),
    ("/etc/sysctl.conf", FileKind.SYSCTL),
    ("*/sysctl.d/*.conf", FileKind.SYSCTL),
    ("/etc/security/limits.conf", FileKind.LIMITS),
    ("/etc/security/limits.d/*.conf", FileKind.LIMITS),
    ("/etc/sysconfig/*", FileKind.SHELL),
    ("/etc/default/*", FileKind.SHELL),
    ("*.repo", FileKind.INI),
    ("*.ini", FileKind.INI),
    ("*.sources", FileKind.DEB822),
    ("*.json", FileKind.JSON),
    ("*.yaml", FileKind.YAML),
    ("*.yml", FileKind.YAML),
)

_DIALECTS: dict[FileKind, Callable[[], Dialect]] = {
    FileKind.INI: IniDialect,
    FileKind.SYSCTL: SysctlDialect,
    FileKind.SSHD: SshDialect,
    FileKind.LIMITS: LimitsDialect,
    FileKind.SHELL: ShellDialect,
    FileKind.DEB822: Deb822Dialect,
    FileKind.KEY_VALUE: KeyValueDialect,
}
_INSTANCES = {kind: make() for kind, make in _DIALECTS.items()}

# A file no rule names is tried as these, in order; the first that reads every line wins.
_SNIFFED = (FileKind.JSON, FileKind.INI, FileKind.KEY_VALUE)


def kind_for_path(path: str) -> FileKind | None:
    for pattern, kind in PATH_RULES:
        if fnmatchcase(path, pattern):
            return kind
    return None


def parse_as(kind: FileKind, text: str, like: ConfigDocument | None = None) -> ConfigDocument:
    """The document of that type; ContentError if the text is not of it. `like`: a document whose
    lines need not be read again (the same document as without it, only sooner)."""
    if kind is FileKind.TEXT:
        return TextDocument(text)
    if kind is FileKind.JSON:
        return JsonDocument(text)
    if kind is FileKind.YAML:
        return YamlDocument(text)
    return LineDocument(_INSTANCES[kind], text, like if isinstance(like, LineDocument) else None)


def parse(path: str, text: str, like: ConfigDocument | None = None) -> ConfigDocument:
    """The file read by its type; plain text (with the reason) when its content breaks the type.
    `like`: another version of the file already read, whose unchanged lines are not read again."""
    kind = kind_for_path(path)
    if kind is not None:
        try:
            return parse_as(kind, text, like)
        except ContentError as exc:
            return TextDocument(text, f"not a {kind} file: {exc}")
    return _sniff(path, text, like)


def _sniff(path: str, text: str, like: ConfigDocument | None) -> ConfigDocument:
    stripped = text.lstrip()
    if not stripped:
        return TextDocument(text)
    for kind in _SNIFFED:
        if kind is FileKind.JSON and stripped[0] not in "{[":
            continue
        # Only files named like configuration are read as key = value: a script or a README
        # with one "=" in every line would otherwise be one.
        if kind is FileKind.KEY_VALUE and not basename(path).endswith((".conf", ".cfg", ".cnf")):
            continue
        # Read as ini, a text without "[" has no section header (a header line starts with one),
        # so it would be passed over below whether it parsed or not: no need to parse it.
        if kind is FileKind.INI and "[" not in text:
            continue
        try:
            document = parse_as(kind, text, like)
        except ContentError:
            continue
        found = document.sections()
        # Without a [section] an ini file is a key = value file, which is asked next.
        if found and not (kind is FileKind.INI and set(found) == {""}):
            return document
    return TextDocument(text)
