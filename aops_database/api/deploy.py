"""Deployment routes: templates and tasks of a user, and a task resolved for a run."""

from __future__ import annotations

from typing import Any

from aops_database.api import api
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
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext
from aops_utils.restful.batch import missing_reply
from aops_utils.restful.paging import paged_reply
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


@api.route("/data/manage/template/delete", methods=("DELETE",), body=TemplateNamesBody)
def delete_templates(ctx: RequestContext[TemplateNamesBody]) -> Reply:
    """Delete templates by name; tasks that name them stay. Unknown names are failures."""
    found = deploy.delete_templates(center().store, ctx.username, ctx.body.template_list)
    return missing_reply(ctx.body.template_list, found, "template", deleted=found)


@api.route("/data/manage/template/get", body=GetTemplatesBody)
def get_templates(ctx: RequestContext[GetTemplatesBody]) -> dict[str, Any]:
    """The caller's templates (all when `template_list` is empty), paged when asked."""
    b = ctx.body
    return paged_reply(
        b,
        "template_infos",
        lambda window: deploy.get_templates(
            center().store, ctx.username, b.template_list, sort=b.sort, direction=b.direction, window=window
        ),
    )


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


@api.route("/data/manage/task/delete", methods=("DELETE",), body=DeployTaskIdsBody)
def delete_deploy_tasks(ctx: RequestContext[DeployTaskIdsBody]) -> Reply:
    """Delete tasks by id; their templates stay. Unknown ids are failures."""
    found = deploy.delete_tasks(center().store, ctx.username, ctx.body.task_list)
    return missing_reply(ctx.body.task_list, found, "task", deleted=found)


@api.route("/data/manage/task/get", body=GetDeployTasksBody)
def get_deploy_tasks(ctx: RequestContext[GetDeployTasksBody]) -> dict[str, Any]:
    """The caller's tasks (all when `task_list` is empty) with their templates and hosts."""
    b = ctx.body
    return paged_reply(
        b,
        "task_infos",
        lambda window: deploy.get_tasks(
            center().store, ctx.username, b.task_list, sort=b.sort, direction=b.direction, window=window
        ),
    )


@api.route("/data/manage/task/resolve", body=ResolveTaskBody)
def resolve_deploy_task(ctx: RequestContext[ResolveTaskBody]) -> dict[str, Any]:
    """A task as a run needs it: its templates' contents in order, its hosts with their addresses
    and components (404 naming `template_name` when a template of it is gone)."""
    return {"task": deploy.resolve_task(center().store, ctx.username, ctx.body.task_id)}
