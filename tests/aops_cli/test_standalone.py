"""`aops standalone`: starts on SQLite, stops cleanly on SIGTERM and Ctrl-C, keeps data across starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import requests

from aops_cli.standalone import write_default_conf
from tests.suite import ADMIN_PASSWORD
from tests.suite import free_port

LAUNCH = "from aops_cli.standalone import standalone; standalone()"


def _configure(data_dir: Path) -> str:
    """Pre-write the ini files on free ports so the test never collides with a real suite."""
    conf = write_default_conf(data_dir / "probe", "127.0.0.1")
    manager, database, checks, diag = free_port(), free_port(), free_port(), free_port()
    ragdoll, spider, probe_page = free_port(), free_port(), free_port()
    target = data_dir / "conf"
    target.mkdir(parents=True)
    for name in (
        "system.ini",
        "database.ini",
        "manager.ini",
        "check_scheduler.ini",
        "check_executor.ini",
        "diag_scheduler.ini",
        "diag_executor.ini",
        "gala-ragdoll.conf",
        "gala-spider.conf",
        "gala-gopher.conf",
    ):
        text = (conf / name).read_text().replace(str(data_dir / "probe"), str(data_dir))
        text = text.replace("11111", str(manager)).replace("11119", str(database))
        text = text.replace("11112", str(checks)).replace("11113", str(diag)).replace("11115", str(spider))
        text = text.replace("11114", str(ragdoll)).replace("port = 8888", f"port = {probe_page}")
        (target / name).write_text(text)
    return f"http://127.0.0.1:{manager}"


def _start(
    data_dir: Path, umask: int = -1, output: list[str] | None = None, options: Sequence[str] = ()
) -> subprocess.Popen[str]:
    """Start on `data_dir` with `options`, under `umask` when given (-1: the test's own); the
    lines it printed while starting are added to `output`."""
    # A web port of its own too: the default (11110) may be taken by another suite or test.
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            LAUNCH,
            "--data-dir",
            str(data_dir),
            "--web-port",
            str(free_port()),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "AOPS_CONF_DIR": ""},
        umask=umask,
    )
    assert proc.stdout is not None
    deadline = time.time() + 60
    printed: list[str] = []
    for line in proc.stdout:
        printed.append(line.rstrip("\n"))
        if line.startswith("Log in at"):
            if output is not None:
                output.extend(printed)
            return proc
        assert time.time() < deadline, "standalone did not start in time:\n" + "\n".join(printed)
    raise AssertionError(f"standalone exited early with {proc.wait()}:\n" + "\n".join(printed))


def _stop(proc: subprocess.Popen[str], sig: int) -> str:
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    return out


@contextmanager
def standalone_running(
    data_dir: Path, umask: int = -1, output: list[str] | None = None, options: Sequence[str] = ()
) -> Iterator[subprocess.Popen[str]]:
    """`aops standalone` for the block: stopped by SIGTERM after it (killed if the block failed)."""
    proc = _start(data_dir, umask, output, options)
    try:
        yield proc
        out = _stop(proc, signal.SIGTERM)
        assert out.rstrip().endswith("stopped"), out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _login(url: str) -> str:
    """A session of admin; the first login changes the default password, as the manual says."""
    body = {"username": "admin", "password": ADMIN_PASSWORD}
    reply = requests.post(f"{url}/manage/account/login", json=body, timeout=10).json()
    if reply["code"] == 200:
        return str(reply["access_token"])
    body = {"username": "admin", "password": "changeme"}
    reply = requests.post(f"{url}/manage/account/login", json=body, timeout=10).json()
    assert reply["code"] == 1204
    headers = {"access_token": reply["access_token"]}
    change = {"password": ADMIN_PASSWORD}
    assert requests.post(f"{url}/manage/account/change", json=change, headers=headers, timeout=10).ok
    return _login(url)


def test_it_serves_stops_on_sigterm_and_keeps_data_on_the_next_start(tmp_path: Path) -> None:
    url = _configure(tmp_path)
    proc = _start(tmp_path)
    token = _login(url)
    headers = {"access_token": token}
    assert (
        requests.post(
            f"{url}/manage/host/group/add",
            json={"host_group_name": "g", "description": ""},
            headers=headers,
            timeout=10,
        ).json()["code"]
        == 200
    )
    assert "stopped" in _stop(proc, signal.SIGTERM)
    assert (tmp_path / "aops.db").exists() and (tmp_path / "secret.key").stat().st_mode & 0o077 == 0

    proc = _start(tmp_path)
    try:
        token = _login(url)
        groups = requests.post(
            f"{url}/manage/host/group/get", json={}, headers={"access_token": token}, timeout=10
        ).json()
        assert [g["host_group_name"] for g in groups["host_group_infos"]] == ["g"]
    finally:
        assert "stopped" in _stop(proc, signal.SIGINT)
