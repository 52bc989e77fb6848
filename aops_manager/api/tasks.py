"""Deployment task routes: generate (templates on hosts), delete, list."""

from __future__ import annotations

from aops_manager.api import api
from aops_manager.app import manager
from aops_manager.deploy import tasks
from aops_manager.deploy.tasks import GenerateTaskBody
from aops_manager.forwarding import changes
from aops_manager.forwarding import read
from aops_utils.clients import forward
from aops_utils.clients import reply_of
from aops_utils.contracts.data_center.deploy import TASK_MAX_BODY
from aops_utils.contracts.data_center.deploy import DeployTaskIdsBody
from aops_utils.contracts.data_center.deploy import GetDeployTasksBody
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext


@api.route("/manage/task/generate", body=GenerateTaskBody, max_body=TASK_MAX_BODY)
def generate_task(ctx: RequestContext[GenerateTaskBody]) -> Reply:
    """Create a task: templates in order, run on the user's hosts with their components."""
    assert ctx.principal is not None
    return tasks.generate(manager(), ctx.principal, ctx.body, manager().catalogue)


@api.route("/manage/task/delete", methods=("DELETE",), body=DeployTaskIdsBody)
def delete_tasks(ctx: RequestContext[DeployTaskIdsBody]) -> Reply:
    """Delete tasks by id, per item; their templates stay."""
    return forward(changes(manager().data_center.delete_deploy_tasks), ctx.body, ctx)


@api.route("/manage/task/get", body=GetDeployTasksBody)
def get_tasks(ctx: RequestContext[GetDeployTasksBody]) -> Reply:
    """List tasks (all when `task_list` is empty) with their templates and hosts."""
    return reply_of(read(manager().data_center.get_deploy_tasks, ctx))
