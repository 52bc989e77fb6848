"""What a request on real configurations covers: the domain's files and the chosen hosts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aops_utils.errors import NotFoundError
from gala_ragdoll.clients import HostFiles
from gala_ragdoll.clients import Who
from gala_ragdoll.schemas import ConfHost
from gala_ragdoll.store import ExpectedFile

if TYPE_CHECKING:
    from gala_ragdoll.app import Ragdoll


@dataclass(frozen=True)
class Scope:
    """What a request covers: the domain's files and the hosts asked for (all by default)."""

    domain: str
    files: list[ExpectedFile]
    host_ids: list[str]


def scope(app: Ragdoll, user: str, body: ConfHost, paths: Sequence[str] = ()) -> Scope:
    hosts = [h.host_id for h in app.repository.hosts(body.domainName, user)]
    files = app.repository.files(body.domainName, user)
    chosen = [item.hostId for item in body.hostIds]
    for index, host_id in enumerate(chosen):
        if host_id not in hosts:
            raise NotFoundError(
                f"host {host_id} is not in domain {body.domainName}", field=f"hostIds.{index}.hostId"
            )
    by_path = {f.path: f for f in files}
    for index, path in enumerate(paths):
        if path not in by_path:
            raise NotFoundError(
                f"{path} is not managed in domain {body.domainName}", field=f"filePaths.{index}"
            )
    return Scope(
        body.domainName,
        [by_path[p] for p in dict.fromkeys(paths)] if paths else files,
        list(dict.fromkeys(chosen)) if chosen else hosts,
    )


def collect(app: Ragdoll, chosen: Scope, who: Who) -> dict[str, HostFiles]:
    paths = [f.path for f in chosen.files]
    return app.manager.collect({h: paths for h in chosen.host_ids} if paths else {}, who)
