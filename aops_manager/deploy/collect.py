"""Configuration files read from hosts for `/manage/config/collect` (21.09 section 7).

Every requested path of every host is read (21.09 read the first only), with its mode, owner and
group; a file that is missing, not a regular file, too large or unreadable is a failure of that
file with its reason, and a host that cannot be reached fails all its files. Each host's files
come in one result of the playbook's one task (builtin/library/aops_collect_files.py).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from aops_manager.deploy.events import HostResult
from aops_manager.deploy.events import failure_message
from aops_manager.deploy.inventory import Unsafe
from aops_manager.deploy.plan import Target

READ_TASK = "Read the files"


@dataclass
class HostFiles:
    host_id: str
    paths: list[str]
    infos: dict[str, dict[str, Any]] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)

    def fail_all(self, reason: str) -> None:
        for path in self.paths:
            if path not in self.infos:
                self.reasons.setdefault(path, reason)

    def answer(self) -> dict[str, Any]:
        """The host as 21.09 answered it, with each failed file's reason besides."""
        for path in self.paths:
            if path not in self.infos and path not in self.reasons:
                self.reasons[path] = "the file was not read"
        return {
            "host_id": self.host_id,
            "infos": [self.infos[p] for p in self.paths if p in self.infos],
            "success_files": [p for p in self.paths if p in self.infos],
            "fail_files": [p for p in self.paths if p not in self.infos],
            "fail_reasons": {p: self.reasons[p] for p in self.paths if p not in self.infos},
        }


class Collection:
    """Follows the collect playbook's events into each host's files."""

    def __init__(self, targets: Sequence[Target], paths: Mapping[str, list[str]], max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.hosts = {t.inventory_name: HostFiles(t.host_id, list(paths[t.host_id])) for t in targets}

    def max_result_chars(self) -> int:
        """The longest result a host's one task may give: every file at the size bound in base64
        (4/3), and its path twice (the module's arguments and its answer; 4,096 characters, each
        at most 4 in a repr) with its attributes. ansible-runner drops a longer result from its
        events, which would lose every file of the host (one slurp of a file over ~512 KiB did)."""
        most = max((len(files.paths) for files in self.hosts.values()), default=0)
        return most * (self.max_bytes * 4 // 3 + 40_000) + 65_536

    def host_variables(self, targets: Sequence[Target]) -> dict[str, dict[str, Any]]:
        """Each host's files, as inventory variables (taken literally)."""
        return {
            t.host_id: {"aops_config_files": [Unsafe(p) for p in self.hosts[t.inventory_name].paths]}
            for t in targets
        }

    def on_event(self, event: Mapping[str, Any]) -> None:
        found = HostResult.of(event)
        if found is None or (files := self.hosts.get(found.host)) is None:
            return
        kind, task, result = found.kind, found.task, found.result
        if kind == "runner_on_unreachable" or result.get("unreachable"):
            files.fail_all("the host is unreachable: " + failure_message(result))
        elif kind == "runner_on_failed":
            files.fail_all(f"{task}: " + failure_message(result))
        elif kind == "runner_on_ok" and task == READ_TASK:
            wanted = set(files.paths)
            for entry in result.get("files") or []:
                if isinstance(entry, Mapping) and entry.get("path") in wanted:
                    self._file(files, str(entry["path"]), entry)

    def _file(self, files: HostFiles, path: str, found: Mapping[str, Any]) -> None:
        """One file as the module found it: its content and attributes, or why not."""
        if "exists" not in found:
            files.reasons[path] = str(found.get("error") or "the file could not be examined")
        elif not found["exists"]:
            files.reasons[path] = "no such file"
        elif not found.get("isreg"):
            files.reasons[path] = "not a regular file"
        elif int(found.get("size", 0)) > self.max_bytes:
            files.reasons[path] = (
                f"larger than {self.max_bytes} bytes (manager.ini [deploy] collect_max_bytes)"
            )
        elif "content" not in found:
            files.reasons[path] = str(found.get("error") or "the file could not be read")
        else:
            attr = {
                "mode": str(found.get("mode", "")),
                "owner": str(found.get("pw_name", found.get("uid", ""))),
                "group": str(found.get("gr_name", found.get("gid", ""))),
            }
            self._content(files, path, str(found["content"]), attr)

    @staticmethod
    def _content(files: HostFiles, path: str, encoded: str, attr: dict[str, str]) -> None:
        try:
            content = base64.b64decode(encoded, validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            files.reasons[path] = "the file's content came back unreadable"
            return
        files.infos[path] = {"path": path, "file_attr": attr, "content": content}

    def answers(self) -> list[dict[str, Any]]:
        return [files.answer() for files in self.hosts.values()]
