"""The SSH test hosts are real: logins, refusals, distinct hosts, Ansible, and a clean teardown."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import sshhosts
from tests.sshhosts import SshHosts
from tests.sshhosts import ansible_program
from tests.sshhosts import write_inventory


def remote(
    hosts: SshHosts, host: sshhosts.SshHost | str, command: str, **auth: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*hosts.ssh_command(host, **auth), command], capture_output=True, text=True, timeout=30, check=False
    )


def output(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def user_exists(name: str) -> bool:
    return subprocess.run(["id", name], capture_output=True, check=False).returncode == 0


def test_password_login_works_through_sshpass(test_hosts: SshHosts) -> None:
    result = remote(test_hosts, test_hosts.hosts[0], "id -un", auth="password")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == test_hosts.user


def test_key_login_works(test_hosts: SshHosts) -> None:
    result = remote(test_hosts, test_hosts.hosts[1], "id -un", auth="key")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == test_hosts.user


def test_a_wrong_password_is_refused(test_hosts: SshHosts) -> None:
    result = remote(
        test_hosts, test_hosts.hosts[0], "id -un", auth="password", password=test_hosts.wrong_password()
    )
    assert result.returncode == 255
    assert "Permission denied" in result.stderr


def test_root_cannot_log_in_with_the_test_users_key(test_hosts: SshHosts) -> None:
    command = test_hosts.ssh_command(test_hosts.hosts[0])
    command[-1] = f"root@{test_hosts.hosts[0].address}"
    result = subprocess.run([*command, "true"], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 255


def test_hosts_have_distinct_addresses_hostnames_and_roots_and_sudo_to_root(test_hosts: SshHosts) -> None:
    seen = []
    for host in test_hosts.hosts:
        result = remote(test_hosts, host, "hostname; ip -4 -o addr show dev eth0; sudo -n id -u")
        assert result.returncode == 0, result.stderr
        hostname, interface, uid = result.stdout.splitlines()
        assert hostname == host.name
        assert f" {host.address}/24 " in interface
        assert uid == "0"
        assert host.root.is_dir()
        seen.append((hostname, host.address, host.root))
    assert len({name for name, _, _ in seen}) == len({address for _, address, _ in seen}) == len(seen) == 2
    assert len({root for _, _, root in seen}) == 2


def test_the_unreachable_address_has_nothing_on_it(test_hosts: SshHosts) -> None:
    address = test_hosts.unreachable_address
    assert address not in {host.address for host in test_hosts.hosts}
    assert address.rsplit(".", 1)[0] == test_hosts.hosts[0].address.rsplit(".", 1)[0]
    with pytest.raises(OSError):
        socket.create_connection((address, 22), timeout=1).close()


def test_teardown_leaves_no_namespace_process_user_or_file(tmp_path: Path) -> None:
    with sshhosts.ssh_hosts(2) as hosts:
        started = hosts
        pids = [pid for namespace in hosts.namespaces() for pid in sshhosts._pids_in_namespace(namespace)]
        assert len(pids) >= 2  # one sshd per host
    assert_gone(started, pids)


def test_teardown_happens_when_the_block_fails() -> None:
    with pytest.raises(RuntimeError, match="test failed"), sshhosts.ssh_hosts(1) as hosts:
        started = hosts
        pids = sshhosts._pids_in_namespace(hosts.hosts[0].namespace)
        raise RuntimeError("test failed")
    assert_gone(started, pids)


def test_hosts_of_a_killed_run_are_removed_by_the_next_run() -> None:
    script = (
        "import json, time\n"
        "from tests import sshhosts\n"
        "hosts = sshhosts.start(1)\n"
        "print(json.dumps(hosts._state), flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    assert child.stdout is not None
    state = json.loads(child.stdout.readline())
    namespace = state["namespaces"][0]
    assert namespace in output("ip", "netns", "list")
    os.kill(child.pid, signal.SIGKILL)  # no finaliser runs: its hosts are left behind
    child.wait()
    with sshhosts._state_lock():
        cleaned = sshhosts.clean_stale_runs()
    assert state["run_id"] in cleaned
    assert namespace not in output("ip", "netns", "list")
    assert not Path(state["base"]).exists()
    assert not user_exists(state["user"])


def assert_gone(hosts: SshHosts, pids: list[int]) -> None:
    namespaces = output("ip", "netns", "list")
    assert not any(namespace in namespaces for namespace in hosts.namespaces())
    links = output("ip", "-o", "link")
    assert hosts.bridge not in links and f"aopst{hosts.run_id}h" not in links
    alive = {pid: Path(f"/proc/{pid}/stat").read_text() for pid in pids if sshhosts._pid_alive(pid)}
    assert not alive
    assert not user_exists(hosts.user)
    assert not Path(f"/etc/sudoers.d/{hosts.user}").exists()
    assert not hosts.base.exists()
    assert not (sshhosts.STATE_DIR / f"{hosts.run_id}.json").exists()


# ------------------------------------------------------------------------------------- Ansible


def test_ansible_ping_reaches_each_host_with_a_key_and_with_a_password(
    test_hosts: SshHosts, tmp_path: Path
) -> None:
    key_host, password_host = test_hosts.hosts
    inventory = {
        "all": {
            "hosts": {
                key_host.name: test_hosts.host_vars(key_host, auth="key"),
                password_host.name: test_hosts.host_vars(password_host, auth="password"),
            }
        }
    }
    path = write_inventory(tmp_path / "inventory.yml", inventory)
    result = subprocess.run(
        [ansible_program("ansible"), "all", "-i", str(path), "-m", "ansible.builtin.ping", "--one-line"],
        capture_output=True, text=True, env=test_hosts.ansible_env(), timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    for host in test_hosts.hosts:
        pong = f'{host.name} | SUCCESS => {{"changed": false,"ping": "pong"}}'
        assert pong in result.stdout.replace(", ", ",")


def test_ansible_reports_a_wrong_password_and_an_unreachable_address_as_unreachable(
    test_hosts: SshHosts, tmp_path: Path
) -> None:
    wrong = test_hosts.host_vars(test_hosts.hosts[0], auth="password", password=test_hosts.wrong_password())
    nowhere = test_hosts.host_vars(test_hosts.hosts[1]) | {"ansible_host": test_hosts.unreachable_address}
    inventory = {"all": {"hosts": {"wrong_password": wrong, "nowhere": nowhere}}}
    path = write_inventory(tmp_path / "inventory.yml", inventory)
    started = time.monotonic()
    result = subprocess.run(
        [ansible_program("ansible"), "all", "-i", str(path), "-m", "ansible.builtin.ping", "--one-line",
         "-T", "3"],
        capture_output=True, text=True, env=test_hosts.ansible_env(), timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 4, result.stdout + result.stderr  # 4: some hosts were unreachable
    assert "wrong_password | UNREACHABLE!" in result.stdout
    assert "Permission denied" in result.stdout
    assert "nowhere | UNREACHABLE!" in result.stdout
    assert time.monotonic() - started < 30


PLAYBOOK = """
- hosts: all
  gather_facts: true
  gather_subset: ["!all", "network"]  # the facts this play reads, not the whole set
  become: true
  tasks:
    - name: Make a directory of this test in the host's root
      ansible.builtin.file:
        path: "{{ host_root }}/sshhosts-test"
        state: directory
        mode: "0755"
    - name: Write a file as root into the host's own root directory
      ansible.builtin.copy:
        dest: "{{ host_root }}/sshhosts-test/deployed"
        content: "{{ ansible_hostname }} {{ ansible_default_ipv4.address }}\\n"
        mode: "0640"
"""


def playbook_vars(hosts: SshHosts) -> dict[str, object]:
    return {
        "all": {
            "hosts": {
                host.name: hosts.host_vars(host) | {"host_root": str(host.root)} for host in hosts.hosts
            }
        }
    }


def test_ansible_playbook_becomes_root_and_writes_into_each_hosts_root(
    test_hosts: SshHosts, tmp_path: Path
) -> None:
    for host in test_hosts.hosts:
        shutil.rmtree(host.root / "sshhosts-test", ignore_errors=True)
    inventory = write_inventory(tmp_path / "inventory.yml", playbook_vars(test_hosts))
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    command = [ansible_program("ansible-playbook"), "-i", str(inventory), str(tmp_path / "play.yml")]
    for run, changed in ((1, 2), (2, 0)):
        result = subprocess.run(
            command, capture_output=True, text=True, env=test_hosts.ansible_env(), timeout=120, check=False
        )
        assert result.returncode == 0, f"run {run}: {result.stdout}{result.stderr}"
        for host in test_hosts.hosts:
            assert re.search(rf"{host.name} +: ok=3 +changed={changed} ", result.stdout), result.stdout
    for host in test_hosts.hosts:
        deployed = host.root / "sshhosts-test" / "deployed"
        assert deployed.read_text() == f"{host.name} {host.address}\n"
        assert deployed.stat().st_uid == 0 and oct(deployed.stat().st_mode & 0o777) == "0o640"


def test_ansible_runner_runs_a_playbook_on_the_hosts(test_hosts: SshHosts, tmp_path: Path) -> None:
    import ansible_runner

    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "inventory").mkdir()
    (private / "project" / "play.yml").write_text(PLAYBOOK)
    write_inventory(private / "inventory" / "hosts.yml", playbook_vars(test_hosts))
    env = test_hosts.ansible_env()
    settings = {key: value for key, value in env.items() if key.startswith("ANSIBLE_") or key == "PATH"}
    result = ansible_runner.run(
        private_data_dir=str(private),
        playbook="play.yml",
        envvars=settings,
        quiet=True,
    )
    assert result.status == "successful", result.stdout.read()
    assert set(result.stats["ok"]) == {host.name for host in test_hosts.hosts}
    assert not result.stats["failures"] and not result.stats["dark"]
    hosts_done = {event["event_data"]["host"] for event in result.events if event["event"] == "runner_on_ok"}
    assert hosts_done == {host.name for host in test_hosts.hosts}
