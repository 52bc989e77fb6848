"""Deployment routes: templates and tasks of a user, and a task resolved for a run."""

from __future__ import annotations

from typing import Any

from aops_database.api import api
from aops_database.api import store_deletion
from aops_database.api import store_listing
from aops_database.app import center
from aops_database.services import deploy
from aops_utils.contracts.data_center.deploy import TASK_MAX_BODY
from aops_utils.contracts.data_center.deploy import TEMPLATE_MAX_BODY
from aops_utils.contracts.data_center.deploy import AddDeployTaskBody
from aops_utils.contracts.data_center.deploy import AddTemplateBody
from aops_utils.contracts.data_center.deploy import DeployTaskIdsBody
from aops_utils.contracts.data_center.deploy import GetDeployTasksBody
from aops_utils.contracts.data_center.deploy import GetTemplatesBody
from aops_utils.contracts.data_center.deploy import ResolveTaskBody
from aops_utils.contracts.data_center.deploy import TemplateNamesBody
from aops_utils.restful import RequestContext
from aops_utils.restful.validation import refuse_duplicates

# Templates: one row per (user, name), the content as JSON.


@api.route("/data/manage/template/add", body=AddTemplateBody, max_body=TEMPLATE_MAX_BODY)
def add_template(ctx: RequestContext[AddTemplateBody]) -> dict[str, Any]:
    """Store a template (its shape checked here, its components by the manager); 1105 when the
    user has one of that name."""
    b = ctx.body
    deploy.add_template(
        center().store, ctx.username, b.template_name, b.template_content.stored(), b.description
    )
    return {}


@store_deletion(
    "/data/manage/template/delete", TemplateNamesBody, "template_list", deploy.delete_templates, "template"
)
def delete_templates() -> None:
    """Delete templates by name; tasks that name them stay. Unknown names are failures."""


@store_listing("/data/manage/template/get", GetTemplatesBody, "template_infos", deploy.get_templates)
def get_templates() -> None:
    """The caller's templates (all when `template_list` is empty), paged when asked."""


# Tasks: a row per task, its templates by name in order, its hosts with their components.


@api.route("/data/manage/task/add", body=AddDeployTaskBody, max_body=TASK_MAX_BODY)
def add_deploy_task(ctx: RequestContext[AddDeployTaskBody]) -> dict[str, Any]:
    """Store a task of the caller's templates and hosts; 1105 when the name or id is taken."""
    b = ctx.body
    refuse_duplicates(b.template_name, "template_name.*", "template")
    refuse_duplicates([h.host_id for h in b.host_list], "host_list.*.host_id", "host")
    for index, entry in enumerate(b.host_list):
        refuse_duplicates(entry.components, f"host_list.{index}.components.*", "component")
    deploy.add_task(center().store, ctx.username, b.model_dump())
    return {"task_id": b.task_id}


@store_deletion("/data/manage/task/delete", DeployTaskIdsBody, "task_list", deploy.delete_tasks, "task")
def delete_deploy_tasks() -> None:
    """Delete tasks by id; their templates stay. Unknown ids are failures."""


@store_listing("/data/manage/task/get", GetDeployTasksBody, "task_infos", deploy.get_tasks)
def get_deploy_tasks() -> None:
    """The caller's tasks (all when `task_list` is empty) with their templates and hosts."""


@api.route("/data/manage/task/resolve", body=ResolveTaskBody)
def resolve_deploy_task(ctx: RequestContext[ResolveTaskBody]) -> dict[str, Any]:
    """A task as a run needs it: its templates' contents in order, its hosts with their addresses
    and components (404 naming `template_name` when a template of it is gone)."""
    return {"task": deploy.resolve_task(center().store, ctx.username, ctx.body.task_id)}
