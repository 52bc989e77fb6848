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


def holders(wanted: set[int], root: Path = Path("/proc")) -> dict[int, int]:
    """The pid holding each socket inode in `wanted` that a process of this PID namespace holds.

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
    return pids


class SocketOwners:
    """The owner of each socket inode asked for, named by /proc/<pid>/comm.

    Reading every fd link of every process is most of a cycle's cost at thousands of sockets, so
    the holders found are remembered: the links are read again only when a socket is new, a
    holder has exited, or every `rescan_every` calls (a socket handed to another process while
    its first holder lives on is seen then). Names are read every call: a holder may exec.
    """

    def __init__(self, rescan_every: int = 12, root: Path = Path("/proc")) -> None:
        self._rescan_every = rescan_every
        self._root = root
        self._pids: dict[int, int] = {}
        self._unheld: set[int] = set()  # sockets the last scan found no holder for
        self._calls = 0

    def __call__(self, wanted: set[int]) -> dict[int, Owner]:
        self._calls += 1
        if self._calls >= self._rescan_every or not wanted <= self._pids.keys() | self._unheld:
            self._scan(wanted)
        owners, complete = self._named(wanted)
        if not complete:  # a holder exited: its sockets may live on in a child
            self._scan(wanted)
            owners, _ = self._named(wanted)
        return owners

    def _scan(self, wanted: set[int]) -> None:
        self._pids = holders(wanted, self._root)
        self._unheld = wanted - self._pids.keys()
        self._calls = 0

    def _named(self, wanted: set[int]) -> tuple[dict[int, Owner], bool]:
        """The owners of the held sockets, and whether every holder still had a name (lived)."""
        held = {inode: pid for inode in wanted if (pid := self._pids.get(inode)) is not None}
        names = {pid: _comm(str(self._root), pid) for pid in set(held.values())}
        owners = {inode: Owner(pid, name) for inode, pid in held.items() if (name := names[pid])}
        return owners, all(names.values())


def _comm(base: str, pid: int) -> str:
    try:
        with open(f"{base}/{pid}/comm", encoding="utf-8", errors="replace") as handle:
            return handle.read().rstrip("\n")
    except OSError:
        return ""  # exited meanwhile: its sockets are left out
