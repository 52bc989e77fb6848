"""A manager killed during a run: its run ends as interrupted, at its restart or when its lease ends."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from aops_manager.deploy import workdir
from aops_manager.deploy.worker import LEFT_BEHIND
from tests import sshhosts
from tests.aops_manager.deploying import ANSIBLE_DIR
from tests.aops_manager.deploying import add_host
from tests.aops_manager.deploying import execute
from tests.aops_manager.deploying import template
from tests.aops_manager.deploying import wait_for
from tests.aops_manager.deploying import wait_run
from tests.suite import Suite
from tests.suite import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclasses.dataclass
class Manager:
    """A manager of its own process (`python -m aops_manager serve --dev`) beside the suite's."""

    conf_dir: Path
    url: str
    process: subprocess.Popen[bytes] | None = None

    def start(self, *, uwsgi: bool = False) -> None:
        """Serve with the threaded development server, or under uWSGI as shipped."""
        env = {**os.environ, "AOPS_CONF_DIR": str(self.conf_dir), "PYTHONPATH": str(ROOT)}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        log = (self.conf_dir / "manager.out").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aops_manager", "serve", *(() if uwsgi else ("--dev",))],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.ConnectionError):
                requests.post(f"{self.url}/manage/host/count", json={}, timeout=5)
                return
            assert self.process.poll() is None, (self.conf_dir / "manager.out").read_text()[-2000:]
            assert time.monotonic() < deadline, "the manager did not start"
            time.sleep(0.2)

    def stop(self) -> None:
        """As systemd stops it: SIGTERM, then wait."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)

    def kill(self) -> None:
        """As a crash does: the manager alone, SIGKILL; what it started keeps running."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    @property
    def data_dir(self) -> Path:
        return self.conf_dir / "deploy"


@contextlib.contextmanager
def separate_manager(suite: Suite, tmp: Path, lease: int, *, uwsgi: bool = False) -> Iterator[Manager]:
    """A second manager on the suite's data center, with a data directory of its own."""
    conf = tmp / "conf"
    conf.mkdir()
    shutil.copy(suite.conf_dir / "system.ini", conf / "system.ini")
    port = free_port()
    (conf / "manager.ini").write_text(
        f"[manager]\nport={port}\nhost_status_interval=0\n"
        f"[deploy]\ndata_dir={conf / 'deploy'}\nansible_dir={ANSIBLE_DIR}\nconnect_timeout=3\n"
        f"run_lease={lease}\nstatus_interval=0.2\ncollect_facts=false\n"
        "[uwsgi]\nprocesses=1\nthreads=4\n"
    )
    manager = Manager(conf, f"http://127.0.0.1:{port}")
    try:
        manager.start(uwsgi=uwsgi)
        yield manager
    finally:
        if manager.process is not None and manager.process.poll() is None:
            manager.kill()
        # Whatever a killed manager's run left running (the lease test leaves it on purpose).
        workdir.kill_users(manager.data_dir)


def slow(hosts: sshhosts.SshHosts) -> dict[str, object]:
    base = str(hosts.base / "hosts")
    return template(
        {"testpkg": {"enable": True}, "probe": {"enable": True}},
        {"testpkg": {"hosts_base": base, "slow": 300}, "probe": {"hosts_base": base}},
    )


def start_run(suite: Suite, manager: Manager, hosts: sshhosts.SshHosts) -> tuple[str, str]:
    """A slow run of a fresh user's on the separate manager, once its first step runs on the host;
    returns the user's token and the run id."""
    through = dataclasses.replace(suite, manager_url=manager.url)
    _, token = suite.add_user()
    a = add_host(through, token, hosts, hosts.hosts[0], auth="key")  # the key in that manager
    _, run_id = execute(through, token, [slow(hosts)], [(a, ["testpkg", "probe"])])
    wait_for(suite, token, run_id, lambda r: r["steps"][0]["hosts"][0]["status"] == "running")
    assert (manager.data_dir / "runs" / run_id).is_dir()
    return token, run_id


def check_interrupted(run: dict[str, object], reason: str = LEFT_BEHIND) -> None:
    assert run["status"] == "interrupted" and run["reason"] == reason, run
    steps = run["steps"]
    assert [s["status"] for s in steps] == ["interrupted", "interrupted"]  # type: ignore[attr-defined]
    assert [h["status"] for s in steps for h in s["hosts"]] == ["interrupted", "interrupted"]  # type: ignore[attr-defined]


def test_a_restarted_manager_ends_the_run_it_was_running_and_clears_what_it_left(
    deploy_suite: Suite, deploy_hosts: sshhosts.SshHosts, clean_roots: None, tmp_path: Path
) -> None:
    # A long lease: only the restart can end the run within the test's wait.
    with separate_manager(deploy_suite, tmp_path, lease=600) as manager:
        token, run_id = start_run(deploy_suite, manager, deploy_hosts)
        left = manager.data_dir / "runs" / run_id
        manager.kill()
        assert workdir.users_of(left), "the killed manager's ansible-playbook still runs"
        killed = time.monotonic()
        manager.start()
        run = wait_run(deploy_suite, token, run_id, timeout=60)
        assert time.monotonic() - killed < 60
        check_interrupted(run)
        assert not left.exists()
        assert workdir.users_of(left) == []


def test_a_run_whose_manager_died_is_ended_once_its_lease_runs_out(
    deploy_suite: Suite, deploy_hosts: sshhosts.SshHosts, clean_roots: None, tmp_path: Path
) -> None:
    with separate_manager(deploy_suite, tmp_path, lease=6) as manager:
        token, run_id = start_run(deploy_suite, manager, deploy_hosts)
        manager.kill()
        killed = time.monotonic()
        # The suite's own manager watches the leases (every 2 s with its 6-second lease).
        run = wait_run(deploy_suite, token, run_id, timeout=60)
        assert 4 < time.monotonic() - killed < 60
        check_interrupted(run)


def test_a_manager_stopped_under_uwsgi_ends_its_run_as_interrupted_and_its_ansible_with_it(
    deploy_suite: Suite, deploy_hosts: sshhosts.SshHosts, clean_roots: None, tmp_path: Path
) -> None:
    with separate_manager(deploy_suite, tmp_path, lease=600, uwsgi=True) as manager:
        token, run_id = start_run(deploy_suite, manager, deploy_hosts)
        left = manager.data_dir / "runs" / run_id
        started = time.monotonic()
        manager.stop()
        assert time.monotonic() - started < 30
        run = wait_run(deploy_suite, token, run_id, timeout=10)
        check_interrupted(run, "the manager stopped")
        assert not left.exists()
        assert workdir.users_of(manager.data_dir) == []
