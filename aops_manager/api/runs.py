"""Deployment run routes: execute a task (answered at once with the run id), its state, cancel;
and config collection, which reaches hosts the same way."""

from __future__ import annotations

from typing import Any

from aops_manager.api import api
from aops_manager.app import manager
from aops_manager.deploy import configs
from aops_manager.deploy import runs
from aops_manager.deploy.schemas import SYNC_MAX_BODY
from aops_manager.deploy.schemas import CancelBody
from aops_manager.deploy.schemas import CollectBody
from aops_manager.deploy.schemas import ExecuteBody
from aops_manager.deploy.schemas import StatusBody
from aops_manager.deploy.schemas import SyncBody
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext


@api.route("/manage/task/execute", body=ExecuteBody)
def execute(ctx: RequestContext[ExecuteBody]) -> dict[str, Any]:
    """Run each task (with `check`: Ansible's check mode); answers with the run ids at once."""
    assert ctx.principal is not None
    return runs.execute(manager(), ctx.principal, ctx.body)


@api.route("/manage/task/status", body=StatusBody)
def status(ctx: RequestContext[StatusBody]) -> dict[str, Any]:
    """A run with each step's and each host's state, or a task's runs with the newest in full."""
    assert ctx.principal is not None
    return runs.status(manager(), ctx.principal, ctx.body)


@api.route("/manage/task/cancel", body=CancelBody)
def cancel(ctx: RequestContext[CancelBody]) -> dict[str, Any]:
    """Stop a queued or running run; its running hosts end as cancelled."""
    assert ctx.principal is not None
    return runs.cancel(manager(), ctx.principal, ctx.body.run_id)


@api.route("/manage/config/collect", body=CollectBody)
def collect_config(ctx: RequestContext[CollectBody]) -> Reply:
    """Read every requested file of every host (content, mode, owner, group); a user's token, or
    a service's acting for the user (configuration tracing). 206 when some file was not read."""
    assert ctx.principal is not None
    return configs.collect(manager(), ctx.principal, ctx.body)


@api.route("/manage/config/sync", body=SyncBody, max_body=SYNC_MAX_BODY)
def sync_config(ctx: RequestContext[SyncBody]) -> Reply:
    """Write the same files to every host (content, and mode/owner/group when given), keeping a
    backup of each replaced file on the host; per host and file. 206 when some were not written."""
    assert ctx.principal is not None
    return configs.sync(manager(), ctx.principal, ctx.body)
