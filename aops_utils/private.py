"""Files only the service account may read: directories 0700, files 0600, whatever the umask."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

LOG = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def tighten(path: Path, mode: int) -> bool:
    """Drop the permission bits beyond `mode` from an existing path; True if it was too open.

    An older install (or a umask of 022) left vaults, the secret and logs readable by every
    local user: the operator learns once, in the log, which paths were tightened.
    """
    try:
        current = stat.S_IMODE(path.lstat().st_mode)
    except FileNotFoundError:
        return False
    if current & ~mode == 0 or path.is_symlink():
        return False
    try:
        os.chmod(path, current & mode)
    except OSError as exc:
        LOG.warning(
            "%s is readable by other local users (mode %o) and cannot be tightened: %s", path, current, exc
        )
        return False
    LOG.warning(
        "tightened %s from mode %o to %o: other local users could read it", path, current, current & mode
    )
    return True


def make_dir(path: Path) -> Path:
    """Create `path` and its missing parents as 0700 directories (existing ones are left alone)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        # mkdir's mode passes through the umask; chmod does not.
        os.chmod(directory, DIR_MODE)
    return path


def create_file(path: Path) -> Path:
    """Create `path` empty as 0600 unless it exists; an existing one is tightened to 0600."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path, FILE_MODE)
        return path
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def write_new_text(path: Path, text: str) -> bool:
    """Write `text` to `path` as a 0600 file if it does not exist yet; False if it did."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.fchmod(fd, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return True


def tighten_tree(root: Path) -> None:
    """Tighten a directory the suite owns alone (the standalone data directory) and all below it."""
    tighten(root, DIR_MODE)
    for current, dirs, files in os.walk(root):
        base = Path(current)
        for name in dirs:
            tighten(base / name, DIR_MODE)
        for name in files:
            tighten(base / name, FILE_MODE)
