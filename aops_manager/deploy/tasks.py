"""Tasks: templates run on hosts, each host with the components (inventory groups) it gets."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from pydantic import Field

from aops_manager.app import Manager
from aops_manager.deploy.catalogue import Catalogue
from aops_manager.deploy.templates import enabled_components
from aops_manager.forwarding import call
from aops_manager.forwarding import write
from aops_utils.clients import reply_of
from aops_utils.contracts import HostId
from aops_utils.contracts.data_center.deploy import MAX_STEPS
from aops_utils.contracts.data_center.deploy import MAX_TASK_HOSTS
from aops_utils.contracts.data_center.deploy import MAX_TASK_TEMPLATES
from aops_utils.contracts.data_center.deploy import AddDeployTaskBody
from aops_utils.contracts.data_center.deploy import Component
from aops_utils.contracts.data_center.deploy import DeployHost
from aops_utils.contracts.data_center.deploy import TaskName
from aops_utils.contracts.data_center.deploy import TemplateContent
from aops_utils.contracts.data_center.deploy import TemplateName
from aops_utils.errors import NotFoundError
from aops_utils.errors import ParamError
from aops_utils.restful import Principal
from aops_utils.restful import Reply
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Text1024

_GROUP_SUFFIX = "_hosts"


class HostChoice(Body):
    host_id: HostId
    # Components, or their 21.09 inventory groups (`zookeeper_hosts`); absent: every component
    # the task's templates enable.
    components: list[Component] | None = Field(None, min_length=1, max_length=MAX_STEPS)


class GenerateTaskBody(Body):
    """21.09's fields (`task_name`, `description`, `template_name`) plus the hosts to run on."""

    task_name: TaskName
    description: Text1024 = ""
    template_name: list[TemplateName] = Field(default_factory=list, max_length=MAX_TASK_TEMPLATES)
    host_list: list[HostChoice] = Field(default_factory=list, max_length=MAX_TASK_HOSTS)


def _task_components(
    app: Manager, principal: Principal, names: Sequence[str], catalogue: Catalogue
) -> list[str]:
    """Every component the named templates enable, in run order; the templates must exist."""
    rows = call(principal, lambda: app.data_center.templates(names, principal)) if names else []
    # MySQL finds the template "a" for "a ".
    by_name = {row["template_name"].rstrip(" "): row for row in rows}
    enabled: dict[str, None] = {}
    for index, name in enumerate(names):
        row = by_name.get(name.rstrip(" "))
        if row is None:
            raise NotFoundError(f"template {name} does not exist", field=f"template_name.{index}")
        content = TemplateContent.model_validate(row["template_content"])
        for component in enabled_components(content):
            if catalogue.get(component) is None:
                raise ParamError(
                    f"template {name} has a step for the unknown component {component}: "
                    "fix it and import it again",
                    field=f"template_name.{index}",
                )
            enabled[component] = None
    return list(enabled)


def _component(name: str, catalogue: Catalogue, field: str) -> str:
    """A component by its name or its inventory group's."""
    if catalogue.get(name) is not None:
        return name
    bare = name.removesuffix(_GROUP_SUFFIX)
    if name.endswith(_GROUP_SUFFIX) and catalogue.get(bare) is not None:
        return bare
    raise ParamError(
        f"{field}: unknown component {name} (known: {', '.join(catalogue.names())})", field=field
    )


def _hosts(body: GenerateTaskBody, defaults: list[str], catalogue: Catalogue) -> list[DeployHost]:
    hosts = []
    for index, choice in enumerate(body.host_list):
        field = f"host_list.{index}.components"
        if choice.components is None:
            if not defaults:
                raise ParamError(
                    f"{field}: the task's templates enable no component; name the host's components",
                    field=field,
                )
            components = defaults
        else:
            named = [_component(c, catalogue, f"{field}.{i}") for i, c in enumerate(choice.components)]
            components = list(dict.fromkeys(named))
        hosts.append(DeployHost(host_id=choice.host_id, components=components))
    return hosts


def generate(app: Manager, principal: Principal, body: GenerateTaskBody, catalogue: Catalogue) -> Reply:
    """Store a task of the user's templates and hosts; the data center refuses another user's
    host (404) and a name the user already has (1105, which 21.09 never checked)."""
    defaults = _task_components(app, principal, body.template_name, catalogue)
    task = AddDeployTaskBody(
        task_id=uuid.uuid4().hex,
        task_name=body.task_name,
        description=body.description,
        template_name=body.template_name,
        host_list=_hosts(body, defaults, catalogue),
    )
    reply = write(principal, lambda: app.data_center.add_deploy_task(task, principal))
    return reply_of(reply)
