"""Processes a test (or a benchmark) starts: stopping them, and what /proc says about them."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any


def stop(proc: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Send `sig` (SIGTERM: as systemd stops a unit) and wait; SIGKILL after `timeout` seconds.

    communicate(), not wait(): a process whose output goes to a pipe nobody reads any more could
    block on writing it and never exit."""
    proc.send_signal(sig)
    try:
        proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate(timeout=10)


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        if Path(f"/proc/{current}").exists():
            found.append(current)
        todo.extend(children.get(current, []))
    return found


def status_field(pid: int, name: str) -> int:
    """The number of a /proc/<pid>/status line (VmRSS, VmHWM in KiB; Threads); 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
