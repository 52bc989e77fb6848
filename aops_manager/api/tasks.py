"""Deployment task routes: generate (templates on hosts), delete, list."""

from __future__ import annotations

from aops_manager.api import api
from aops_manager.api import relay
from aops_manager.app import manager
from aops_manager.deploy import tasks
from aops_manager.deploy.tasks import GenerateTaskBody
from aops_utils.contracts.data_center.deploy import TASK_MAX_BODY
from aops_utils.contracts.data_center.deploy import DeployTaskIdsBody
from aops_utils.contracts.data_center.deploy import GetDeployTasksBody
from aops_utils.data_center import DataCenter
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext


@api.route("/manage/task/generate", body=GenerateTaskBody, max_body=TASK_MAX_BODY)
def generate_task(ctx: RequestContext[GenerateTaskBody]) -> Reply:
    """Create a task: templates in order, run on the user's hosts with their components."""
    return tasks.generate(manager(), ctx.caller, ctx.body, manager().catalogue)


@relay.change("/manage/task/delete", DeployTaskIdsBody, DataCenter.delete_deploy_tasks)
def delete_tasks() -> None:
    """Delete tasks by id, per item; their templates stay."""


@relay.read("/manage/task/get", GetDeployTasksBody, DataCenter.get_deploy_tasks)
def get_tasks() -> None:
    """List tasks (all when `task_list` is empty) with their templates and hosts."""
