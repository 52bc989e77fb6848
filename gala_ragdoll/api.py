"""The 14 routes of 21.09's gala-ragdoll (reference 1.7: methods, paths and JSON keys), each
user's domains their own; and the last kept drift check."""

from __future__ import annotations

from typing import Any

from flask import request

from aops_utils.restful import Api
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext
from gala_ragdoll import confs
from gala_ragdoll import drift
from gala_ragdoll import service
from gala_ragdoll.app import ragdoll
from gala_ragdoll.schemas import CONFS_MAX_BODY
from gala_ragdoll.schemas import ConfHost
from gala_ragdoll.schemas import Confs
from gala_ragdoll.schemas import DomainNameBody
from gala_ragdoll.schemas import DomainNames
from gala_ragdoll.schemas import Domains
from gala_ragdoll.schemas import HostInfos
from gala_ragdoll.schemas import ManageConfs
from gala_ragdoll.schemas import SyncBody

api = Api("A-Ops configuration tracing (gala-ragdoll)")


@api.route("/domain/createDomain", body=Domains)
def create_domain(ctx: RequestContext[Domains]) -> Reply:
    """Create domains (a bare array of {domainName, priority}), each one commit, per item."""
    return service.create_domains(ragdoll(), ctx.username, ctx.body.root)


@api.route("/domain/queryDomain")
def query_domain(ctx: RequestContext[None]) -> dict[str, Any]:
    """The caller's domains (`domains`: [{domainName, priority}]; empty is not an error)."""
    return service.query_domains(ragdoll(), ctx.username)


@api.route("/domain/deleteDomain", methods=("DELETE",), body=DomainNames)
def delete_domain(ctx: RequestContext[DomainNames]) -> Reply:
    """Delete domains named by `?domainName=a&domainName=b` (21.09) or in the body, per item."""
    names = [*request.args.getlist("domainName"), *ctx.body.domainName]
    return service.delete_domains(ragdoll(), ctx.username, names)


@api.route("/host/addHost", body=HostInfos)
def add_host_in_domain(ctx: RequestContext[HostInfos]) -> Reply:
    """Add hosts to a domain (one commit); a host already in it fails (409 when all do)."""
    return service.add_hosts(ragdoll(), ctx.username, ctx.body)


@api.route("/host/getHost", body=DomainNameBody)
def get_host_by_domain_name(ctx: RequestContext[DomainNameBody]) -> dict[str, Any]:
    """A domain's hosts (`hosts`: [{hostId, ip, ipv6}])."""
    return service.get_hosts(ragdoll(), ctx.username, ctx.body.domainName)


@api.route("/host/deleteHost", methods=("DELETE",), body=HostInfos)
def delete_host_in_domain(ctx: RequestContext[HostInfos]) -> Reply:
    """Remove hosts from a domain (one commit); a host not in it fails (404 when all do)."""
    return service.delete_hosts(ragdoll(), ctx.username, ctx.body)


@api.route("/management/addManagementConf", body=Confs, max_body=CONFS_MAX_BODY)
def add_management_confs_in_domain(ctx: RequestContext[Confs]) -> Reply:
    """Manage files: their expected content given, or read now from a host (one commit)."""
    body = ctx.body
    return service.add_files(ragdoll(), ctx.caller, body.domainName, body.confFiles, body.changeReason)


@api.route("/management/getManagementConf", body=DomainNameBody)
def get_management_confs_in_domain(ctx: RequestContext[DomainNameBody]) -> dict[str, Any]:
    """A domain's managed files with their expected contents (and the mode/owner/group sync sets)."""
    return service.get_files(ragdoll(), ctx.username, ctx.body.domainName)


@api.route("/management/queryManageConfChange", body=ManageConfs)
def query_changelog_of_management_confs_in_domain(ctx: RequestContext[ManageConfs]) -> dict[str, Any]:
    """Each managed file's change log from git: who, when, why, before/after and the diff."""
    return service.change_log(ragdoll(), ctx.username, ctx.body)


@api.route("/management/deleteManagementConf", methods=("DELETE",), body=ManageConfs)
def delete_management_confs_in_domain(ctx: RequestContext[ManageConfs]) -> Reply:
    """Stop managing files (one commit); a file not managed fails (404 when all do)."""
    return service.delete_files(ragdoll(), ctx.username, ctx.body)


@api.route("/confs/queryRealConfs", body=ConfHost)
def query_real_confs(ctx: RequestContext[ConfHost]) -> dict[str, Any]:
    """Each host's managed files as the manager reads them now (`realConfs`), and why not."""
    return confs.real_confs(ragdoll(), ctx.caller, ctx.body)


@api.route("/confs/queryExpectedConfs")
def query_excepted_confs(ctx: RequestContext[None]) -> dict[str, Any]:
    """Every domain of the caller with its files' expected contents and change logs."""
    return service.expected_confs(ragdoll(), ctx.username)


@api.route("/confs/syncConf", methods=("PUT",), body=SyncBody)
def sync_conf_to_host_from_domain(ctx: RequestContext[SyncBody]) -> Reply:
    """Write the expected files to the domain's hosts through the manager, per host and file;
    with `dryRun`, only the unified diff and attribute changes each host would take."""
    return confs.sync(ragdoll(), ctx.caller, ctx.body)


@api.route("/confs/getDomainStatus", body=DomainNameBody)
def get_the_sync_status_of_domain(ctx: RequestContext[DomainNameBody]) -> dict[str, Any]:
    """Check every host now: per file SYNCHRONIZED / NOT SYNCHRONIZE / NOT FOUND, the differing
    keys and attributes, `driftedSince`; kept as the domain's last check."""
    return confs.domain_status_reply(ragdoll(), ctx.caller, ctx.body.domainName)


@api.route("/confs/getDriftRecord", body=DomainNameBody)
def get_drift_record(ctx: RequestContext[DomainNameBody]) -> dict[str, Any]:
    """Beyond 21.09: the domain's last kept check (periodic or asked for), without checking now;
    `hostStatus` is empty when it was never checked."""
    return drift.last_check(ragdoll(), ctx.caller, ctx.body.domainName)
