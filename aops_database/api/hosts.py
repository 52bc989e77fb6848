"""Host, host-group, host-detail and credential routes."""

from __future__ import annotations

from typing import Any

from aops_database.api import api
from aops_database.api import store_listing
from aops_database.app import HOST_INFO_INDEX
from aops_database.app import HOST_INFO_SPEC
from aops_database.app import center
from aops_database.services import groups
from aops_database.services import hosts
from aops_utils.codes import Code
from aops_utils.contracts import AddGroupBody
from aops_utils.contracts import GetGroupsBody
from aops_utils.contracts import GetHostsBody
from aops_utils.contracts import GroupNamesBody
from aops_utils.contracts import HostIdsBody
from aops_utils.contracts import HostInfoBody
from aops_utils.contracts import OptionalHostIdsBody
from aops_utils.contracts.data_center.hosts import HOST_INFO_MAX_BODY
from aops_utils.contracts.data_center.hosts import HOSTS_MAX_BODY
from aops_utils.contracts.data_center.hosts import STATUS_MAX_BODY
from aops_utils.contracts.data_center.hosts import AddHostsBody
from aops_utils.contracts.data_center.hosts import SaveHostInfoBody
from aops_utils.contracts.data_center.hosts import StatusBody
from aops_utils.contracts.data_center.hosts import UsersBody
from aops_utils.docstore import Terms
from aops_utils.docstore import save_by_id
from aops_utils.errors import ParamError
from aops_utils.restful import Access
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext
from aops_utils.restful.batch import batch_reply
from aops_utils.restful.batch import missing_reply


@api.route("/data/host/add", body=AddHostsBody, max_body=HOSTS_MAX_BODY)
def add_hosts(ctx: RequestContext[AddHostsBody]) -> Reply:
    """Add hosts; each names one of the batch's encrypted credential sets by index."""
    body = ctx.body
    if any(h.credential >= len(body.credentials) for h in body.host_list):
        raise ParamError("host_list: a credential index is out of range", field="host_list")
    batch = hosts.add_hosts(
        center().store, ctx.username, [h.model_dump() for h in body.host_list], body.credentials
    )
    return batch_reply(
        batch.succeeded,
        batch.failed,
        failure=Code.DATABASE_INSERT_ERROR,
        # Nothing added is the request's fault: a clash with stored hosts, or unknown groups.
        failure_status=409 if batch.clashed else 404,
    )


@api.route("/data/host/delete", methods=("DELETE",), body=HostIdsBody)
def delete_hosts(ctx: RequestContext[HostIdsBody]) -> Reply:
    """Delete the caller's hosts, their credentials (when unshared) and their detail documents."""
    wanted = list(dict.fromkeys(ctx.body.host_list))
    deleted = hosts.delete_hosts(center().store, ctx.username, wanted)
    if deleted:
        center().docs.delete_where(HOST_INFO_INDEX, [Terms("host_id", tuple(deleted))])
    found = [hid for hid in wanted if hid in deleted]
    return missing_reply(wanted, found, "host", host_info=deleted)


@store_listing("/data/host/get", GetHostsBody, "host_infos", hosts.get_hosts)
def get_hosts() -> None:
    """List the caller's hosts with filters, sorting and paging."""


@api.route("/data/host/count")
def count_hosts(ctx: RequestContext[None]) -> dict[str, Any]:
    """Number of hosts the caller owns."""
    return {"host_count": hosts.count_hosts(center().store, ctx.username)}


@api.route("/data/host/info/get", body=HostInfoBody)
def host_info(ctx: RequestContext[HostInfoBody]) -> dict[str, Any]:
    """Basic rows from the relational store, or detail documents, of the caller's hosts."""
    if ctx.body.basic:
        return {"host_infos": hosts.basic_info(center().store, ctx.username, ctx.body.host_list)}
    owned = hosts.owned_ids(center().store, ctx.username, ctx.body.host_list)
    found = center().docs.get_many(HOST_INFO_INDEX, owned) if owned else {}
    return {"host_infos": [found[hid] for hid in owned if hid in found]}


@api.route("/data/host/info/save", body=SaveHostInfoBody, access=Access.SERVICE, max_body=HOST_INFO_MAX_BODY)
def save_host_info(ctx: RequestContext[SaveHostInfoBody]) -> dict[str, Any]:
    """Store detail documents (`{host_id, infos: {os, cpu, memory}}`), one per host."""
    by_id = {}
    for index, item in enumerate(ctx.body.host_infos):
        host_id = item.get("host_id")
        if not isinstance(host_id, str) or not host_id:
            raise ParamError("host_id is required", field=f"host_infos.{index}.host_id")
        by_id[host_id] = item
    save_by_id(center().docs, HOST_INFO_INDEX, HOST_INFO_SPEC, by_id)
    return {}


@api.route("/data/host/info/delete", methods=("DELETE",), body=HostIdsBody, access=Access.SERVICE)
def delete_host_info(ctx: RequestContext[HostIdsBody]) -> dict[str, Any]:
    center().docs.delete_where(HOST_INFO_INDEX, [Terms("host_id", tuple(ctx.body.host_list))])
    return {}


@api.route("/data/host/info/get/user", body=UsersBody, access=Access.SERVICE)
def hosts_by_user(ctx: RequestContext[UsersBody]) -> dict[str, Any]:
    """Every host of the named users (all users when the list is empty)."""
    return {"host_infos": hosts.hosts_by_user(center().store, ctx.body.username)}


@api.route("/data/host/status/update", body=StatusBody, access=Access.SERVICE, max_body=STATUS_MAX_BODY)
def update_status(ctx: RequestContext[StatusBody]) -> dict[str, Any]:
    """Record reachability probe results (`online`/`offline`) by host id."""
    hosts.update_status(center().store, dict(ctx.body.statuses))
    return {}


@api.route("/data/host/credential/get", body=OptionalHostIdsBody)
def get_credentials(ctx: RequestContext[OptionalHostIdsBody]) -> dict[str, Any]:
    """Encrypted credential sets of the caller's hosts; only the user's key opens them."""
    return {"credentials": hosts.credentials(center().store, ctx.username, ctx.body.host_list)}


@api.route("/data/host/credential/sample")
def sample_credential(ctx: RequestContext[None]) -> dict[str, Any]:
    """One encrypted credential set of the caller, to check a vault key against."""
    return {"vault": hosts.any_vault(center().store, ctx.username)}


@api.route("/data/host/group/add", body=AddGroupBody)
def add_group(ctx: RequestContext[AddGroupBody]) -> dict[str, Any]:
    """Add a host group; a name is unique per user (1105)."""
    b = ctx.body
    return {"host_group_id": groups.add_group(center().store, ctx.username, b.host_group_name, b.description)}


@api.route("/data/host/group/delete", methods=("DELETE",), body=GroupNamesBody)
def delete_groups(ctx: RequestContext[GroupNamesBody]) -> Reply:
    """Delete empty groups per name; a group that still holds hosts (`kept`) or does not exist
    is a failure."""
    wanted = list(dict.fromkeys(ctx.body.host_group_list))
    result = groups.delete_groups(center().store, ctx.username, wanted)
    failed = [name for name in wanted if name not in result.deleted]
    unknown = [name for name in failed if name not in result.kept]
    reasons = []
    if result.kept:
        reasons.append("these groups still hold hosts: " + ", ".join(result.kept))
    if unknown:
        reasons.append("no such host group: " + ", ".join(unknown))
    # 21.09's code when a group was kept is 1106; 409 because the groups are in use.
    in_use = bool(result.kept)
    return batch_reply(
        result.deleted,
        failed,
        failure=Code.DATA_DEPENDENCY_ERROR if in_use else Code.DATABASE_DELETE_ERROR,
        failure_status=409 if in_use else 404,
        detail="; ".join(reasons),
        deleted=result.deleted,
        kept=result.kept,
    )


@store_listing("/data/host/group/get", GetGroupsBody, "host_group_infos", groups.get_groups)
def get_groups() -> None:
    """List the caller's groups with live host counts."""
