"""Domains, their hosts and their managed files: each change one commit of the user's."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from aops_utils.codes import Code
from aops_utils.errors import AopsError
from aops_utils.errors import DataExistError
from aops_utils.errors import NotFoundError
from aops_utils.errors import ParamError
from aops_utils.restful import Principal
from aops_utils.restful import Reply
from aops_utils.restful.batch import batch_reply
from gala_ragdoll import drift
from gala_ragdoll.app import Ragdoll
from gala_ragdoll.schemas import Conf
from gala_ragdoll.schemas import Domain
from gala_ragdoll.schemas import HostInfos
from gala_ragdoll.schemas import ManageConfs
from gala_ragdoll.store import Change
from gala_ragdoll.store import ExpectedFile
from gala_ragdoll.store import FileAttributes
from gala_ragdoll.store import HostRecord
from gala_ragdoll.store import Outcome
from gala_ragdoll.store.layout import check_path


def per_item(items: Sequence[str], apply: Callable[[str], object]) -> Reply:
    """Apply to each item, one failing not stopping the others."""
    done: list[str] = []
    errors: dict[str, AopsError] = {}
    for item in dict.fromkeys(items):
        try:
            apply(item)
            done.append(item)
        except AopsError as exc:
            errors[item] = exc
    return batch_of(done, errors)


def batch_of(done: Sequence[str], errors: dict[str, AopsError]) -> Reply:
    """`succeed_list`, `fail_list` and each failure's reason. When every item failed, the code and
    status are their common ones (409 every domain exists, 404 none exists), else 400."""
    codes = {e.code for e in errors.values()}
    statuses = {e.http_status for e in errors.values()}
    return batch_reply(
        list(done),
        list(errors),
        failure=codes.pop() if len(codes) == 1 else Code.PARAM_ERROR,
        failure_status=statuses.pop() if len(statuses) == 1 else 400,
        detail="; ".join(f"{k}: {e.detail}" for k, e in list(errors.items())[:10]),
        fail_reasons={k: e.detail for k, e in errors.items()},
    )


def outcome_reply(outcome: Outcome, refusal: type[AopsError]) -> Reply:
    """A store batch's answer: what it did, and what it skipped as failures of `refusal`'s code."""
    return batch_of(outcome.done, {k: refusal(why) for k, why in outcome.skipped.items()})


# Domains


def create_domains(app: Ragdoll, user: str, domains: Sequence[Domain]) -> Reply:
    priorities = {d.domainName: d.priority for d in domains}
    return per_item(
        [d.domainName for d in domains],
        lambda name: app.repository.create_domain(name, user, priorities[name]),
    )


def query_domains(app: Ragdoll, user: str) -> dict[str, Any]:
    domains = app.repository.domains(user)
    return {"domains": [{"domainName": d.name, "priority": d.priority} for d in domains]}


def delete_domains(app: Ragdoll, user: str, names: Sequence[str]) -> Reply:
    if not names:
        raise ParamError("name the domains to delete (?domainName=a&domainName=b)", field="domainName")
    reply = per_item(names, lambda name: app.repository.delete_domain(name, user))
    drift.forget(app, reply.payload["succeed_list"], user)
    return reply


# Hosts


def add_hosts(app: Ragdoll, user: str, body: HostInfos) -> Reply:
    records = [HostRecord(h.hostId, h.ip, h.ipv6) for h in body.hostInfos]
    return outcome_reply(app.repository.add_hosts(body.domainName, user, records), DataExistError)


def _present(**values: Any) -> dict[str, Any]:
    """The keys whose value is not None: 21.09 left out the others."""
    return {key: value for key, value in values.items() if value is not None}


def host_json(host: HostRecord) -> dict[str, Any]:
    return {"hostId": host.host_id, **_present(ip=host.ip, ipv6=host.ipv6)}


def get_hosts(app: Ragdoll, user: str, domain: str) -> dict[str, Any]:
    return {"hosts": [host_json(h) for h in app.repository.hosts(domain, user)]}


def delete_hosts(app: Ragdoll, user: str, body: HostInfos) -> Reply:
    ids = [h.hostId for h in body.hostInfos]
    return outcome_reply(app.repository.remove_hosts(body.domainName, user, ids), NotFoundError)


# Managed files


def _check_paths(paths: Sequence[str], field: str) -> None:
    seen: dict[str, int] = {}
    for index, path in enumerate(paths):
        check_path(path, field.format(index))
        if path in seen:
            raise ParamError(f"{path} is given twice (also at {seen[path]})", field=field.format(index))
        seen[path] = index


def add_files(app: Ragdoll, principal: Principal, domain: str, confs: Sequence[Conf], reason: str) -> Reply:
    """Expected files from the request's contents, or as a host holds them now (its mode, owner and
    group kept unless given); a file a host could not give fails with the manager's reason."""
    _check_paths([c.filePath for c in confs], "confFiles.{}.filePath")
    user = principal.username
    # What a file is given keeps what the domain sets already, or else (new from a host) the host's.
    current = {f.path: f.attributes for f in app.repository.files(domain, user)}
    wanted: dict[str, list[str]] = {}
    for conf in confs:
        if conf.hostId is not None:
            wanted.setdefault(conf.hostId, []).append(conf.filePath)
    real = app.manager.collect(wanted, principal)
    files: list[ExpectedFile] = []
    failed: dict[str, AopsError] = {}
    for conf in confs:
        base = current.get(conf.filePath, FileAttributes())
        if conf.contents is not None:
            files.append(ExpectedFile(conf.filePath, conf.contents, _attributes(conf, base)))
            continue
        assert conf.hostId is not None
        host = real[conf.hostId]
        found = host.files.get(conf.filePath)
        if found is None:
            why = host.failures.get(conf.filePath, "not read")
            failed[conf.filePath] = ParamError(f"host {conf.hostId}: {why}")
            continue
        if conf.filePath not in current:
            base = FileAttributes(found.mode, found.owner, found.group)
        files.append(ExpectedFile(conf.filePath, found.content, _attributes(conf, base)))
    outcome = app.repository.put_files(domain, user, files, reason) if files else Outcome()
    # A file whose expected content is already the one given is done (unchanged, no commit).
    return batch_of([*outcome.done, *outcome.skipped], failed)


def _attributes(conf: Conf, base: FileAttributes) -> FileAttributes:
    return FileAttributes(conf.mode or base.mode, conf.owner or base.owner, conf.group or base.group)


def file_json(file: ExpectedFile) -> dict[str, Any]:
    return {"filePath": file.path, "contents": file.content, **file.attributes.given()}


def get_files(app: Ragdoll, user: str, domain: str) -> dict[str, Any]:
    return {"domainName": domain, "confFiles": [file_json(f) for f in app.repository.files(domain, user)]}


def change_json(change: Change) -> dict[str, Any]:
    return {
        "date": change.date,
        "author": change.author,
        "changeId": change.commit,
        "changeReason": change.reason,
        "diff": change.diff,
        # 21.09 had no preValue for a file's first commit.
        **_present(preValue=change.pre, postValue=change.post),
    }


def change_log(app: Ragdoll, user: str, body: ManageConfs) -> dict[str, Any]:
    """Each managed file (or those asked for) with its expected content and its change log."""
    files = {f.path: f for f in app.repository.files(body.domainName, user)}
    paths = [c.filePath for c in body.confFiles]
    _check_paths(paths, "confFiles.{}.filePath")
    for index, path in enumerate(paths):
        if path not in files:
            raise NotFoundError(
                f"{path} is not managed in domain {body.domainName}", field=f"confFiles.{index}.filePath"
            )
    infos = []
    for path in paths or list(files):
        log = app.repository.change_log(body.domainName, user, path)
        infos.append(
            {
                "filePath": path,
                "expectedContents": files[path].content,
                "changeLog": [change_json(c) for c in log],
            }
        )
    return {"domainName": body.domainName, "confBaseInfos": infos}


def expected_confs(app: Ragdoll, user: str) -> dict[str, Any]:
    """Every domain of the user with its files' expected contents and change logs."""
    found = []
    for domain in app.repository.domains(user):
        body = ManageConfs(domainName=domain.name)
        found.append(change_log(app, user, body))
    return {"expectedConfs": found}


def delete_files(app: Ragdoll, user: str, body: ManageConfs) -> Reply:
    paths = [c.filePath for c in body.confFiles]
    if not paths:
        raise ParamError("name the files to stop managing", field="confFiles")
    _check_paths(paths, "confFiles.{}.filePath")
    outcome = app.repository.remove_files(body.domainName, user, paths, body.changeReason)
    return outcome_reply(outcome, NotFoundError)
