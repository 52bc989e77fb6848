"""Parsers: chosen by path and content, keys by section, edits that keep every other byte."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest

from gala_ragdoll.parsers import EditError
from gala_ragdoll.parsers import FileKind
from gala_ragdoll.parsers import KeyDiff
from gala_ragdoll.parsers import compare
from gala_ragdoll.parsers import compare_real
from gala_ragdoll.parsers import parse

# Every section of openEuler 21.09's openEuler.repo has this shape; two of them are enough here.
REPO_SECTION = """[{name}]
name={name}
baseurl=http://repo.openeuler.org/openEuler-21.09/{name}/$basearch/
enabled=1
gpgcheck=1
gpgkey=http://repo.openeuler.org/openEuler-21.09/{name}/$basearch/RPM-GPG-KEY-openEuler
"""
OPENEULER_REPO = "#generic-repos is licensed under the Mulan PSL v2.\n" + "\n".join(
    REPO_SECTION.format(name=name) for name in ("OS", "everything")
)

SSHD = """# comment
Port 22
PermitRootLogin yes
HostKey /etc/ssh/ssh_host_rsa_key
HostKey /etc/ssh/ssh_host_ed25519_key

Match User anoncvs
\tX11Forwarding no
\tAllowTcpForwarding no
Match Address 10.0.0.0/8
\tPasswordAuthentication yes
"""


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.split("\n"), after.split("\n")
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def machine_files() -> list[str]:
    wanted = ["/etc/ssh/sshd_config", "/etc/sysctl.conf", "/etc/security/limits.conf"]
    wanted += glob.glob("/etc/yum.repos.d/*.repo") + glob.glob("/etc/apt/sources.list.d/*.sources")
    wanted += glob.glob("/etc/apt/sources.list") + glob.glob("/etc/default/*")
    return [p for p in wanted if Path(p).is_file()]


@pytest.mark.parametrize("path", machine_files())
def test_a_file_of_this_machine_round_trips_byte_identical(path: str) -> None:
    text = Path(path).read_text(encoding="utf-8", errors="surrogateescape")
    document = parse(path, text)
    assert document.text == text
    assert compare(document, parse(path, text)).synced


def test_the_machine_s_sshd_config_and_apt_sources_are_read_by_their_types() -> None:
    sshd = Path("/etc/ssh/sshd_config").read_text()
    assert parse("/etc/ssh/sshd_config", sshd).kind is FileKind.SSHD
    assert parse("/etc/ssh/sshd_config", sshd).fallback_reason is None
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    if sources.is_file():
        document = parse(str(sources), sources.read_text())
        assert document.kind is FileKind.DEB822
        assert document.sections()["1"]["Types"] == "deb"


def test_a_parser_is_chosen_by_path_then_by_content() -> None:
    assert parse("/etc/yum.repos.d/openEuler.repo", OPENEULER_REPO).kind is FileKind.INI
    assert parse("/etc/sysctl.d/99-net.conf", "net.ipv4.ip_forward = 1\n").kind is FileKind.SYSCTL
    assert parse("/etc/security/limits.d/20-nproc.conf", "* soft nproc 4096\n").kind is FileKind.LIMITS
    assert parse("/etc/sysconfig/network-scripts/ifcfg-eth0", "ONBOOT=yes\n").kind is FileKind.SHELL
    assert parse("/opt/app/settings", '{"a": 1}').kind is FileKind.JSON
    assert parse("/etc/coremail/coremail.conf", "[Default]\nHostid=1\n").kind is FileKind.INI
    assert parse("/etc/app/app.conf", "threads = 4\nname=x\n").kind is FileKind.KEY_VALUE
    assert parse("/etc/motd", "Welcome = friends\n").kind is FileKind.TEXT
    assert parse("/etc/app/config.yaml", "a: 1\n").kind is FileKind.YAML


def test_bad_content_of_a_typed_file_is_read_as_text_with_the_reason() -> None:
    document = parse("/etc/yum.repos.d/bad.repo", "[OS]\nname=OS\nthis is not ini\n")
    assert document.kind is FileKind.TEXT
    assert (
        document.fallback_reason == "not a ini file: line 3: neither a [section], a comment nor key = value"
    )
    for path, text in [
        ("/etc/a.json", '{"a": '),
        ("/etc/a.yaml", "a: [1\n"),
        ("/etc/sysctl.conf", "kernel.panic\n"),
        ("/etc/security/limits.conf", "* soft\n"),
        ("/etc/sysconfig/x", 'A="unclosed\n'),
        ("/etc/ssh/sshd_config", "Port: 22\n"),
    ]:
        document = parse(path, text)
        assert (document.kind, document.text) == (FileKind.TEXT, text)
        assert document.fallback_reason


def test_ini_keys_by_section_with_continuation_lines_and_keys_before_any_section() -> None:
    text = "top = 1\n[OS]\nname = OS\ngpgkey=http://a\n    http://b\n; comment\n[OS]\nenabled: 1\n"
    assert parse("/x.ini", text).sections() == {
        "": {"top": "1"},
        "OS": {"name": "OS", "gpgkey": "http://a\nhttp://b", "enabled": "1"},
    }


def test_setting_an_ini_key_changes_only_its_value() -> None:
    document = parse("/etc/yum.repos.d/openEuler.repo", OPENEULER_REPO)
    edited = document.with_value("everything", "enabled", "0")
    assert changed_lines(OPENEULER_REPO, edited.text) == [("enabled=1", "enabled=0")]
    assert edited.sections()["OS"]["enabled"] == "1"


def test_a_new_ini_key_goes_after_its_section_s_keys_and_a_new_section_at_the_end() -> None:
    document = parse("/etc/yum.repos.d/openEuler.repo", OPENEULER_REPO)
    edited = document.with_value("OS", "priority", "1").with_value("update", "name", "update")
    assert (
        edited.text
        == OPENEULER_REPO.replace(
            "RPM-GPG-KEY-openEuler\n\n[everything]", "RPM-GPG-KEY-openEuler\npriority=1\n\n[everything]"
        )
        + "\n[update]\nname=update\n"
    )


def test_files_compare_by_section_and_key_name_not_by_position() -> None:
    expected = parse("/etc/yum.repos.d/openEuler.repo", OPENEULER_REPO)
    sections = OPENEULER_REPO.split("\n\n")
    reordered = parse("/etc/yum.repos.d/openEuler.repo", sections[1] + "\n\n" + sections[0] + "\n")
    assert compare(expected, reordered).synced
    drifted = parse(
        "/etc/yum.repos.d/openEuler.repo", OPENEULER_REPO.replace("gpgcheck=1\n", "", 1) + "x=1\n"
    )
    result = compare(expected, drifted)
    assert not result.synced
    assert result.keys == (
        KeyDiff("OS", "gpgcheck", "1", None),
        KeyDiff("everything", "x", None, "1"),
    )
    assert "-gpgcheck=1\n" in result.unified_diff()


def test_comments_and_spacing_do_not_drift_a_typed_file_but_show_in_the_diff() -> None:
    expected = parse("/etc/sysctl.conf", "net.ipv4.ip_forward = 1\n")
    real = parse("/etc/sysctl.conf", "# routing\nnet/ipv4/ip_forward=1\n")
    result = compare(expected, real)
    assert result.synced and result.keys == ()
    assert result.unified_diff() != []


def test_sshd_match_blocks_are_sections_and_keywords_ignore_case() -> None:
    document = parse("/etc/ssh/sshd_config", SSHD)
    assert document.sections() == {
        "": {
            "Port": "22",
            "PermitRootLogin": "yes",
            "HostKey": "/etc/ssh/ssh_host_rsa_key\n/etc/ssh/ssh_host_ed25519_key",
        },
        "Match User anoncvs": {"X11Forwarding": "no", "AllowTcpForwarding": "no"},
        "Match Address 10.0.0.0/8": {"PasswordAuthentication": "yes"},
    }
    real = parse("/etc/ssh/sshd_config", SSHD.replace("PermitRootLogin yes", "permitrootlogin no"))
    assert compare(document, real).keys == (KeyDiff("", "PermitRootLogin", "yes", "no"),)


def test_setting_an_sshd_key_in_a_match_block_keeps_its_indent() -> None:
    document = parse("/etc/ssh/sshd_config", SSHD)
    edited = document.with_value("match user anoncvs", "x11forwarding", "yes")
    assert changed_lines(SSHD, edited.text) == [("\tX11Forwarding no", "\tX11Forwarding yes")]
    added = document.with_value("Match User anoncvs", "PermitTTY", "no")
    assert "\tAllowTcpForwarding no\n\tPermitTTY no\nMatch Address" in added.text
    top = document.with_value("", "MaxAuthTries", "3")
    assert "/etc/ssh/ssh_host_ed25519_key\nMaxAuthTries 3\n\nMatch User" in top.text


def test_a_repeated_sshd_keyword_is_set_as_all_its_values() -> None:
    document = parse("/etc/ssh/sshd_config", SSHD)
    edited = document.with_value("", "HostKey", "/k1")
    assert edited.sections()[""]["HostKey"] == "/k1"
    assert edited.text.count("HostKey") == 1
    more = document.with_value("", "HostKey", "/k1\n/k2\n/k3")
    assert "HostKey /k1\nHostKey /k2\nHostKey /k3\n\nMatch" in more.text


def test_limits_keys_are_the_first_three_columns() -> None:
    text = (
        "# /etc/security/limits.conf\n*               soft    core            0\n@student   hard nproc 20\n"
    )
    document = parse("/etc/security/limits.conf", text)
    assert document.sections() == {"": {"* soft core": "0", "@student hard nproc": "20"}}
    edited = document.with_value("", "@student  hard  nproc", "30").with_value("", "root soft nofile", "1024")
    assert edited.text == text.replace("nproc 20", "nproc 30") + "root       soft nofile 1024\n"
    with pytest.raises(EditError):
        document.with_value("", "root soft", "1")


def test_sysconfig_values_are_unquoted_as_the_shell_does_and_quoted_when_set() -> None:
    text = "# network\nNETWORKING=yes\nNAME=\"eth 0\" # the name\nexport PEERDNS='no'\nDESC=a\\ b\nEMPTY=\n"
    document = parse("/etc/sysconfig/network", text)
    assert document.sections() == {
        "": {"NETWORKING": "yes", "NAME": "eth 0", "PEERDNS": "no", "DESC": "a b", "EMPTY": ""}
    }
    edited = document.with_value("", "NAME", 'say "hi" $HOME').with_value("", "NETWORKING", "no")
    assert changed_lines(text, edited.text) == [
        ("NETWORKING=yes", "NETWORKING=no"),
        ('NAME="eth 0" # the name', 'NAME="say \\"hi\\" \\$HOME" # the name'),
    ]
    assert edited.sections()[""]["NAME"] == 'say "hi" $HOME'


def test_json_keys_are_paths_below_their_section_and_edits_keep_the_layout() -> None:
    text = '{\n    "server": {"port": 80, "tls": {"on": false}},\n    "name": "web",\n    "tags": [1, 2]\n}\n'
    document = parse("/etc/app.json", text)
    assert document.sections() == {
        "server": {"port": "80", "tls/on": "false"},
        "": {"name": '"web"', "tags": "[1,2]"},
    }
    edited = document.with_value("server", "tls/on", "true").with_value("", "owner", '"ops"')
    assert edited.text == text.replace('"on": false', '"on": true').replace(
        '"tags": [1, 2]', '"tags": [1, 2],\n    "owner": "ops"'
    )
    with pytest.raises(EditError):
        document.with_value("", "name", "not json")


def test_yaml_edits_keep_comments_and_add_keys_to_block_mappings() -> None:
    text = "# app\nserver:\n  port: 80  # http\n  hosts:\n    - a\n    - b\nname: web\n"
    document = parse("/etc/app.yml", text)
    assert document.sections() == {"server": {"port": "80", "hosts": '["a","b"]'}, "": {"name": '"web"'}}
    edited = document.with_value("server", "port", "8080").with_value("server", "tls", "true")
    assert edited.text == text.replace("port: 80 ", "port: 8080 ").replace(
        "    - b\n", "    - b\n  tls: true\n"
    )
    assert edited.with_value("", "name", '"yes"').sections()[""]["name"] == '"yes"'


def test_text_files_compare_as_a_line_diff() -> None:
    expected = parse("/etc/motd", "hello\nworld\n")
    real = parse("/etc/motd", "hello\nthere\n")
    result = compare(expected, real)
    assert (result.kind, result.synced, result.keys) == (FileKind.TEXT, False, ())
    assert result.unified_diff("/etc/motd")[2:] == ["@@ -1,2 +1,2 @@\n", " hello\n", "-world\n", "+there\n"]
    assert expected.with_value("", "2", "there").text == real.text


def test_a_file_read_as_text_on_one_side_compares_as_text_with_the_reason() -> None:
    expected = parse("/etc/sysctl.conf", "kernel.panic = 1\n")
    real = parse("/etc/sysctl.conf", "kernel.panic\n")
    result = compare(expected, real)
    assert not result.synced and result.kind is FileKind.TEXT
    assert result.reason == "not a sysctl file: line 1: neither a comment nor key = value"


def test_a_host_s_file_is_compared_with_the_expected_document_parsed_once() -> None:
    expected = parse("/etc/ssh/sshd_config", SSHD)
    assert compare_real(expected, "/etc/ssh/sshd_config", SSHD).synced
    drifted = compare_real(expected, "/etc/ssh/sshd_config", SSHD.replace("Port 22", "Port 2222"))
    assert drifted.keys == (KeyDiff("", "Port", "22", "2222"),)
