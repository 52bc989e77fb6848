"""Which process holds a socket: its inode among the links of /proc/<pid>/fd, its name from comm."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_PREFIX = "socket:["


@dataclass(frozen=True, slots=True)
class Owner:
    pid: int
    name: str  # /proc/<pid>/comm, at most 15 characters as the kernel keeps it


def socket_owners(wanted: set[int], root: Path = Path("/proc")) -> dict[int, Owner]:
    """The owner of each socket inode in `wanted` that a process of this PID namespace holds.

    A socket several processes share (inherited over fork) goes to the lowest pid, usually the
    parent; a process that exits or closes the socket while it is read is left out.
    """
    pids: dict[int, int] = {}
    base = str(root)
    with os.scandir(base) as entries:
        numbers = sorted(int(e.name) for e in entries if e.name.isdigit())
    for pid in numbers:
        if len(pids) == len(wanted):
            break
        fd_dir = f"{base}/{pid}/fd/"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue  # exited, or another user's process and we are not root
        for fd in fds:
            try:
                target = os.readlink(fd_dir + fd)
            except OSError:
                continue
            if target.startswith(_PREFIX):
                inode = int(target[len(_PREFIX) : -1])
                if inode in wanted:
                    pids.setdefault(inode, pid)
    names = {pid: _comm(base, pid) for pid in set(pids.values())}
    return {inode: Owner(pid, name) for inode, pid in pids.items() if (name := names[pid])}


def _comm(base: str, pid: int) -> str:
    try:
        with open(f"{base}/{pid}/comm", encoding="utf-8", errors="replace") as handle:
            return handle.read().rstrip("\n")
    except OSError:
        return ""  # exited meanwhile: its sockets are left out
