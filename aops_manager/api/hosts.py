"""Host and host-group routes; the data center stores, the manager encrypts and probes."""

from __future__ import annotations

import uuid
from typing import Any

from aops_manager import vault
from aops_manager.api import api
from aops_manager.app import manager
from aops_manager.forwarding import call, read, write
from aops_manager.schemas import AddHostsBody
from aops_utils.clients import reply_of
from aops_utils.contracts import (
    AddGroupBody,
    GetGroupsBody,
    GetHostsBody,
    GroupNamesBody,
    HostIdsBody,
    HostInfoBody,
    OptionalHostIdsBody,
)
from aops_utils.errors import AopsError
from aops_utils.restful import Reply, RequestContext


@api.route("/manage/host/add", body=AddHostsBody)
def add_hosts(ctx: RequestContext[AddHostsBody]) -> Reply:
    """Add hosts; each distinct credential set is encrypted once with the user's key."""
    assert ctx.principal is not None
    key = ctx.body.key
    sample = call("POST", "/data/host/credential/sample", {}, ctx.principal)
    if sample.get("vault"):
        # One key per user: a different key could not open the older hosts' credentials.
        vault.decrypt(key, sample["vault"])
    refs: dict[tuple[str, str | None, str | None, str | None], int] = {}
    vaults: list[str] = []
    hosts = []
    for entry in ctx.body.host_list:
        cred = entry.credential_key()
        if cred not in refs:
            refs[cred] = len(vaults)
            vaults.append(vault.encrypt(key, vault.credential_vars(*cred)))
        hosts.append(
            {
                "host_id": uuid.uuid4().hex,
                "host_name": entry.host_name,
                "host_group_name": entry.host_group_name,
                "public_ip": entry.public_ip,
                "ssh_port": entry.ssh_port,
                "management": entry.management,
                "credential": refs[cred],
            }
        )
    reply = write("/data/host/add", ctx, body={"host_list": hosts, "credentials": vaults})
    manager().keyring.remember(ctx.username, key)
    payload = reply_of(reply)
    payload.payload["host_list"] = [h["host_id"] for h in reply["succeed_list"]]
    manager().prober.probe_soon(reply["succeed_list"])
    return payload


@api.route("/manage/host/delete", methods=("DELETE",), body=HostIdsBody)
def delete_hosts(ctx: RequestContext[HostIdsBody]) -> Reply:
    """Delete hosts per item with their stored credentials and details."""
    try:
        return reply_of(write("/data/host/delete", ctx, "DELETE"), "host_info")
    except AopsError as exc:
        # 21.09's manager kept the data center's id-to-name map to itself.
        exc.payload.pop("host_info", None)
        raise


@api.route("/manage/host/get", body=GetHostsBody)
def get_hosts(ctx: RequestContext[GetHostsBody]) -> Reply:
    """List hosts (filter by groups and role, sort by name or group, page)."""
    return reply_of(read("/data/host/get", ctx))


@api.route("/manage/host/count")
def count_hosts(ctx: RequestContext[None]) -> Reply:
    """Number of hosts the user owns."""
    return reply_of(read("/data/host/count", ctx))


@api.route("/manage/host/info/query", body=HostInfoBody)
def host_info(ctx: RequestContext[HostInfoBody]) -> Reply:
    """Host details (`basic` for the inventory row) of the user's hosts."""
    return reply_of(read("/data/host/info/get", ctx))


@api.route("/manage/host/status/refresh", body=OptionalHostIdsBody)
def refresh_status(ctx: RequestContext[OptionalHostIdsBody]) -> dict[str, Any]:
    """Probe the hosts' SSH ports now (all the user's hosts when the list is empty)."""
    body = {"host_list": ctx.body.host_list, "basic": True}
    rows = call("POST", "/data/host/info/get", body, ctx.principal)["host_infos"]
    statuses = manager().prober.refresh(rows)
    return {"host_infos": [{"host_id": hid, "status": st} for hid, st in statuses.items()]}


@api.route("/manage/host/group/add", body=AddGroupBody)
def add_group(ctx: RequestContext[AddGroupBody]) -> Reply:
    """Add a host group (names are unique per user)."""
    return reply_of(write("/data/host/group/add", ctx))


@api.route("/manage/host/group/delete", methods=("DELETE",), body=GroupNamesBody)
def delete_groups(ctx: RequestContext[GroupNamesBody]) -> Reply:
    """Delete host groups that hold no hosts."""
    return reply_of(write("/data/host/group/delete", ctx, "DELETE"))


@api.route("/manage/host/group/get", body=GetGroupsBody)
def get_groups(ctx: RequestContext[GetGroupsBody]) -> Reply:
    """List host groups with their host counts."""
    return reply_of(read("/data/host/group/get", ctx))
