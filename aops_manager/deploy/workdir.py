"""Private directories of Ansible runs: 0700, removed with every process still using them.

Each run (a deployment, a config collection, a fact collection) writes its inventory and the
hosts' decrypted credentials into a directory of its own under `[deploy] data_dir`, and the
directory goes when the run ends, whatever the outcome. A manager that was killed leaves its
directories (and perhaps an `ansible-playbook` still running from one) behind: the next start
ends those processes and removes them. The data directory is locked by the manager using it,
so that a second manager on the same directory does not remove the first one's runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from aops_utils import private

LOG = logging.getLogger(__name__)
RUNS = "runs"


class RunDirs:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._lock: IO[bytes] | None = None

    @property
    def root(self) -> Path:
        return self.data_dir / RUNS

    def claim(self) -> bool:
        """Lock the data directory for this process; False when another live manager holds it."""
        private.make_dir(self.root)
        handle = private.create_file(self.data_dir / ".lock").open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._lock = handle
        return True

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def create(self, name: str) -> Path:
        """A new private directory for one run."""
        private.make_dir(self.root)
        path = self.root / name
        path.mkdir(mode=private.DIR_MODE)
        os.chmod(path, private.DIR_MODE)
        return path

    @contextlib.contextmanager
    def temporary(self, prefix: str) -> Iterator[Path]:
        """A private directory for the with-block, removed however the block ends."""
        path = self.create(f"{prefix}-{uuid.uuid4().hex}")
        try:
            yield path
        finally:
            remove(path)

    def sweep(self) -> list[str]:
        """Remove what runs of a dead manager left (ending their processes); returns their names."""
        if self._lock is None:
            return []
        found = sorted(p.name for p in self.root.iterdir()) if self.root.is_dir() else []
        for name in found:
            remove(self.root / name)
        return found


def remove(path: Path) -> None:
    """End the processes that still use `path`, then delete it."""
    kill_users(path)
    shutil.rmtree(path, ignore_errors=True)
    if path.exists():
        LOG.error("could not remove the run directory %s", path)


def users_of(path: Path) -> list[int]:
    """Processes whose command line, working directory or environment names `path`: the run's
    ansible-playbook and workers by their command line, and the ssh that sshpass starts in a
    session of its own (so not in a worker's process group) by the environment it inherits
    (the run's Ansible settings name its directory); neither its command line nor its working
    directory (the playbooks' folder) does, and such an ssh outlived a cancel (CI, 2026-12-06)."""
    needle = str(path).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
                continue
            if os.readlink(entry / "cwd").startswith(str(path)) or needle in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def kill_users(path: Path) -> None:
    """SIGKILL the process groups of every process using `path` (Ansible's workers with them),
    round after round until one finds none: a worker forking an ssh (which sshpass puts in a
    session of its own) while a round kills could leave it to run its task to the end, as
    three rounds did on a loaded machine (test_deploy_control, CI of 2026-12-06)."""
    for _ in range(40):
        pids = users_of(path)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                group = os.getpgid(pid)
                # Never our own group: only groups of processes started in their own session.
                if group != os.getpgrp():
                    os.killpg(group, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
