"""The change log of a managed file from `git log` and the blobs of each commit (no checkout)."""

from __future__ import annotations

import difflib

import git

from gala_ragdoll.store import layout
from gala_ragdoll.store.git import Snapshot
from gala_ragdoll.store.models import Change

_FIELD = "\x1f"
_RECORD = "\x1e"


def change_log(repo: git.Repo, domain: str, path: str) -> list[Change]:
    """Newest first; each change with the file before and after it and their unified diff."""
    where = layout.file_path(domain, path)
    legacy = layout.legacy_path(domain, path)
    paths = [where] + ([legacy] if legacy else [])
    if not repo.head.is_valid():
        return []
    out = repo.git.log(f"--format=%H{_FIELD}%an{_FIELD}%aI{_FIELD}%B{_RECORD}", "--", *paths)
    found: list[tuple[str, str, str, str, str | None]] = []
    for record in out.split(_RECORD):
        if not record.strip():
            continue
        sha, author, date, message = record.lstrip("\n").split(_FIELD, 3)
        snapshot = Snapshot(repo, repo.commit(sha))
        if not snapshot.has(domain):
            # The domain was deleted here: older commits belong to an earlier domain of that name.
            break
        content = snapshot.read(where)
        if content is None and legacy is not None:
            content = snapshot.read(legacy)
        found.append((sha, author, date, message.strip(), content))
    changes = []
    for index, (sha, author, date, reason, post) in enumerate(found):
        pre = found[index + 1][4] if index + 1 < len(found) else None
        changes.append(Change(sha, author, date, reason, pre, post, unified_diff(path, pre, post)))
    return changes


def unified_diff(path: str, pre: str | None, post: str | None) -> str:
    return "".join(
        difflib.unified_diff(
            (pre or "").splitlines(keepends=True),
            (post or "").splitlines(keepends=True),
            f"a{path}" if pre is not None else "/dev/null",
            f"b{path}" if post is not None else "/dev/null",
        )
    )
