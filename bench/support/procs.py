"""Processes a benchmark starts (in their own session, with a log file) and /proc readings."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import requests

from support.env import ROOT
from support.env import VENV_BIN
from tests.procs import process_tree
from tests.procs import status_field


@dataclass
class Service:
    """A process this benchmark started (in its own session), with its log file."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""
    stopped: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (uWSGI runs with --die-on-term), then SIGKILL of its own process group.

        Once only: a later call must not signal a process group id the system may have reused.
        """
        if self.stopped:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        # Workers left behind by a master that died: same process group, started by us.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.stopped = True


def start_process(
    name: str, argv: Sequence[str], env: dict[str, str], log_dir: Path, url: str = "", cwd: Path = ROOT
) -> Service:
    """Start `argv` in `cwd`, in a new session; output goes to `log_dir/<name>.out` (appended)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.out"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            list(argv),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=str(cwd),
        )
    return Service(name, proc, log_path, url)


def wait_ready(service: Service, path: str = "/openapi.json", timeout: float = 60) -> float:
    """Poll `url + path` until it answers; returns the seconds waited."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if service.proc.poll() is not None:
            raise RuntimeError(f"{service.name} exited with {service.proc.returncode}:\n{service.tail()}")
        try:
            reply = requests.get(service.url + path, timeout=2)
            if reply.status_code < 500:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"{service.name} did not answer on {service.url} within {timeout} s:\n{service.tail()}"
    )


def run_cli(argv: Sequence[str], env: dict[str, str], timeout: float = 120) -> str:
    done = subprocess.run(
        list(argv), check=False, env=env, capture_output=True, text=True, timeout=timeout, cwd=str(ROOT)
    )
    if done.returncode != 0:
        # The last lines name the cause (a traceback ends with it).
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-6:])
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): ...\n{tail}")
    return done.stdout


def py_spy() -> str:
    """The py-spy binary (on PATH or in the virtualenv)."""
    found = shutil.which("py-spy") or str(VENV_BIN / "py-spy")
    if not Path(found).exists():
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
    return found


def pids_named(*names: str) -> list[int]:
    """Processes whose command name (/proc/<pid>/comm) is one of `names`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() in names:
                    found.append(int(entry.name))
    return found


def rss_kib(pid: int) -> int:
    return status_field(pid, "VmRSS")


def threads_of(pid: int) -> int:
    return status_field(pid, "Threads")


def uwsgi_workers(service: Service) -> list[int]:
    """Children of a uWSGI master that run threads (the http router has a single thread)."""
    return [pid for pid in process_tree(service.pid) if pid != service.pid and threads_of(pid) > 1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (its own threads; not reaped children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"
