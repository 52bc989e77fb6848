"""The drift check (21.12's monitoring, never built in 21.09): every domain re-checked on
`[ragdoll] drift_check_interval`, its last check kept in the data center's document store with,
per drifted file, since when it has been drifted."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from aops_utils.errors import AopsError
from aops_utils.restful import Principal
from gala_ragdoll.clients import Who
from gala_ragdoll.schemas import ConfHost
from gala_ragdoll.scope import collect
from gala_ragdoll.scope import scope
from gala_ragdoll.status import HostStatus
from gala_ragdoll.status import SyncState
from gala_ragdoll.status import domain_status

if TYPE_CHECKING:
    from gala_ragdoll.app import Ragdoll

LOG = logging.getLogger(__name__)


def _since(report: dict[str, Any]) -> dict[tuple[str, str], float]:
    """(host, file) -> since when it is drifted, from a kept report."""
    found = {}
    for host in report.get("hostStatus", []):
        for file in host.get("syncStatus", []):
            if "driftedSince" in file:
                found[(host["hostId"], file["filePath"])] = float(file["driftedSince"])
    return found


def previous(app: Ragdoll, domain: str, who: Who) -> dict[str, Any]:
    for row in app.data_center.drifts([domain], who):
        report: dict[str, Any] = json.loads(row["report"])
        return report
    return {}


def last_check(app: Ragdoll, principal: Principal, domain: str) -> dict[str, Any]:
    """The domain's last kept check; `hostStatus` empty and `checkedAt` None if never checked."""
    app.repository.domain(domain, principal.username)
    return previous(app, domain, principal) or {"domainName": domain, "checkedAt": None, "hostStatus": []}


def forget(app: Ragdoll, domains: Sequence[str], user: str) -> None:
    """Deleted domains' checks: a domain of the name made later starts afresh."""
    if domains:
        app.data_center.delete_drifts(domains, user)


def record(app: Ragdoll, domain: str, user: str, statuses: Sequence[HostStatus]) -> dict[str, Any]:
    """The check as kept: each host's files, a file not SYNCHRONIZED with `driftedSince` (the
    check that first found it so, or now). A host that could not be read keeps what it had: an
    outage is not a change of its files."""
    now = time.time()
    before = previous(app, domain, user)
    since = _since(before)
    hosts = []
    for status in statuses:
        entry = status.as_json()
        for file in entry["syncStatus"]:
            key = (status.host_id, file["filePath"])
            if status.host_error is not None:
                if key in since:
                    file["driftedSince"] = since[key]
            elif file["isSynced"] != SyncState.SYNCHRONIZED:
                file["driftedSince"] = since.get(key, now)
        hosts.append(entry)
    report = {"domainName": domain, "checkedAt": now, "hostStatus": hosts}
    app.data_center.save_drift(domain, user, now, json.dumps(report))
    return report


def check_status(app: Ragdoll, user: str, domain: str, who: Who) -> dict[str, Any]:
    """Every host of the domain against its expected files now, kept as the domain's last check."""
    chosen = scope(app, user, ConfHost(domainName=domain))
    statuses = domain_status(chosen.files, chosen.host_ids, collect(app, chosen, who))
    return record(app, domain, user, statuses)


def check_every_domain(app: Ragdoll) -> int:
    """One pass over every domain of every user, each acting for its owner; a domain that fails
    (its owner's vault key not in the manager's memory, say) does not stop the others."""
    checked = 0
    for domain in app.repository.all_domains():
        try:
            check_status(app, domain.owner, domain.name, domain.owner)
            checked += 1
        except AopsError as exc:
            LOG.warning("drift check of domain %s (%s): %s", domain.name, domain.owner, exc.detail)
    return checked
