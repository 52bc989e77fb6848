"""Real configurations through the manager: as read, compared with the expected ones, and
written to the hosts (sync, 21.09's "not provided")."""

from __future__ import annotations

import difflib
from typing import Any

from aops_utils.codes import Code
from aops_utils.codes import judge_batch
from aops_utils.errors import NotFoundError
from aops_utils.restful import Principal
from aops_utils.restful import Reply
from gala_ragdoll.app import Ragdoll
from gala_ragdoll.clients import HostFiles
from gala_ragdoll.drift import check_status
from gala_ragdoll.parsers import kind_for_path
from gala_ragdoll.schemas import ConfHost
from gala_ragdoll.schemas import SyncBody
from gala_ragdoll.scope import Scope
from gala_ragdoll.scope import collect
from gala_ragdoll.scope import scope
from gala_ragdoll.status import attribute_diffs
from gala_ragdoll.store import ExpectedFile

SUCCESS, FAILED = "SUCCESS", "FAILED"  # 21.09 wrote "FILED"


def real_confs(app: Ragdoll, principal: Principal, body: ConfHost) -> dict[str, Any]:
    """Each host's managed files as it holds them (21.09's RealConfInfo), and why one was not read."""
    chosen = scope(app, principal.username, body)
    real = collect(app, chosen, principal)
    found = []
    for host_id in chosen.host_ids:
        host = real.get(host_id) or HostFiles(host_id, {}, {})
        infos = []
        for file in chosen.files:
            got = host.files.get(file.path)
            if got is None:
                continue
            kind = kind_for_path(file.path)
            infos.append(
                {
                    "filePath": got.path,
                    "fileAttr": got.mode,
                    "fileOwner": got.owner,
                    "fileGroup": got.group,
                    "confType": kind.value if kind else "",
                    "confContents": got.content,
                }
            )
        entry: dict[str, Any] = {"domainName": chosen.domain, "hostID": host_id, "confBaseInfos": infos}
        entry["reachable"] = host.host_error is None
        if host.failures:
            entry["failFiles"] = host.failures
        found.append(entry)
    return {"realConfs": found}


def domain_status_reply(app: Ragdoll, principal: Principal, domain: str) -> dict[str, Any]:
    """A check now, kept as the domain's last: each file with `driftedSince` when not in sync."""
    return check_status(app, principal.username, domain, principal)


# Sync


def _sync_diff(file: ExpectedFile, host: HostFiles) -> dict[str, Any]:
    """What a sync would do to one host's file: the unified diff from the host's text to the
    expected one, and the attributes it would set."""
    real = host.files.get(file.path)
    before = real.content if real is not None else ""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        file.content.splitlines(keepends=True),
        f"host{file.path}" if real is not None else "/dev/null",
        f"expected{file.path}",
    )
    found: dict[str, Any] = {"filePath": file.path, "diff": "".join(lines)}
    if real is not None:
        found["diffAttributes"] = [
            {"name": a.name, "from": a.real, "to": a.expected} for a in attribute_diffs(file.attributes, real)
        ]
    found["changed"] = real is None or bool(found["diff"]) or bool(found["diffAttributes"])
    return found


def _dry_run(app: Ragdoll, chosen: Scope, principal: Principal) -> list[dict[str, Any]]:
    real = collect(app, chosen, principal)
    results = []
    for host_id in chosen.host_ids:
        host = real[host_id]
        if host.host_error is not None:
            files = [{"filePath": f.path, "result": FAILED, "reason": host.host_error} for f in chosen.files]
        else:
            files = [{**_sync_diff(f, host), "result": SUCCESS} for f in chosen.files]
        results.append(files)
    return [_host_result(h, files) for h, files in zip(chosen.host_ids, results, strict=True)]


def _host_result(host_id: str, files: list[dict[str, Any]]) -> dict[str, Any]:
    ok = all(f["result"] == SUCCESS for f in files)
    return {"hostId": host_id, "syncStatus": SUCCESS if ok else FAILED, "syncResult": files}


def _push(app: Ragdoll, chosen: Scope, principal: Principal) -> list[dict[str, Any]]:
    files = [
        {
            "path": f.path,
            "content": f.content,
            **f.attributes.given(),
        }
        for f in chosen.files
    ]
    answers = app.manager.sync(chosen.host_ids, files, principal)
    by_host = {str(a["host_id"]): a for a in answers}
    results = []
    for host_id in chosen.host_ids:
        answer = by_host.get(host_id, {"results": []})
        done = {r["path"]: r for r in answer["results"]}
        entries = []
        for file in chosen.files:
            got = done.get(file.path, {"ok": False, "reason": "the manager did not answer for it"})
            entry: dict[str, Any] = {"filePath": file.path, "result": SUCCESS if got.get("ok") else FAILED}
            entry.update({k: got[k] for k in ("changed", "backup", "reason") if got.get(k) is not None})
            entries.append(entry)
        results.append(_host_result(host_id, entries))
    return results


def sync(app: Ragdoll, principal: Principal, body: SyncBody) -> Reply:
    """Best effort per host and per file; `dryRun` writes nothing and shows what would change."""
    chosen = scope(app, principal.username, body, body.filePaths)
    if not chosen.files or not chosen.host_ids:
        what = "files" if not chosen.files else "hosts"
        raise NotFoundError(f"domain {chosen.domain} has no {what} to sync", field="domainName")
    results = _dry_run(app, chosen, principal) if body.dryRun else _push(app, chosen, principal)
    good = sum(r["syncStatus"] == SUCCESS for r in results)
    code = judge_batch(good, len(results) - good, Code.TASK_EXECUTION_FAIL)
    payload = {"domainName": chosen.domain, "dryRun": body.dryRun, "syncResults": results}
    # Every host failed: the hosts (or the manager reaching them) did, not this request (502).
    return Reply(code, payload, http_status=502 if code is Code.TASK_EXECUTION_FAIL else None)
