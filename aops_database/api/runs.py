"""Deployment run routes: a run queued, changed as it happens, read back, and the lease watch."""

from __future__ import annotations

from typing import Any

from aops_database.api import api
from aops_database.app import center
from aops_database.services import runs
from aops_utils.contracts.data_center.runs import RUN_MAX_BODY
from aops_utils.contracts.data_center.runs import UPDATE_MAX_BODY
from aops_utils.contracts.data_center.runs import AddRunBody
from aops_utils.contracts.data_center.runs import InterruptBody
from aops_utils.contracts.data_center.runs import LeaseBody
from aops_utils.contracts.data_center.runs import RunHistoryBody
from aops_utils.contracts.data_center.runs import RunIdBody
from aops_utils.contracts.data_center.runs import UpdateRunBody
from aops_utils.restful import Access
from aops_utils.restful import RequestContext
from aops_utils.restful.paging import paged_reply


@api.route("/data/manage/run/add", body=AddRunBody, max_body=RUN_MAX_BODY)
def add_run(ctx: RequestContext[AddRunBody]) -> dict[str, Any]:
    """Queue a run of the caller's task: its steps in order, each with the hosts it runs on."""
    runs.add_run(center().store, ctx.username, ctx.body.model_dump(by_alias=True))
    return {"run_id": ctx.body.run_id}


@api.route("/data/manage/run/update", body=UpdateRunBody, max_body=UPDATE_MAX_BODY)
def update_run(ctx: RequestContext[UpdateRunBody]) -> dict[str, Any]:
    """The newest states of a run's steps and hosts, and of the run; answers the run's status
    (an ended run keeps it: `cancelled` or `interrupted` tell the manager to stop)."""
    return {"status": runs.update_run(center().store, ctx.username, ctx.body.model_dump())}


@api.route("/data/manage/run/get", body=RunIdBody)
def get_run(ctx: RequestContext[RunIdBody]) -> dict[str, Any]:
    """One of the caller's runs with its steps and, per step, its hosts."""
    return {"run": runs.get_run(center().store, ctx.username, ctx.body.run_id)}


@api.route("/data/manage/run/history", body=RunHistoryBody)
def run_history(ctx: RequestContext[RunHistoryBody]) -> dict[str, Any]:
    """The caller's runs of a task, newest first unless `direction` is asc."""
    b = ctx.body
    return paged_reply(
        b,
        "run_list",
        lambda window: runs.run_history(center().store, ctx.username, b.task_id, window, b.direction),
    )


@api.route("/data/manage/run/renew", body=LeaseBody, access=Access.SERVICE)
def renew(ctx: RequestContext[LeaseBody]) -> dict[str, Any]:
    """A manager still runs these runs of its own: their leases are extended."""
    b = ctx.body
    return {"renewed": runs.renew(center().store, b.owner, b.lease, b.run_ids)}


@api.route("/data/manage/run/interrupt", body=InterruptBody, access=Access.SERVICE)
def interrupt(ctx: RequestContext[InterruptBody]) -> dict[str, Any]:
    """End as interrupted the runs named and those whose manager stopped renewing them."""
    return {"interrupted": runs.interrupt(center().store, ctx.body.run_ids, ctx.body.reason)}
