"""Parsers, by property: any text renders back byte-identical; a key set changes that key only."""

from __future__ import annotations

import json

import yaml
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from gala_ragdoll.parsers import FileKind
from gala_ragdoll.parsers import compare
from gala_ragdoll.parsers import parse
from gala_ragdoll.parsers.jsonfile import canonical
from gala_ragdoll.parsers.keyvalue import ShellDialect

TYPED_PATHS = [
    "/etc/yum.repos.d/a.repo",
    "/etc/sysctl.conf",
    "/etc/ssh/sshd_config",
    "/etc/security/limits.conf",
    "/etc/sysconfig/network",
    "/etc/apt/sources.list.d/a.sources",
    "/etc/a.json",
    "/etc/a.yaml",
    "/etc/app/app.conf",
    "/etc/motd",
]

# Characters that matter to one format or another, and a few that do not.
noise = st.text(st.sampled_from(list("ab1 \t\r\n#;=:[]{}\"'\\$-*@/.,\x0c\u2028é")), max_size=80)


@settings(max_examples=400, deadline=None)
@given(path=st.sampled_from(TYPED_PATHS), text=noise)
def test_any_text_renders_back_byte_identical_whatever_its_path(path: str, text: str) -> None:
    document = parse(path, text)
    assert document.text == text
    assert compare(document, parse(path, text)).synced
    document.sections()


eol = st.sampled_from(["\n", "\r\n"])
value = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Zl", "Zp", "Cs")), max_size=12).map(
    str.strip
)
name = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
comment = st.sampled_from(["# a comment", "; another", "", "   "])


@st.composite
def ini_files(draw: st.DrawFn) -> tuple[str, str, str]:
    """(text, a section, one of its keys)."""
    line_end = draw(eol)
    lines: list[str] = []
    sections = draw(st.lists(name, min_size=1, max_size=4, unique=True))
    for section in sections:
        lines.append(f"[{section}]")
        for key in draw(st.lists(name, min_size=1, max_size=5, unique=True)):
            lines += draw(st.lists(comment, max_size=1))
            sep = draw(st.sampled_from(["=", " = ", ": ", ":"]))
            lines.append(f"{key}{sep}{draw(value.filter(lambda v: not v.startswith(('=', ':'))))}")
    section = draw(st.sampled_from(sections))
    keys = [line.split("=")[0].split(":")[0].strip() for line in _block(lines, section)]
    return line_end.join(lines) + draw(st.sampled_from(["", line_end])), section, draw(st.sampled_from(keys))


def _block(lines: list[str], section: str) -> list[str]:
    start = lines.index(f"[{section}]") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines))
    return [line for line in lines[start:end] if line.strip() and line[0] not in "#;"]


def assert_only_the_key_changed(
    before: str, after_text: str, path: str, section: str, key: str, new: str
) -> None:
    original = parse(path, before).sections()
    edited = parse(path, after_text).sections()
    original[section][key] = new
    assert edited == original


@settings(deadline=None)
@given(ini_files(), value.filter(lambda v: not v.startswith(("=", ":"))))
def test_setting_an_ini_key_changes_that_key_only_and_setting_it_back_restores_the_bytes(
    file: tuple[str, str, str], new: str
) -> None:
    text, section, key = file
    document = parse("/etc/yum.repos.d/a.repo", text)
    assert document.kind is FileKind.INI
    old = document.sections()[section][key]
    edited = document.with_value(section, key, new)
    assert_only_the_key_changed(text, edited.text, "/etc/yum.repos.d/a.repo", section, key, new)
    assert edited.with_value(section, key, old).text == text


@st.composite
def shell_files(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    values = draw(st.dictionaries(st.from_regex(r"[A-Z_][A-Z0-9_]{0,7}", fullmatch=True), value, min_size=1))
    dialect = ShellDialect()
    lines = [f"{key}={dialect.encode(v, None)}" for key, v in values.items()]
    return "# sysconfig\n" + "\n".join(lines) + "\n", values


@settings(deadline=None)
@given(shell_files(), value)
def test_shell_values_are_quoted_so_that_the_shell_reads_them_back(
    file: tuple[str, dict[str, str]], new: str
) -> None:
    text, values = file
    document = parse("/etc/sysconfig/x", text)
    assert document.sections() == {"": values}
    key = next(iter(values))
    edited = document.with_value("", key, new)
    assert edited.sections() == {"": {**values, key: new}}


@st.composite
def sshd_files(draw: st.DrawFn) -> str:
    keyword = st.from_regex(r"[A-Z][a-zA-Z]{1,9}", fullmatch=True).filter(
        lambda k: k.lower() not in ("match", "host")
    )
    words = st.from_regex(r"[a-z0-9/._*-]{1,10}( [a-z0-9/._*-]{1,10})?", fullmatch=True)
    separators = st.sampled_from([" ", "  ", "\t", "=", " = "])
    lines = [f"{k}{draw(separators)}{draw(words)}" for k in draw(st.lists(keyword))]
    for user in draw(st.lists(name, max_size=3, unique=True)):
        lines.append(f"Match User {user}")
        lines += [f"\t{k} {draw(words)}" for k in draw(st.lists(keyword, max_size=3))]
    return "\n".join(lines) + "\n"


@settings(deadline=None)
@given(sshd_files(), st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True))
def test_every_sshd_key_can_be_set_without_touching_the_others(text: str, new: str) -> None:
    document = parse("/etc/ssh/sshd_config", text)
    assert document.kind is FileKind.SSHD and document.text == text
    for section, keys in document.sections().items():
        for key in keys:
            edited = document.with_value(section, key, new)
            assert_only_the_key_changed(text, edited.text, "/etc/ssh/sshd_config", section, key, new)


limits_line = st.tuples(
    st.from_regex(r"[@%]?[a-z]{1,6}|\*", fullmatch=True),
    st.sampled_from(["soft", "hard", "-"]),
    st.sampled_from(["nofile", "nproc", "core", "memlock"]),
    st.from_regex(r"[0-9]{1,6}|unlimited", fullmatch=True),
    st.sampled_from([" ", "\t", "    "]),
)


@settings(deadline=None)
@given(st.lists(limits_line, min_size=1, max_size=6), st.from_regex(r"[0-9]{1,5}", fullmatch=True))
def test_limits_lines_round_trip_and_take_a_new_value(lines: list[tuple[str, ...]], new: str) -> None:
    text = "".join(sep.join(columns) + "\n" for *columns, sep in lines)
    document = parse("/etc/security/limits.conf", text)
    assert document.kind is FileKind.LIMITS and document.text == text
    key = next(iter(document.sections()[""]))
    assert_only_the_key_changed(
        text, document.with_value("", key, new).text, "/etc/security/limits.conf", "", key, new
    )


scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)


@settings(deadline=None)
@given(
    st.dictionaries(st.text(max_size=6), json_values, min_size=1, max_size=5),
    st.sampled_from([None, 2, 4]),
    scalars,
)
def test_a_json_leaf_set_leaves_every_other_key_as_it_was(
    data: dict[str, object], indent: int | None, new: object
) -> None:
    text = json.dumps(data, indent=indent)
    document = parse("/etc/a.json", text)
    assert document.kind is FileKind.JSON and document.text == text
    section, keys = next(iter(document.sections().items()))
    key = next(iter(keys))
    edited = document.with_value(section, key, json.dumps(new))
    assert_only_the_key_changed(text, edited.text, "/etc/a.json", section, key, canonical(new))


yaml_keys = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
yaml_scalars = (
    st.booleans() | st.integers(-1000, 1000) | st.from_regex(r"[a-z][a-z ]{0,8}[a-z]", fullmatch=True)
)


@settings(deadline=None)
@given(
    st.dictionaries(
        yaml_keys, yaml_scalars | st.dictionaries(yaml_keys, yaml_scalars, min_size=1, max_size=3), min_size=1
    ),
    yaml_scalars,
)
def test_a_yaml_leaf_set_leaves_every_other_key_as_it_was(data: dict[str, object], new: object) -> None:
    text = "# managed\n" + yaml.safe_dump(data, sort_keys=False)
    document = parse("/etc/a.yaml", text)
    assert document.kind is FileKind.YAML and document.text == text
    for section, keys in document.sections().items():
        for key in keys:
            edited = document.with_value(section, key, json.dumps(new))
            assert edited.text.startswith("# managed\n")
            assert_only_the_key_changed(text, edited.text, "/etc/a.yaml", section, key, json.dumps(new))
