"""Deployment template routes: import (checked against the component catalogue), delete, list."""

from __future__ import annotations

from aops_manager.api import api
from aops_manager.api import relay
from aops_manager.app import manager
from aops_manager.deploy import templates
from aops_manager.deploy.templates import IMPORT_MAX_BODY
from aops_manager.deploy.templates import ImportTemplateBody
from aops_utils.contracts.data_center.deploy import GetTemplatesBody
from aops_utils.contracts.data_center.deploy import TemplateNamesBody
from aops_utils.data_center import DataCenter
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext


@relay.change("/manage/template/delete", TemplateNamesBody, DataCenter.delete_templates)
def delete_templates() -> None:
    """Delete templates by name, per item; the tasks that use them stay."""


@relay.read("/manage/template/get", GetTemplatesBody, DataCenter.get_templates)
def get_templates() -> None:
    """List templates (all when `template_list` is empty), sorted by name and paged when asked."""


@api.route("/manage/template/import", body=ImportTemplateBody, max_body=IMPORT_MAX_BODY)
def import_template(ctx: RequestContext[ImportTemplateBody]) -> Reply:
    """Import a template: a step list (object or YAML) with its components' variables."""
    return templates.import_template(manager(), ctx.caller, ctx.body, manager().catalogue)
