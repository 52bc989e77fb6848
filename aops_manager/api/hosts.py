"""Host and host-group routes; the data center stores, the manager encrypts and probes."""

from __future__ import annotations

from typing import Any

from aops_manager import service
from aops_manager.api import api
from aops_manager.api import relay
from aops_manager.app import manager
from aops_manager.deploy import hostinfo
from aops_manager.deploy.schemas import HostFactsBody
from aops_manager.forwarding import call
from aops_manager.forwarding import changes
from aops_manager.forwarding import read
from aops_manager.schemas import AddHostsBody
from aops_utils.clients import forward
from aops_utils.clients import reply_of
from aops_utils.contracts import AddGroupBody
from aops_utils.contracts import GetGroupsBody
from aops_utils.contracts import GetHostsBody
from aops_utils.contracts import GroupNamesBody
from aops_utils.contracts import HostIdsBody
from aops_utils.contracts import HostInfoBody
from aops_utils.contracts import OptionalHostIdsBody
from aops_utils.data_center import DataCenter
from aops_utils.errors import AopsError
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext


@api.route("/manage/host/add", body=AddHostsBody)
def add_hosts(ctx: RequestContext[AddHostsBody]) -> Reply:
    """Add hosts; each distinct credential set is encrypted once with the user's key."""
    return service.add_hosts(manager(), ctx.caller, ctx.body)


@api.route("/manage/host/delete", methods=("DELETE",), body=HostIdsBody)
def delete_hosts(ctx: RequestContext[HostIdsBody]) -> Reply:
    """Delete hosts per item with their stored credentials and details."""
    try:
        return forward(changes(manager().data_center.delete_hosts), ctx.body, ctx, drop=("host_info",))
    except AopsError as exc:
        # 21.09's manager kept the data center's id-to-name map to itself.
        exc.payload.pop("host_info", None)
        raise


@relay.read("/manage/host/get", GetHostsBody, DataCenter.get_hosts)
def get_hosts() -> None:
    """List hosts (filter by groups and role, sort by name or group, page)."""


@relay.read("/manage/host/count", None, DataCenter.count_hosts)
def count_hosts() -> None:
    """Number of hosts the user owns."""


@api.route("/manage/host/info/query", body=HostInfoBody)
def host_info(ctx: RequestContext[HostInfoBody]) -> Reply:
    """Host details (`basic` for the inventory row) of the user's hosts: OS, CPU, memory, disks and
    interfaces at the top of each item (as 21.09's web drawer reads them) and under `infos`."""
    reply = reply_of(read(manager().data_center.get_host_info, ctx))
    if not ctx.body.basic:
        reply.payload["host_infos"] = [hostinfo.drawer(d) for d in reply.payload.get("host_infos", [])]
    return reply


@api.route("/manage/host/info/collect", body=HostFactsBody)
def collect_host_info(ctx: RequestContext[HostFactsBody]) -> Reply:
    """Collect the hosts' details now with Ansible's facts (also done when a host is added)."""
    assert ctx.principal is not None
    return hostinfo.collect(manager(), ctx.principal, list(ctx.body.host_list))


@api.route("/manage/host/status/refresh", body=OptionalHostIdsBody)
def refresh_status(ctx: RequestContext[OptionalHostIdsBody]) -> dict[str, Any]:
    """Probe the hosts' SSH ports now (all the user's hosts when the list is empty)."""
    principal = ctx.caller
    rows = call(principal, lambda: manager().data_center.host_basics(ctx.body.host_list, principal))
    statuses = manager().prober.refresh(rows)
    return {"host_infos": [{"host_id": hid, "status": st} for hid, st in statuses.items()]}


@relay.change("/manage/host/group/add", AddGroupBody, DataCenter.add_group)
def add_group() -> None:
    """Add a host group (names are unique per user)."""


@relay.change("/manage/host/group/delete", GroupNamesBody, DataCenter.delete_groups)
def delete_groups() -> None:
    """Delete host groups that hold no hosts."""


@relay.read("/manage/host/group/get", GetGroupsBody, DataCenter.get_groups)
def get_groups() -> None:
    """List host groups with their host counts."""
