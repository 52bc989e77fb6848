"""The status check's shortcuts give what the full comparison gives: a host's text equal to the
expected one is not parsed (its attributes still compared), hosts holding the same text share one
comparison (each with its own attributes), and a host's file is parsed reusing the lines the
expected file has. Pure logic: the comparison of texts already collected."""

from __future__ import annotations

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from gala_ragdoll.clients import HostFiles
from gala_ragdoll.clients import RealFile
from gala_ragdoll.parsers import compare
from gala_ragdoll.parsers import compare_real
from gala_ragdoll.parsers import parse
from gala_ragdoll.status import AttributeDiff
from gala_ragdoll.status import Expected
from gala_ragdoll.status import SyncState
from gala_ragdoll.status import domain_status
from gala_ragdoll.store import ExpectedFile
from gala_ragdoll.store import FileAttributes

PATH = "/etc/sysctl.d/90-app.conf"
TEXT = "net.ipv4.ip_forward = 1\nvm.swappiness = 10\n"
DRIFTED = TEXT.replace("= 10", "= 60")
MANAGED = ExpectedFile(PATH, TEXT, FileAttributes("0644", "root", "root"))


def host(host_id: str, text: str, mode: str = "0644", owner: str = "root") -> HostFiles:
    return HostFiles(host_id, {PATH: RealFile(PATH, text, mode, owner, "root")}, {})


def test_equal_bytes_with_another_mode_or_owner_is_not_synchronized() -> None:
    hosts = [host("same", TEXT), host("mode", TEXT, mode="0600"), host("owner", TEXT, owner="app")]
    found = {
        s.host_id: s.files[0]
        for s in domain_status([MANAGED], [h.host_id for h in hosts], {h.host_id: h for h in hosts})
    }
    assert found["same"].state is SyncState.SYNCHRONIZED and found["same"].attributes == ()
    assert found["mode"].state is SyncState.NOT_SYNCHRONIZE
    assert found["mode"].attributes == (AttributeDiff("mode", "0644", "0600"),)
    assert (found["mode"].keys, found["mode"].diff) == ((), "")
    assert found["owner"].attributes == (AttributeDiff("owner", "root", "app"),)


def test_hosts_drifted_alike_share_the_comparison_but_not_the_attributes() -> None:
    hosts = [
        host("a", DRIFTED),
        host("b", DRIFTED, mode="0640"),
        host("c", DRIFTED.replace("= 1\n", "= 0\n")),
    ]
    statuses = domain_status([MANAGED], ["a", "b", "c"], {h.host_id: h for h in hosts})
    a, b, c = (s.files[0] for s in statuses)
    assert [(k.key, k.expected, k.real) for k in a.keys] == [("vm.swappiness", "10", "60")]
    assert (a.keys, a.diff, a.kind) == (b.keys, b.diff, b.kind) and a.attributes == ()
    assert b.attributes == (AttributeDiff("mode", "0644", "0640"),)
    assert [(k.key, k.real) for k in c.keys] == [("net.ipv4.ip_forward", "0"), ("vm.swappiness", "60")]
    # Each as compared alone, without the other hosts.
    for status, one in zip((a, b, c), hosts, strict=True):
        assert Expected([MANAGED]).file_status(MANAGED, one) == status


def test_a_host_file_s_bad_line_is_reported_at_its_own_line_number() -> None:
    """A line the expected file does not have is read, and fails, as in a parse of its own."""
    expected = parse(PATH, TEXT)
    broken = TEXT + "not a key value line\n"
    result = compare_real(expected, PATH, broken)
    assert result.reason == "not a sysctl file: line 3: neither a comment nor key = value"
    assert result == compare(expected, parse(PATH, broken))


PATHS = [
    "/etc/sysctl.conf",
    "/etc/security/limits.conf",
    "/etc/sysconfig/network",
    "/etc/ssh/sshd_config",
    "/etc/yum.repos.d/a.repo",
    "/etc/app/app.conf",  # no rule: read by its content (ini only when it has a "[")
    "/etc/motd",
]
line = st.text(st.sampled_from(list("ab1 \t#;=:[]\"'\\$-*")), max_size=12).map(lambda s: s + "\n")


@settings(max_examples=300, deadline=None)
@given(
    path=st.sampled_from(PATHS),
    lines=st.lists(line, max_size=8),
    edits=st.lists(st.tuples(st.integers(0, 8), line), max_size=3),
)
def test_reading_a_host_s_file_like_the_expected_one_gives_the_same_document_and_result(
    path: str, lines: list[str], edits: list[tuple[int, str]]
) -> None:
    expected_text = "".join(lines)
    real_lines = list(lines)
    for at, new in edits:
        real_lines[at % (len(real_lines) + 1) : at % (len(real_lines) + 1) + 1] = [new]
    real_text = "".join(real_lines)
    expected = parse(path, expected_text)
    alone, like = parse(path, real_text), parse(path, real_text, like=expected)
    assert (like.kind, like.text, like.sections(), like.fallback_reason) == (
        alone.kind,
        alone.text,
        alone.sections(),
        alone.fallback_reason,
    )
    assert compare_real(expected, path, real_text) == compare(expected, alone)
