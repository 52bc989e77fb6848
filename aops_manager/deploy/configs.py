"""`/manage/config/collect` and `/manage/config/sync`: the files each host holds, read and
written with the user's hosts' logins."""

from __future__ import annotations

from typing import Any

from aops_manager.app import Manager
from aops_manager.deploy.collect import Collection
from aops_manager.deploy.collect import HostFiles
from aops_manager.deploy.jobs import run_builtin
from aops_manager.deploy.plan import Target
from aops_manager.deploy.runner import Redactor
from aops_manager.deploy.runs import targets_of
from aops_manager.deploy.schemas import CollectBody
from aops_manager.deploy.schemas import SyncBody
from aops_manager.deploy.sync import Sync
from aops_utils.codes import Code
from aops_utils.restful import Principal
from aops_utils.restful import Reply

NO_SUCH_HOST = "no such host"


def collect(app: Manager, principal: Principal, body: CollectBody) -> Reply:
    """Every requested file of every host; 200 when all were read, 206 when some were not."""
    wanted: dict[str, list[str]] = {}
    for item in body.infos:
        paths = wanted.setdefault(item.host_id, [])
        paths.extend(p for p in item.config_list if p not in paths)
    targets, redact = _targets(app, principal, list(wanted))
    settings = app.settings.deploy
    collection = Collection(targets, wanted, settings.collect_max_bytes)
    if targets:
        unfinished = _run(
            app,
            "collect_config",
            targets,
            on_event=collection.on_event,
            host_variables=collection.host_variables(targets),
            variables={"aops_max_bytes": settings.collect_max_bytes},
            # Every host in one wave where it fits: a host costs one short module run.
            forks=min(len(targets), settings.collect_forks),
            max_result_chars=collection.max_result_chars(),
        )
        for files in collection.hosts.values() if unfinished else ():
            files.fail_all(f"the collection {unfinished}")
    found = {files.host_id: files.answer() for files in collection.hosts.values()}
    resp = []
    for host_id, paths in wanted.items():
        answer = found.get(host_id) or _unknown(host_id, paths)
        answer["fail_reasons"] = {p: redact.text(r) for p, r in answer["fail_reasons"].items()}
        resp.append(answer)
    return _per_host([a["host_id"] for a in resp if a["fail_files"]], resp)


def sync(app: Manager, principal: Principal, body: SyncBody) -> Reply:
    """The files written to every host, per host and file; 200 all written, 206 some not."""
    host_ids = list(dict.fromkeys(body.host_list))
    targets, redact = _targets(app, principal, host_ids)
    writing = Sync(targets, body.files)
    if targets:
        unfinished = _run(
            app,
            "sync_config",
            targets,
            on_event=writing.on_event,
            host_variables=writing.host_variables(),
            prepare=writing.prepare,
        )
        for target in targets if unfinished else ():
            writing.fail_all(target.host_id, f"the sync {unfinished}")
    resp = writing.answers(host_ids)
    for answer in resp:
        for item in answer["results"]:
            if "reason" in item:
                item["reason"] = redact.text(item["reason"])
    return _per_host([a["host_id"] for a in resp if not all(r["ok"] for r in a["results"])], resp)


def _run(app: Manager, playbook: str, targets: list[Target], **options: Any) -> str | None:
    """Run a shipped playbook over `targets` within `[deploy] collect_timeout`; None when the run
    finished, else why not (timed out, cancelled), for what it did not reach."""
    result = run_builtin(
        app.deployer.dirs,
        app.deployer.setup,
        playbook,
        targets,
        timeout=app.settings.deploy.collect_timeout,
        **options,
    )
    if result.status in ("successful", "failed"):
        return None
    return f"did not finish ({result.status}): {result.tail}"


def _targets(app: Manager, principal: Principal, host_ids: list[str]) -> tuple[list[Target], Redactor]:
    """The user's hosts among `host_ids` with their logins, and what hides those logins' secrets
    in the reasons a reply gives."""
    targets, logins = targets_of(app, principal, host_ids)
    return targets, Redactor([s for login in logins.values() for s in login.secrets()])


def _per_host(failed: list[str], resp: list[dict[str, Any]]) -> Reply:
    """200 when no host failed, 206 when some did."""
    payload = {
        "succeed_list": [a["host_id"] for a in resp if a["host_id"] not in failed],
        "fail_list": failed,
        "resp": resp,
    }
    return Reply(Code.PARTIAL_SUCCEED if failed else Code.SUCCEED, payload)


def _unknown(host_id: str, paths: list[str]) -> dict[str, Any]:
    files = HostFiles(host_id, paths)
    files.fail_all(NO_SUCH_HOST)
    return files.answer()
