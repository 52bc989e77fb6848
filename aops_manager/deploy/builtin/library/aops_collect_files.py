#!/usr/bin/python
"""Ansible module of the manager's config collection: stats and reads every requested file of a
host in one execution, so that a host costs one SSH round trip however many files it is asked
for (a `stat` and a `slurp` task per file cost two each).

It runs on the managed host, with the host's own Python (openEuler's may be older than the
manager's: nothing here needs more than 3.6), and imports nothing of Ansible: it is a "JSONARGS"
module (Ansible writes the task's arguments into ARGUMENTS below and sends the file as it is,
through the pipelined SSH session like any module), not an AnsiballZ one, whose unpacking and
import of ansible.module_utils cost several times a bare Python start per host (20 test hosts
x 20 files: 6.6 s instead of 9.7 s, alternate runs on a loaded machine). It prints its result as
JSON, as modules do. It reports what
it found per file and leaves the judging (missing, not regular, too large) to the manager
(aops_manager/deploy/collect.py):

- `{"path", "exists": false}`: no such file (a dangling link too: links are followed);
- `{"path", "error"}`: the file could not be examined (its stat failed, as `stat`'s message);
- `{"path", "exists": true, "isreg", "size", "mode", "uid", "gid", "pw_name", "gr_name"}`, the
  names only when the host knows them, and for a regular file of at most `max_bytes` bytes its
  `content` (base64) or the `error` that stopped the read (as `slurp`'s message). A file that
  grew past `max_bytes` while it was read has the `size` read and no content.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import grp
import json
import os
import pwd
import stat
import sys
from typing import Any

# For Ansible's documentation tools; the module itself checks what it is given.
DOCUMENTATION = r"""
module: aops_collect_files
short_description: Stat and read many files in one module execution
options:
  paths:
    description: Absolute paths of the files, links followed.
    type: list
    elements: str
    required: true
  max_bytes:
    description: Largest file whose content is read.
    type: int
    required: true
"""

# Reads are done in chunks of this size: a file is never held twice over in memory.
CHUNK = 1 << 16
# What `slurp` says when it cannot open a file; anything else is "Unable to slurp file".
OPEN_ERRORS = {
    errno.ENOENT: "File not found",
    errno.EACCES: "File is not readable",
    errno.EISDIR: "Source is a directory and must be a file",
}


def _read(path: str, max_bytes: int) -> tuple[bytes | None, str | None]:
    """At most `max_bytes` + 1 bytes of the file (more means it grew past the bound), or the
    reason the read failed. O_NONBLOCK: a file replaced by a FIFO since its stat does not hang."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return None, f"{OPEN_ERRORS.get(exc.errno or 0, 'Unable to slurp file')}: {path}"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, "Unable to slurp file: " + path
        parts = []
        left = max_bytes + 1
        while left > 0:
            part = os.read(fd, min(CHUNK, left))
            if not part:
                break
            parts.append(part)
            left -= len(part)
        return b"".join(parts), None
    except OSError as exc:
        return None, f"Unable to slurp file: {path}: {exc.strerror}"
    finally:
        os.close(fd)


def examine(path: str, max_bytes: int) -> dict[str, Any]:
    """What the manager is told of one file (see the module's docstring)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return {"path": path, "exists": False}
    except OSError as exc:
        return {"path": path, "error": exc.strerror or str(exc)}
    found: dict[str, Any] = {
        "path": path,
        "exists": True,
        "isreg": stat.S_ISREG(st.st_mode),
        "size": st.st_size,
        "mode": f"{stat.S_IMODE(st.st_mode):04o}",
        "uid": st.st_uid,
        "gid": st.st_gid,
    }
    # As `stat` does: a name the host does not know is left out (the manager shows the id).
    with contextlib.suppress(KeyError):
        found["pw_name"] = pwd.getpwuid(st.st_uid).pw_name
    with contextlib.suppress(KeyError):
        found["gr_name"] = grp.getgrgid(st.st_gid).gr_name
    if not found["isreg"] or st.st_size > max_bytes:
        return found
    content, error = _read(path, max_bytes)
    if content is None:
        found["error"] = error
        return found
    found["size"] = len(content)
    if len(content) <= max_bytes:  # past it, the file grew while it was read: no content
        found["content"] = base64.b64encode(content).decode("ascii")
    return found


# Ansible puts the task's arguments here as JSON. A raw string: JSON's escapes stay as they are,
# and JSON cannot close it (a quote inside a JSON string always follows a backslash, and no two
# of its strings touch).
ARGUMENTS = r"""<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>"""


def main() -> None:
    try:
        args = json.loads(ARGUMENTS)
        paths, max_bytes = args["paths"], int(args["max_bytes"])
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise TypeError("paths must be a list of strings")
    except (ValueError, KeyError, TypeError) as exc:
        print(json.dumps({"failed": True, "msg": f"aops_collect_files: bad arguments: {exc}"}))
        sys.exit(1)
    files = [examine(path, max_bytes) for path in paths]
    print(json.dumps({"changed": False, "files": files}))


if __name__ == "__main__":
    main()
