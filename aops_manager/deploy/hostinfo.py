"""Host details for the manager's routes: collected on add and on demand, answered for the drawer."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from aops_manager.app import Manager
from aops_manager.deploy.plan import Login
from aops_manager.deploy.plan import Target
from aops_manager.deploy.runs import targets_of
from aops_manager.schemas import HostEntry
from aops_utils.codes import Code
from aops_utils.restful import Principal
from aops_utils.restful import Reply


def added_targets(entries: Iterable[HostEntry], added: Iterable[Mapping[str, Any]]) -> list[Target]:
    """The hosts just added, with the logins given in the request (nothing to decrypt)."""
    by_name = {entry.host_name: entry for entry in entries}
    targets = []
    for row in added:
        entry = by_name[row["host_name"]]
        login = Login(entry.username, entry.password, entry.private_key, entry.sudo_password)
        targets.append(Target.of_host(row, login))
    return targets


def drawer(document: Mapping[str, Any]) -> dict[str, Any]:
    """A stored detail document as 21.09's web drawer reads it (`os`, `cpu`, `memory`... at the
    top) and as its CLI did (under `infos`)."""
    infos = document.get("infos") if isinstance(document.get("infos"), Mapping) else {}
    return {**dict(infos or {}), **dict(document), "infos": infos}


def collect(app: Manager, principal: Principal, host_ids: list[str]) -> Reply:
    """Collect the hosts' details now; 206 naming the hosts without details and why."""
    targets, logins = targets_of(app, principal, host_ids)
    collection = app.facts.collect(targets)
    for host_id in host_ids:
        if host_id not in logins:
            collection.reasons[host_id] = "no such host"
    documents = {d["host_id"]: d for d in collection.documents()}
    failed = [h for h in dict.fromkeys(host_ids) if h not in documents]
    payload = {
        "succeed_list": [h for h in dict.fromkeys(host_ids) if h in documents],
        "fail_list": failed,
        "fail_reasons": {h: collection.reasons.get(h, "") for h in failed},
        "host_infos": [drawer(d) for d in documents.values()],
    }
    # Hosts that cannot be reached are not a failure of the request: each one is named with why.
    return Reply(Code.PARTIAL_SUCCEED if failed else Code.SUCCEED, payload)
