"""Deployment template routes: import (checked against the component catalogue), delete, list."""

from __future__ import annotations

from aops_manager.api import api
from aops_manager.app import manager
from aops_manager.deploy import templates
from aops_manager.deploy.templates import IMPORT_MAX_BODY
from aops_manager.deploy.templates import ImportTemplateBody
from aops_manager.forwarding import changes
from aops_manager.forwarding import read
from aops_utils.clients import forward
from aops_utils.clients import reply_of
from aops_utils.contracts.data_center.deploy import GetTemplatesBody
from aops_utils.contracts.data_center.deploy import TemplateNamesBody
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext


@api.route("/manage/template/import", body=ImportTemplateBody, max_body=IMPORT_MAX_BODY)
def import_template(ctx: RequestContext[ImportTemplateBody]) -> Reply:
    """Import a template: a step list (object or YAML) with its components' variables."""
    assert ctx.principal is not None
    return templates.import_template(manager(), ctx.principal, ctx.body, manager().catalogue)


@api.route("/manage/template/delete", methods=("DELETE",), body=TemplateNamesBody)
def delete_templates(ctx: RequestContext[TemplateNamesBody]) -> Reply:
    """Delete templates by name, per item; the tasks that use them stay."""
    return forward(changes(manager().data_center.delete_templates), ctx.body, ctx)


@api.route("/manage/template/get", body=GetTemplatesBody)
def get_templates(ctx: RequestContext[GetTemplatesBody]) -> Reply:
    """List templates (all when `template_list` is empty), sorted by name and paged when asked."""
    return reply_of(read(manager().data_center.get_templates, ctx))
