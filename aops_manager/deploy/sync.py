"""Configuration files written to hosts for `/manage/config/sync` (gala-ragdoll's sync).

Each file of each host is a result of its own: written (`changed`, with the `backup` of the
file it replaced), already as expected, or failed with Ansible's reason; a host that cannot be
reached fails all its files.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aops_manager.deploy.events import failure_message
from aops_manager.deploy.inventory import Unsafe
from aops_manager.deploy.inventory import write_file
from aops_manager.deploy.plan import Target
from aops_manager.deploy.schemas import SyncFile
from aops_utils import private

WRITE_TASK = "Write the files"


class Sync:
    """Follows the sync playbook's events into each host's results."""

    def __init__(self, targets: Sequence[Target], files: Sequence[SyncFile]) -> None:
        self.files = list(files)
        self.names = {t.inventory_name: t.host_id for t in targets}
        self.results: dict[str, dict[str, dict[str, Any]]] = {t.host_id: {} for t in targets}

    def prepare(self, directory: Path) -> dict[str, Any]:
        """Each file's content into the run's private directory, named by its index."""
        folder = private.make_dir(directory / "sync")
        for index, file in enumerate(self.files):
            write_file(folder / str(index), file.content)
        return {"aops_sync_dir": str(folder)}

    def host_variables(self) -> dict[str, dict[str, Any]]:
        """The files' paths and attributes, as inventory variables taken literally."""
        items = []
        for file in self.files:
            item: dict[str, Any] = {"dest": Unsafe(file.path)}
            for key in ("mode", "owner", "group"):
                value = getattr(file, key)
                if value is not None:
                    item[key] = Unsafe(value)
            items.append(item)
        return {host_id: {"aops_sync_files": items} for host_id in self.results}

    def fail_all(self, host_id: str, reason: str) -> None:
        for file in self.files:
            self.results[host_id].setdefault(file.path, {"path": file.path, "ok": False, "reason": reason})

    def on_event(self, event: Mapping[str, Any]) -> None:
        data = event.get("event_data") or {}
        host_id = self.names.get(str(data.get("host")))
        result = data.get("res")
        if host_id is None or not isinstance(result, Mapping):
            return
        kind = event.get("event")
        item = result.get("item")
        path = item.get("dest") if isinstance(item, Mapping) else None
        if kind == "runner_on_unreachable" or result.get("unreachable"):
            self.fail_all(host_id, "the host is unreachable: " + failure_message(result))
        elif kind == "runner_on_failed" and path is None and not result.get("results"):
            self.fail_all(host_id, f"{data.get('task')}: " + failure_message(result))
        elif path is None or data.get("task") != WRITE_TASK:
            return
        elif kind == "runner_item_on_failed":
            reason = failure_message(result) or "the file could not be written"
            self.results[host_id][path] = {"path": path, "ok": False, "reason": reason}
        elif kind == "runner_item_on_ok":
            done: dict[str, Any] = {"path": path, "ok": True, "changed": bool(result.get("changed"))}
            if result.get("backup_file"):
                done["backup"] = str(result["backup_file"])
            self.results[host_id][path] = done

    def answers(self, host_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Every host asked for, in order, with a result for each file."""
        answers = []
        for host_id in host_ids:
            if host_id not in self.results:
                results = [{"path": f.path, "ok": False, "reason": "no such host"} for f in self.files]
            else:
                done = self.results[host_id]
                missing = {"ok": False, "reason": "the file was not written"}
                results = [done.get(f.path, {"path": f.path, **missing}) for f in self.files]
            answers.append({"host_id": host_id, "results": results})
        return answers
