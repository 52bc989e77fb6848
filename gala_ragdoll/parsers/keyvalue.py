"""Key-value files: sysctl.conf (and any `key = value` file), sshd_config with its `Match`
blocks, limits.conf's four columns, and /etc/sysconfig shell assignments."""

from __future__ import annotations

import re
from collections.abc import Mapping

from gala_ragdoll.parsers.document import ContentError
from gala_ragdoll.parsers.document import EditError
from gala_ragdoll.parsers.document import FileKind
from gala_ragdoll.parsers.lines import Dialect
from gala_ragdoll.parsers.lines import FlatDialect
from gala_ragdoll.parsers.lines import Record
from gala_ragdoll.parsers.lines import Repeated
from gala_ragdoll.parsers.lines import content
from gala_ragdoll.parsers.lines import entry_record
from gala_ragdoll.parsers.lines import physical_lines

_KEY_VALUE = re.compile(r"(?P<indent>\s*)(?P<key>[^=\s#;][^=]*?)(?P<sep>\s*=\s*)(?P<value>.*?)\s*")


class KeyValueDialect(FlatDialect):
    """`key = value` lines and `#`/`;` comments, no sections (any `.conf` file of that shape)."""

    kind = FileKind.KEY_VALUE
    pattern = _KEY_VALUE
    what = "key = value"
    comments = "#;"


class SysctlDialect(KeyValueDialect):
    """sysctl.d(5): `net/ipv4/ip_forward` is `net.ipv4.ip_forward`, and a leading "-" only says
    that a failure to set the key is ignored."""

    kind = FileKind.SYSCTL

    def fold_key(self, key: str) -> str:
        return key.removeprefix("-").replace("/", ".")


_SSH_LINE = re.compile(r"(?P<indent>\s*)(?P<key>[A-Za-z][A-Za-z0-9]*)(?P<sep>\s*=\s*|\s+)(?P<value>.*?)\s*")
# ssh_config's blocks are `Host`; sshd_config's are `Match`.
_BLOCKS = ("match", "host")


class SshDialect(Dialect):
    """sshd_config(5) and ssh_config(5): `Keyword value` (or `Keyword=value`), keywords in any
    case, a `Match`/`Host` line starting a block that lasts until the next one. A keyword may
    repeat (HostKey, AcceptEnv, ListenAddress): every occurrence counts."""

    kind = FileKind.SSHD
    repeated = Repeated.JOIN
    default_sep = " "

    def records(self, text: str, known: Mapping[str, Record] | None = None) -> list[Record]:
        records: list[Record] = []
        section = ""
        for number, line in enumerate(physical_lines(text), 1):
            body = content(line)
            if not body.strip() or body.lstrip()[0] in "#;":
                records.append(Record(line, section))
                continue
            match = _SSH_LINE.fullmatch(body)
            if match is None:
                raise ContentError(f"line {number}: not `Keyword value`")
            if match["key"].lower() in _BLOCKS:
                section = _block_name(match["key"], match["value"])
                records.append(Record(line, section, header=True))
            else:
                records.append(entry_record(line, section, match))
        return records

    def fold_key(self, key: str) -> str:
        return key.lower()

    def fold_section(self, section: str) -> str:
        # `Match User bob` is `match user bob`: keywords ignore case, the values they match do not.
        words = section.split()
        return " ".join(w.lower() if i == 0 or i % 2 == 1 else w for i, w in enumerate(words))

    def header(self, section: str) -> str:
        keyword, _, criteria = section.partition(" ")
        if keyword.lower() not in _BLOCKS or not criteria.strip() or "\n" in section:
            raise EditError(f"{section!r}: an ssh block is `Match <criteria>` or `Host <patterns>`")
        return section


def _block_name(keyword: str, criteria: str) -> str:
    return f"{keyword.capitalize()} {' '.join(criteria.split())}"


_LIMITS_LINE = re.compile(r"(?P<indent>\s*)(?P<key>\S+\s+\S+\s+\S+)(?P<sep>\s+)(?P<value>\S+)\s*")


class LimitsDialect(FlatDialect):
    """limits.conf(5): `<domain> <type> <item> <value>`; the key is the first three columns."""

    kind = FileKind.LIMITS
    default_sep = "\t"
    pattern = _LIMITS_LINE
    what = "`<domain> <type> <item> <value>`"

    def record(self, line: str, match: re.Match[str], number: int) -> Record:
        key = " ".join(match["key"].split())
        return Record(line, "", key, match["value"], match.span("value"), match["indent"])

    def fold_key(self, key: str) -> str:
        return " ".join(key.split())

    def entry(self, key: str, value: str, like: Record | None) -> str:
        columns = key.split()
        if len(columns) != 3:
            raise EditError(f"{key!r}: a limits.conf key is `<domain> <type> <item>`")
        value = self.encode(value, like)
        if like is None or like.span is None:
            return self.default_sep.join([*columns, value])
        # Each column where the neighbour's starts, so that the table stays aligned.
        starts = [m.start() for m in re.finditer(r"\S+", content(like.text))]
        line = ""
        for column, start in zip([*columns, value], starts, strict=False):
            line += " " * max(start - len(line), 1 if line else 0) + column
        return line

    def encode(self, value: str, old: Record | None) -> str:
        if not value or len(value.split()) != 1:
            raise EditError(f"{value!r}: a limits.conf value is one word")
        return value


_ASSIGNMENT = re.compile(
    r"(?P<indent>\s*(?:export\s+)?)(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P<sep>=)(?P<rest>.*)"
)
# One shell word: quoted parts, escaped characters and plain characters, up to a blank.
_WORD = re.compile(r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|\\.|[^\s"'\\])*""")
_SAFE = re.compile(r"[A-Za-z0-9_./:@%+,=-]+")


class ShellDialect(FlatDialect):
    """/etc/sysconfig and /etc/default files: `KEY=value` shell assignments, values unquoted as
    the shell does (`"a b"`, `'a b'`, `a\\ b` are all `a b`), `# comments`."""

    kind = FileKind.SHELL
    default_sep = "="
    pattern = _ASSIGNMENT
    what = "a KEY=value assignment"

    def record(self, line: str, match: re.Match[str], number: int) -> Record:
        rest, start = match["rest"], match.start("rest")
        word = _WORD.match(rest)
        end = word.end() if word else 0
        trailer = rest[end:]
        if trailer.strip() and not (trailer[0].isspace() and trailer.lstrip().startswith("#")):
            raise ContentError(f"line {number}: one value per assignment (quote values with blanks)")
        if word is None or (end == 0 and rest[:1] in ("'", '"')):
            raise ContentError(f"line {number}: a quote is not closed")
        value = _unquote(rest[:end])
        return Record(line, "", match["key"], value, (start, start + end), match["indent"], "=")

    def encode(self, value: str, old: Record | None) -> str:
        if "\n" in value or "\r" in value:
            raise EditError("shell values are one line")
        first = old.text[old.span[0] : old.span[0] + 1] if old is not None and old.span is not None else ""
        quoted = first in ('"', "'")
        if _SAFE.fullmatch(value) and not quoted:
            return value
        return '"' + re.sub(r'(["\\$`])', r"\\\1", value) + '"'


_PART = re.compile(r""""((?:[^"\\]|\\.)*)"|'([^']*)'|\\(.)|([^"'\\]+)""", re.DOTALL)
_DOUBLE_QUOTED_ESCAPE = re.compile(r"""\\([$`"\\])""")


def _unquote(word: str) -> str:
    """The value of one shell word: `\\` escapes within double quotes only $ ` " and \\."""
    value = []
    for double, single, escaped, plain in _PART.findall(word):
        value.append(_DOUBLE_QUOTED_ESCAPE.sub(r"\1", double) or single or escaped or plain)
    return "".join(value)
