"""What the repository of expected configurations holds, and what a change of it returns."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field


@dataclass(frozen=True)
class Domain:
    name: str
    owner: str
    # 21.09 took a priority on creation and dropped it; it is kept now.
    priority: int = 0


@dataclass(frozen=True)
class HostRecord:
    host_id: str
    ip: str | None = None
    ipv6: str | None = None


@dataclass(frozen=True)
class FileAttributes:
    """What a sync sets on the host's file; None keeps what the host has."""

    mode: str | None = None  # octal, e.g. "0644"
    owner: str | None = None
    group: str | None = None

    def is_empty(self) -> bool:
        return self.mode is None and self.owner is None and self.group is None

    def given(self) -> dict[str, str]:
        """The attributes set, by name: a file's JSON (the repository's, a reply's, a sync's)
        leaves out the others."""
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class ExpectedFile:
    path: str  # the absolute path on the hosts
    content: str
    attributes: FileAttributes = field(default_factory=FileAttributes)


@dataclass(frozen=True)
class Change:
    """One commit that changed a managed file. `pre`/`post` are the file before and after (None:
    it did not exist), as 21.09's preValue/postValue; `diff` is `diff -u pre post`."""

    commit: str
    author: str
    date: str  # ISO 8601, with the author's offset
    reason: str
    pre: str | None
    post: str | None
    diff: str


@dataclass(frozen=True)
class Outcome:
    """What a batch changed: `done` were applied, `skipped` had nothing to do (or could not be),
    each with why; `commit` is the commit made (None: nothing changed)."""

    done: tuple[str, ...] = ()
    skipped: dict[str, str] = field(default_factory=dict)
    commit: str | None = None
