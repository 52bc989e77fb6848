"""The `aops` CLI against a real manager: the 21.09 commands as written, output and errors."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from aops_utils.auth import TokenCodec
from aops_utils.auth import load_secret
from aops_utils.data_center import DataCenter
from tests.aops_cli.conftest import Api
from tests.aops_cli.conftest import Cli
from tests.suite import Suite
from tests.suite import fake_sshd
from tests.suite import free_port


def host_names(cli: Cli, token: str, options: str) -> list[str]:
    reply = cli.ok(f"--json host --action query {options} --access_token {token}").json
    return [h["host_name"] for h in reply["host_infos"]]


def test_the_21_09_host_and_group_commands_run_as_written_in_the_manual(
    cli: Cli, token: str, name: str
) -> None:
    g1, h1, t = f"{name}g1", f"{name}h1", token
    out = cli.ok(f'group --action add --host_group_name {g1} --description "web tier" --access_token {t}').out
    assert out == f"added host group {g1}\n"
    out = cli.ok(
        f"host --action add --host_name {h1} --host_group_name {g1} --public_ip 10.0.0.1 --ssh_port 22 "
        f"--management False --username root --password pw --sudo_password pw --key vault-key-0123 "
        f"--access_token {t}"
    ).out
    host_id = out.split()[-1].rstrip(")")
    assert out.startswith(f"added 1 host ({h1} ") and len(host_id) == 32

    out = cli.ok(
        f"host --action query --host_group_name {g1},{name}g2 --management True --sort host_name "
        f"--direction desc --page 1 --per_page 20 --verbose True --access_token {t}"
    ).out
    assert out == "no hosts\n"  # h1 is a monitored node, not a management node
    out = cli.ok(
        f"host --action query --host_group_name {g1},{name}g2 --management False --sort host_name "
        f"--direction desc --page 1 --per_page 20 --verbose True --access_token {t}"
    ).out
    header, _rule, row, summary = out.splitlines()
    assert header.split() == [
        "host_id", "host_name", "host_group_name", "public_ip", "ssh_port", "management", "status",
        "os", "cpu", "memory",
    ]  # fmt: skip
    assert row.split()[:6] == [host_id, h1, g1, "10.0.0.1", "22", "False"]
    assert summary == "1 of 1 host, page 1/1"

    out = cli.ok(f"group --action query --page 1 --per_page 20 --access_token {t}").out
    assert any(line.split() == [g1, "web", "tier", "1"] for line in out.splitlines())
    count = cli.ok(f"--json stat --action count --field host --access_token {t}").json["host_count"]
    assert cli.ok(f"stat --action count --field host --access_token {t}").out == f"{count} host\n"

    err = cli.fails(f"group --action delete --host_group_list {g1} --access_token {t}")
    assert err == f"aops: these groups still hold hosts: {g1} (code 1106: delete fail for it has dependency)"
    assert cli.ok(f"host --action delete --host_list {host_id} --access_token {t}").out == "deleted 1 host\n"
    out = cli.ok(f"group --action delete --host_group_list {g1},{name}gone --access_token {t}").out
    assert out == f"deleted 1 host group: {g1}; no such host group: {name}gone\n"
    assert g1 not in cli.ok(f"group --action query --access_token {t}").out


def test_host_query_filters_by_group_and_role_sorts_and_pages(
    cli: Cli, api: Api, token: str, name: str
) -> None:
    a, b = f"{name}a", f"{name}b"
    api.group(a)
    api.group(b)
    api.host(f"{name}1", a, management=True)
    api.host(f"{name}2", b)
    api.host(f"{name}3", b)

    assert host_names(cli, token, f"--host_group_name {b} --sort host_name") == [f"{name}2", f"{name}3"]
    assert host_names(cli, token, f"--host_group_name {a},{b} --management yes") == [f"{name}1"]
    assert host_names(cli, token, f"--host_group_name {a},{b} --management 0 --sort host_name") == [
        f"{name}2", f"{name}3",
    ]  # fmt: skip
    assert host_names(cli, token, f"--host_group_name {a},{b} --sort host_name --direction desc") == [
        f"{name}3", f"{name}2", f"{name}1",
    ]  # fmt: skip
    first = host_names(
        cli, token, f"--host_group_name {a},{b} --sort host_group_name --direction desc --per_page 1"
    )
    assert first in ([f"{name}2"], [f"{name}3"])
    out = cli.ok(
        f"host --action query --host_group_name {a},{b} --sort host_name --page 2 --per_page 2",
        f"--access_token={token}",
    ).out
    assert out.splitlines()[2].split()[1] == f"{name}3"
    assert out.splitlines()[-1] == "1 of 3 hosts, page 2/2"


def test_verbose_host_query_shows_the_stored_host_details(
    suite: Suite, cli: Cli, api: Api, name: str
) -> None:
    api.group(name)
    host_id = api.host(f"{name}h", name)
    center = DataCenter(suite.database_url, TokenCodec(load_secret(suite.conf_dir / "secret.key")), "test")
    infos = {"os": {"kernel": "5.10.0"}, "cpu": {"core_count": 8}, "memory": {"size": "16G"}}
    center.post("/data/host/info/save", {"host_infos": [{"host_id": host_id, "infos": infos}]})
    query = f"host --action query --host_group_name {name} --verbose True --access_token {api.token}"
    out = cli.ok(query).out
    assert "kernel=5.10.0" in out and "core_count=8" in out and "size=16G" in out
    assert cli.ok(query, "--json").json["host_infos"][0]["infos"] == infos


def test_certificate_accepts_the_right_key_and_rejects_a_wrong_one_with_code_1203(
    cli: Cli, api: Api, name: str
) -> None:
    api.group(name)
    api.host(f"{name}h", name)
    assert (
        cli.ok(f"certificate --key vault-key-0123 --access_token {api.token}").out == "vault key accepted\n"
    )
    err = cli.fails(f"certificate --key wrong --access_token {api.token}")
    assert err == (
        "aops: the key does not open the stored host credentials (code 1203: missing or invalid vault "
        "password, please certificate the vault password)"
    )


def test_json_output_is_exactly_the_manager_reply_wherever_the_flag_is_given(api: Api, cli: Cli) -> None:
    body = {"sort": "host_group_name", "direction": "asc", "page": 1, "per_page": 20}
    direct = api.call("/manage/host/group/get", body)
    query = f"group --action query --sort host_group_name --access_token {api.token}"
    assert cli.ok(f"--json {query}").json == direct
    assert cli.ok(f"{query} --json").json == direct
    count = cli.ok(f"stat --action count --field host --json --access_token {api.token}").json
    assert count == api.call("/manage/host/count", {})


def test_json_output_of_an_error_is_the_reply_and_the_exit_status_is_1(cli: Cli, name: str) -> None:
    result = cli.run(f"--json group --action delete --host_group_list {name} --access_token bad")
    assert result.code == 1
    assert result.json["code"] == 1201 and result.json["detail"]
    assert result.one_error_line().endswith("(code 1201: the session is invalid)")


def test_host_add_takes_a_private_key_file_instead_of_a_password(
    cli: Cli, api: Api, name: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "id_ed25519"
    key_file.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n")
    api.group(name)
    add = (
        f"host --action add --host_group_name {name} --public_ip 10.0.0.9 --username root "
        "--key vault-key-0123"
    )
    out = cli.ok(f"{add} --host_name {name}k --private_key {key_file} --access_token {api.token}").out
    assert out.startswith(f"added 1 host ({name}k ")
    cli.refuses(
        f"{add} --host_name {name}n --access_token {api.token}",
        says="--action add needs --password or --private_key",
    )


def test_a_refused_host_add_names_the_host_the_reason_or_the_option(cli: Cli, token: str, name: str) -> None:
    err = cli.fails(
        f"host --action add --host_name {name}x --host_group_name {name}nog --public_ip 10.0.0.3 "
        f"--username root --password pw --key vault-key-0123 --access_token {token}"
    )
    assert f"failed: {name}x (host group {name}nog does not exist) (code 1102: " in err
    err = cli.fails(
        f"host --action add --host_name {'x' * 51} --host_group_name {name} --public_ip 10.0.0.3 "
        f"--username root --password pw --key vault-key-0123 --access_token {token}"
    )
    assert (
        err
        == "aops: --host_name: string should have at most 50 characters (code 1000: request parameter error)"
    )


def test_partial_success_exits_0_and_lists_what_failed(cli: Cli, api: Api, name: str) -> None:
    api.group(name)
    host_id = api.host(f"{name}h", name)
    out = cli.ok(f"host --action delete --host_list {host_id},nosuchid --access_token {api.token}").out
    assert out == "deleted 1 host, 1 failed: nosuchid\n"


def test_host_status_probes_the_hosts_and_shows_a_table(suite: Suite, cli: Cli, api: Api, name: str) -> None:
    api.group(name)
    sshd, ssh_port = fake_sshd(b"SSH-2.0-OpenSSH_9.2\r\n")
    up = api.host(f"{name}up", name, ip="127.0.0.1", port=ssh_port)
    down = api.host(f"{name}down", name, ip="127.0.0.2", port=free_port())
    try:
        out = cli.ok(f"host --action status --host_list {up},{down} --access_token {api.token}").out
    finally:
        sshd.close()
    lines = out.splitlines()
    assert [line.split() for line in lines[2:4]] == [
        [down, f"{name}down", "127.0.0.2", "offline"],
        [up, f"{name}up", "127.0.0.1", "online"],
    ]
    assert lines[-1] == "2 hosts: 1 offline, 1 online"


def test_group_query_sorts_by_host_count(cli: Cli, api: Api, name: str) -> None:
    for group, hosts in ((f"{name}0", 0), (f"{name}2", 2), (f"{name}1", 1)):
        api.group(group)
        for index in range(hosts):
            api.host(f"{group}h{index}", group)
    query = (
        f"group --action query --sort host_count --direction desc --per_page 50 --access_token {api.token}"
    )
    mine = [line.split()[0] for line in cli.ok(query).out.splitlines() if line.startswith(name)]
    assert mine == [f"{name}2", f"{name}1", f"{name}0"]


def test_a_bad_management_value_is_a_usage_error(cli: Cli, token: str) -> None:
    err = cli.fails(f"host --action query --management maybe --access_token {token}", code=2)
    assert "'maybe' is not a boolean; use True or False" in err and "Traceback" not in err


def test_an_empty_element_in_a_comma_list_is_a_usage_error(cli: Cli, token: str) -> None:
    cli.refuses(
        f"host --action delete --host_list id1,,id2 --access_token {token}",
        says="'id1,,id2' has an empty element at position 2",
    )
    cli.refuses(
        f"group --action delete --host_group_list '' --access_token {token}", says="must not be empty"
    )


def test_an_option_of_another_action_is_a_usage_error(cli: Cli) -> None:
    cli.refuses(
        "host --action delete --host_list x --host_name h",
        says="--host_name does not apply to --action delete",
    )
    cli.refuses(
        "group --action query --host_group_name g", says="--host_group_name does not apply to --action query"
    )
    cli.refuses(
        "host --action add --host_name a,b --host_group_name g --public_ip 10.0.0.1 --username r --password",
        "p",
        says="--action add takes exactly one --host_name, got 2",
    )


def test_an_unreachable_manager_is_reported_in_one_line_with_exit_1(cli: Cli, token: str) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    line = cli.fails(f"--manager {url} host --action query --access_token {token}")
    assert line.startswith(
        f"aops: cannot reach {url}/manage/host/get: Connection refused; the manager may be down"
    )
    assert line.endswith("(code 1001: restful connection error)")
    line = cli.fails(f"group --action query --access_token {token}", env={"AOPS_MANAGER_URL": url})
    assert f"cannot reach {url}/" in line


def test_the_manager_option_wins_over_the_environment(suite: Suite, cli: Cli, token: str) -> None:
    closed = {"AOPS_MANAGER_URL": f"http://127.0.0.1:{free_port()}"}
    cli.ok(
        f"--manager {suite.manager_url} stat --action count --field host --access_token {token}", env=closed
    )


class _NotAManager(http.server.BaseHTTPRequestHandler):
    """Answers HTML, like a proxy in front of a dead manager; paths under /slow answer late."""

    def do_POST(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(2)
        body = b"<html><body>502 Bad Gateway</body></html>"
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def not_a_manager() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotAManager)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_reply_that_is_not_json_is_reported_in_one_line(cli: Cli, not_a_manager: str) -> None:
    line = cli.fails(f"--manager {not_a_manager} stat --action count --field host --access_token t")
    assert "/manage/host/count answered HTTP 502 with something that is not an A-Ops reply: <html>" in line
    assert line.endswith("(code 500: internal server error)")


def test_a_manager_that_does_not_answer_in_time_is_a_timeout(cli: Cli, not_a_manager: str) -> None:
    line = cli.fails(
        f"--manager {not_a_manager}/slow --timeout 0.5 stat --action count --field host --access_token t"
    )
    assert "/manage/host/count did not answer within 0.5 s (code 1001: " in line


def test_version_prints_the_package_version(cli: Cli) -> None:
    assert cli.ok("--version").out == f"aops {version('aops')}\n"


def test_help_lists_the_commands_and_documents_the_exit_statuses(cli: Cli) -> None:
    out = cli.ok("--help").out
    for command in ("account", "certificate", "group", "host", "login", "logout", "standalone", "stat"):
        assert f"\n  {command} " in out
    assert "including partial success (code 206)" in out
