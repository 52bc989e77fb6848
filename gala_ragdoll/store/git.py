"""The git repository itself: one process-wide writer at a time, reads from a commit, never a
checkout of an old commit."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import git

# Files are stored byte for byte: no line-ending conversion whatever the machine's git config.
GITATTRIBUTES = "* -text\n"


class Snapshot:
    """The tree of one commit (HEAD when it was taken); an empty repository has none."""

    def __init__(self, repo: git.Repo, commit: git.Commit | None = None) -> None:
        self.repo = repo
        if commit is None and repo.head.is_valid():
            commit = repo.head.commit
        self.commit = commit
        self.tree = commit.tree if commit is not None else None

    def read(self, path: str) -> str | None:
        if self.tree is None:
            return None
        try:
            item = self.tree / path
        except KeyError:
            return None
        if not isinstance(item, git.Blob):
            return None
        data: bytes = item.data_stream.read()
        return data.decode("utf-8", "surrogateescape")

    def has(self, path: str) -> bool:
        if self.tree is None:
            return False
        try:
            self.tree / path
        except KeyError:
            return False
        return True

    def directories(self) -> list[str]:
        return [item.name for item in self.tree.trees] if self.tree is not None else []

    def files_under(self, path: str) -> list[str]:
        """Paths (relative to `path`) of every file below it."""
        if self.tree is None or not self.has(path):
            return []
        top = self.tree / path
        if not isinstance(top, git.Tree):
            return []
        prefix = len(path) + 1
        return sorted(str(item.path)[prefix:] for item in top.traverse() if isinstance(item, git.Blob))


class Writer:
    """Changes of the work tree within one locked write, and the commit that records them."""

    def __init__(self, repo: git.Repo, root: Path) -> None:
        self.repo = repo
        self.root = root

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.ragdoll-tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(text.encode("utf-8", "surrogateescape"))
        os.replace(temporary, target)

    def remove(self, path: str) -> None:
        self.repo.git.rm("-r", "-q", "--ignore-unmatch", "--", path)
        target = self.root / path
        if target.is_file():
            target.unlink()

    def restore(self, path: str) -> None:
        """The work tree under `path` as HEAD has it: what a crashed write left is dropped."""
        if not self.repo.git.status("--porcelain", "--untracked-files=all", "--", path):
            return
        if self.repo.head.is_valid():
            self.repo.git.reset("-q", "HEAD", "--", path)
            if Snapshot(self.repo).has(path):
                self.repo.git.checkout("-q", "HEAD", "--", path)
        self.repo.git.clean("-fdq", "--", path)

    def commit(self, paths: list[str], message: str, author: str) -> str | None:
        """Commit what changed under `paths`, authored by `author`; None when nothing did."""
        # A path removed whole (a deleted domain) is staged by `remove` already, and add refuses it.
        present = [path for path in paths if (self.root / path).exists()]
        if present:
            self.repo.git.add("-A", "--", *present)
        if self.repo.head.is_valid() and not self.repo.git.diff("--cached", "--name-only"):
            return None
        name = "".join(ch for ch in author if ch not in "<>\n\r") or "unknown"
        self.repo.git.commit("-q", "--no-verify", "-m", message, f"--author={name} <>")
        return str(self.repo.head.commit.hexsha)


class GitStore:
    """The repository at `root`: `init` makes it (as 21.09 did at every start), `read` and
    `write` open it for one operation each."""

    def __init__(self, root: Path, committer: str, email: str) -> None:
        self.root = root
        self.committer = committer
        self.email = email
        # Threads of this process queue here; processes (uWSGI workers) on the lock file.
        self._lock = threading.Lock()

    def init(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        # No template: git's sample hooks are executables nobody here needs.
        repo = git.Repo.init(self.root, template="", allow_unsafe_options=True)
        try:
            with repo.config_writer() as config:
                # Expected files may hold secrets: git keeps its objects its user's only too.
                config.set_value("core", "sharedRepository", "0600")
                config.set_value("user", "name", self.committer)
                config.set_value("user", "email", self.email)
                config.set_value("core", "autocrlf", "false")
                config.set_value("commit", "gpgsign", "false")
        finally:
            repo.close()
        if (self.root / ".gitattributes").exists():
            return
        with self.write() as writer:
            writer.write(".gitattributes", GITATTRIBUTES)
            writer.commit([".gitattributes"], "Keep expected files byte for byte", self.committer)

    @contextmanager
    def read(self) -> Iterator[Snapshot]:
        repo = git.Repo(self.root)
        try:
            yield Snapshot(repo)
        finally:
            repo.close()

    @contextmanager
    def write(self) -> Iterator[Writer]:
        with self._lock, (self.root / ".git" / "ragdoll.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            repo = git.Repo(self.root)
            try:
                yield Writer(repo, self.root)
            finally:
                repo.close()
                fcntl.flock(handle, fcntl.LOCK_UN)
