"""`aops task --action execute|status|cancel` against a real manager running real Ansible (SQLite)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest

from tests import sshhosts
from tests.aops_cli.conftest import Cli
from tests.aops_manager.deploying import DEPLOY_CONF
from tests.aops_manager.deploying import add_host
from tests.aops_manager.deploying import generate
from tests.aops_manager.deploying import running_hosts
from tests.aops_manager.deploying import template
from tests.aops_manager.deploying import wait_for
from tests.suite import Suite
from tests.suite import running_suite


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    conf_dir = tmp_path_factory.mktemp("conf")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AOPS_CONF_DIR", str(conf_dir))
        with running_suite(conf_dir, relational="sqlite", document="sql", deploy=DEPLOY_CONF) as running:
            yield running


@pytest.fixture(scope="module")
def hosts() -> Iterator[sshhosts.SshHosts]:
    yield from running_hosts(2)


@pytest.fixture
def token(suite: Suite, hosts: sshhosts.SshHosts) -> str:
    for host in hosts.hosts:
        shutil.rmtree(host.root / "opt", ignore_errors=True)
    return suite.add_user()[1]


def task_of(suite: Suite, token: str, hosts: sshhosts.SshHosts, **testpkg: object) -> str:
    a = add_host(suite, token, hosts, hosts.hosts[0])
    b = add_host(suite, token, hosts, hosts.hosts[1], auth="key")
    base = str(hosts.base / "hosts")
    steps = template({"testpkg": {"enable": True}}, {"testpkg": {"hosts_base": base, **testpkg}})
    return generate(suite, token, [steps], [(a, ["testpkg"]), (b, ["testpkg"])])


def started_run(out: str) -> str:
    found = re.search(r"started run ([0-9a-f]{32}) of task ", out)
    assert found, out
    return found.group(1)


def test_execute_asks_then_status_follows_the_run_host_by_host_until_it_ends(
    cli: Cli, suite: Suite, token: str, hosts: sshhosts.SshHosts
) -> None:
    task_id = task_of(suite, token, hosts, greeting="cli")
    out = cli.ok(f"task --action execute --task_list {task_id} --access_token {token}", stdin="y\n").out
    assert "warning: the hosts' software and configuration may change" in out
    assert f"{hosts.hosts[0].name} (testpkg), {hosts.hosts[1].name} (testpkg)" in out
    run_id = started_run(out)
    assert f"follow it: aops task --action status --run_id {run_id}" in out

    out = cli.ok(f"task --action status --run_id {run_id} --access_token {token}").out
    lines = out.splitlines()
    for host in hosts.hosts:
        assert f"testpkg {host.name}: changed" in lines, out
    assert re.fullmatch(rf"run {run_id} of task task \w+: succeeded in [0-9.]+ s", lines[-1]), out
    assert (hosts.hosts[0].root / "opt" / "testpkg" / "testpkg.conf").read_text() == "greeting=cli\n"

    reply = cli.ok(f"--json task --action status --task_list {task_id} --access_token {token}").json
    assert [r["run_id"] for r in reply["run_list"]] == [run_id]
    assert reply["run"]["status"] == "succeeded"
    assert {h["status"] for h in reply["run"]["steps"][0]["hosts"]} == {"changed"}


def test_a_declined_execute_starts_nothing(
    cli: Cli, suite: Suite, token: str, hosts: sshhosts.SshHosts
) -> None:
    task_id = task_of(suite, token, hosts)
    result = cli.run(f"task --action execute --task_list {task_id} --access_token {token}", stdin="n\n")
    assert result.code == 1 and "Aborted!" in result.err
    reply = cli.ok(f"--json task --action status --task_list {task_id} --access_token {token}").json
    assert reply["total_count"] == 0


def test_check_mode_and_a_failed_run_exit_as_they_went(
    cli: Cli, suite: Suite, token: str, hosts: sshhosts.SshHosts
) -> None:
    task_id = task_of(suite, token, hosts, fail_on=[hosts.hosts[1].name])
    out = cli.ok(f"task --action execute --task_list {task_id} --check --yes --access_token {token}").out
    run_id = started_run(out)
    result = cli.run(f"task --action status --run_id {run_id} --access_token {token}")
    assert result.code == 1, (result.out, result.err)
    lines = result.out.splitlines()
    assert f"testpkg {hosts.hosts[0].name}: changed" in lines
    assert (
        f"testpkg {hosts.hosts[1].name}: failed Start testpkg testpkg did not start on {hosts.hosts[1].name}"
    ) in lines
    assert lines[-1].startswith(f"run {run_id} of task ") and " (check mode): failed in " in lines[-1]
    assert lines[-1].endswith(": failed steps: testpkg")
    assert not (hosts.hosts[0].root / "opt").exists()


def test_cancel_stops_a_running_run(cli: Cli, suite: Suite, token: str, hosts: sshhosts.SshHosts) -> None:
    task_id = task_of(suite, token, hosts, slow=120)
    run_id = started_run(
        cli.ok(f"task --action execute --task_list {task_id} --yes --access_token {token}").out
    )
    wait_for(suite, token, run_id, lambda r: r["steps"][0]["status"] == "running")
    out = cli.ok(f"task --action cancel --run_id {run_id} --access_token {token}").out
    assert out == f"cancelling run {run_id}\n"
    result = cli.run(f"task --action status --run_id {run_id} --access_token {token}")
    assert result.code == 1
    assert result.out.splitlines()[-1].endswith(": cancelled: the run was cancelled") or re.search(
        r": cancelled in [0-9.]+ s: the run was cancelled$", result.out.splitlines()[-1]
    ), result.out
    err = cli.fails(f"task --action cancel --run_id {run_id} --access_token {token}")
    assert err == "aops: the run has already ended (cancelled) (code 1000: request parameter error)"


def test_options_of_another_action_are_refused(cli: Cli, token: str) -> None:
    cli.refuses(f"task --action status --check --run_id {'a' * 32} --access_token {token}", says="--check")
    cli.refuses(f"task --action status --access_token {token}", says="--run_id or --task_list")
