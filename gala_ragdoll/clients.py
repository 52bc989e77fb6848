"""The manager as gala-ragdoll calls it: files read from hosts, and files written to them."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aops_utils import tls
from aops_utils.auth import TokenCodec
from aops_utils.auth import load_secret
from aops_utils.clients import ServiceClient
from aops_utils.conf import SystemIni
from aops_utils.restful import Principal
from gala_ragdoll.settings import CollectSection

SERVICE = "gala-ragdoll"
MANAGER = "aops-manager"
SYNC_PATH = "/manage/config/sync"
# Reasons of the manager's collect (aops_manager/deploy/configs.py, collect.py) that mean the
# host, not the file, failed.
HOST_FAILURES = ("the host is unreachable", "no such host", "the collection did not finish")

Who = Principal | str


@dataclass(frozen=True)
class RealFile:
    path: str
    content: str
    mode: str
    owner: str
    group: str


@dataclass(frozen=True)
class HostFiles:
    """One host's files as the manager read them; `host_error` when the host itself failed."""

    host_id: str
    files: dict[str, RealFile]
    failures: dict[str, str]
    host_error: str | None = None


def host_files(answer: Mapping[str, Any]) -> HostFiles:
    files = {}
    for info in answer.get("infos", []):
        attr = info.get("file_attr") or {}
        files[info["path"]] = RealFile(
            info["path"],
            info.get("content", ""),
            attr.get("mode", ""),
            attr.get("owner", ""),
            attr.get("group", ""),
        )
    failures: dict[str, str] = dict(answer.get("fail_reasons") or {})
    for path in answer.get("fail_files", []):
        failures.setdefault(path, "the file was not read")
    reasons = set(failures.values())
    host_error = None
    if not files and len(reasons) == 1 and next(iter(reasons)).startswith(HOST_FAILURES):
        host_error = next(iter(reasons))
    return HostFiles(str(answer["host_id"]), files, failures, host_error)


class Manager(ServiceClient):
    """`[collect] collect_address`: the manager's collect route (`collect_api`) and its sync route."""

    audience = MANAGER

    def __init__(self, system: SystemIni, collect: CollectSection) -> None:
        verify: str | bool = True
        cert = None
        if system.tls.enabled and collect.collect_address.startswith("https://"):
            verify, cert = tls.client_files(system.tls)
        super().__init__(
            collect.collect_address,
            TokenCodec(load_secret(system.auth.secret_file)),
            SERVICE,
            collect.timeout,
            token_ttl=system.auth.service_token_ttl,
            verify=verify,
            cert=cert,
        )
        self._collect_api = collect.collect_api

    def _send(self, path: str, body: dict[str, Any], who: Who) -> dict[str, Any]:
        if isinstance(who, Principal):
            return self.post(path, body, principal=who)
        return self.post(path, body, acting_user=who)

    def collect(self, wanted: Mapping[str, Sequence[str]], who: Who) -> dict[str, HostFiles]:
        """Each host's files (a host asked for is always in the answer, failed if need be)."""
        if not wanted:
            return {}
        infos = [{"host_id": h, "config_list": list(paths)} for h, paths in wanted.items() if paths]
        if not infos:
            return {h: HostFiles(h, {}, {}) for h in wanted}
        answer = self._send(self._collect_api, {"infos": infos}, who)
        found = {str(item["host_id"]): host_files(item) for item in answer.get("resp", [])}
        for host_id, paths in wanted.items():
            found.setdefault(
                host_id, HostFiles(host_id, {}, dict.fromkeys(paths, "the manager did not answer for it"))
            )
        return found

    def sync(self, host_ids: Sequence[str], files: list[dict[str, Any]], who: Who) -> list[dict[str, Any]]:
        """Write the files to every host (the manager's `/manage/config/sync`): each host's results."""
        answer = self._send(SYNC_PATH, {"host_list": list(host_ids), "files": files}, who)
        results: list[dict[str, Any]] = answer.get("resp", [])
        return results
