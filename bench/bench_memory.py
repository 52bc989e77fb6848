"""Resident memory of `aops standalone` (the whole suite in one process on SQLite).

Starts `aops standalone --data-dir <fresh temp dir>` on its documented ports 11111/11119 and its
probe's page on 8888 (which must be free; the probe of this machine runs, as users run it), waits
until the manager answers, idles 5 s and reads VmRSS of the process and all its children from
/proc. Then adds 1,000 hosts (2 batches of 500; the first host add imports
ansible for the credential vault) and lists them all (20 pages of 50), and reads it again.
Target: < 250 MiB, at idle and also after the hosts.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from support import report
from support.client import Client
from support.client import fleet
from support.env import PYTHON
from support.env import ROOT
from support.env import VENV_BIN
from support.env import load_average
from support.env import port_in_use
from support.procs import process_tree
from support.procs import rss_kib
from support.procs import start_process
from support.procs import wait_ready

PORTS = (11111, 11119, 8888)
IDLE_S = 5
HOSTS = 1_000
BATCH = 500
TARGET_MIB = 250.0


def standalone_argv(data_dir: Path) -> list[str]:
    script = VENV_BIN / "aops"
    if script.exists():
        return [str(script), "standalone", "--data-dir", str(data_dir)]
    code = "import sys; from aops_cli.standalone import standalone; sys.argv[0] = 'aops'; standalone()"
    return [str(PYTHON), "-c", code, "--data-dir", str(data_dir)]


def rss(pid: int) -> tuple[float, dict[int, float]]:
    """Total VmRSS (MiB) of `pid` and its descendants, and per process."""
    each = {p: rss_kib(p) / 1024 for p in process_tree(pid)}
    return sum(each.values()), each


def measure_rss(label: str, pid: int) -> float:
    total, each = rss(pid)
    parts = ", ".join(f"pid {p}: {mib:.1f}" for p, mib in each.items())
    report.say(f"  {label:<44} RSS {total:7.1f} MiB  ({len(each)} process(es): {parts})")
    return total


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a user stops it; then SIGKILL of its own process group if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def run() -> dict[str, Any]:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    busy = [port for port in PORTS if port_in_use(port)]
    if busy:
        raise RuntimeError(f"port(s) {busy} are in use: stop the other A-Ops first (standalone needs them)")
    data_dir = Path(tempfile.mkdtemp(prefix="aops-bench-standalone-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AOPS_")}
    # The tree's packages, also one added after the editable install (whose finder only maps the
    # packages it knew at install time); the data dir, not the repository, is the working dir.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    report.say(f"memory benchmark: aops standalone --data-dir {data_dir}")
    try:
        url = f"http://127.0.0.1:{PORTS[0]}"
        service = start_process("standalone", standalone_argv(data_dir), env, data_dir, url, cwd=data_dir)
        proc = service.proc
        try:
            ready_s = wait_ready(service, timeout=90)
            report.say(f"  answering after {ready_s:.1f} s; idling {IDLE_S} s")
            time.sleep(IDLE_S)
            idle = measure_rss("idle", proc.pid)

            client = Client(service.url)
            client.login()
            client.add_group("group-00")
            started = time.perf_counter()
            for number, first in enumerate(range(0, HOSTS, BATCH)):
                client.add_hosts(fleet(first, BATCH, "group-00", number))
            added_s = time.perf_counter() - started
            listed = 0
            for page in range(1, HOSTS // 50 + 1):
                listed += len(client.get_hosts(page)["host_infos"])
            if listed != HOSTS:
                raise RuntimeError(f"listed {listed} hosts, expected {HOSTS}")
            report.say(f"  added {HOSTS} hosts in {added_s:.2f} s and listed them ({HOSTS // 50} pages)")
            time.sleep(1)
            loaded = measure_rss(f"after adding and listing {HOSTS} hosts", proc.pid)
        finally:
            stop(proc)
        if proc.returncode not in (0, -signal.SIGINT):
            report.say(f"  standalone exited with {proc.returncode}:\n{service.tail()}")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    met = idle < TARGET_MIB and loaded < TARGET_MIB
    report.say(
        f"  target RSS < {TARGET_MIB:.0f} MiB (idle and after the hosts): {'met' if met else 'MISSED'}"
    )
    return {
        "benchmark": "memory",
        "command": "aops standalone",
        "idle_rss_mib": round(idle, 1),
        "after_hosts_rss_mib": round(loaded, 1),
        "hosts": HOSTS,
        "ready_s": round(ready_s, 2),
        "target_rss_mib": TARGET_MIB,
        "load_average": load_average(),
        "targets_met": met,
    }


if __name__ == "__main__":
    report.main_guard(run)
