"""Request bodies of the deployment routes: templates (step lists with variables) and tasks."""

from __future__ import annotations

from typing import Annotated
from typing import Any
from typing import Literal
from typing import TypedDict

from pydantic import ConfigDict
from pydantic import Field
from pydantic import StrictBool
from pydantic import StringConstraints

from aops_utils.contracts import MIB
from aops_utils.contracts import HostId
from aops_utils.contracts import Names
from aops_utils.contracts import OptionalNames
from aops_utils.contracts.data_center.diagnosis import Hex32
from aops_utils.restful.paging import PagedBody
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Name128
from aops_utils.restful.validation import Text1024

# The JSON of one template's content: far more than 14 steps with their variables need, far
# less than the MEDIUMTEXT column (16 MiB) holds.
MAX_TEMPLATE_BYTES = MIB
MAX_STEPS = 64
MAX_VARIABLES = 256
TEMPLATE_MAX_BODY = MAX_TEMPLATE_BYTES + MIB

TemplateName = Name128
# A component is an Ansible role of the suite (zookeeper, adoctor_check_executor, ...); its
# inventory group is the name with `_hosts`. Which names exist is the manager's catalogue.
Component = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
# An Ansible variable name.
Variable = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")]


class Step(Body):
    """A template's step for one component, as 21.09's step file wrote it: run (`enable`) or
    skipped, and whether the task goes on after it failed (`continue`; 21.09 section 6.4)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    # Strict: a 21.09 step file wrote YAML booleans; "yes" or 1 is more likely a mistake.
    enable: StrictBool = False
    continue_: StrictBool = Field(False, alias="continue")


class TemplateContent(Body):
    """What a template holds: its steps in order and the variables of its components. The data
    center checks this shape; the manager checks the names and values against its catalogue."""

    step_list: dict[Component, Step] = Field(min_length=1, max_length=MAX_STEPS)
    variables: dict[Component, dict[Variable, Any]] = Field(default_factory=dict, max_length=MAX_STEPS)

    def stored(self) -> dict[str, Any]:
        """The content as stored and answered: every step with both switches spelled out."""
        return self.model_dump(by_alias=True)


class AddTemplateBody(Body):
    template_name: TemplateName
    template_content: TemplateContent
    description: Text1024 = ""


class TemplateNamesBody(Body):
    """The templates a delete names."""

    template_list: Names[TemplateName]


class GetTemplatesBody(PagedBody):
    """A page of the user's templates: those named, or all when none is."""

    template_list: OptionalNames[TemplateName] = []
    sort: Literal["template_name", ""] = ""


# Tasks: templates run in order on hosts, each host with its components.

MAX_TASK_TEMPLATES = 100
MAX_TASK_HOSTS = 10_000
# 10,000 hosts, each with every component: a few MB.
TASK_MAX_BODY = 8 * MIB

TaskName = Name128


class DeployHost(Body):
    """A host of a task with the components (inventory groups) it is deployed with."""

    host_id: HostId
    components: list[Component] = Field(min_length=1, max_length=MAX_STEPS)


class AddDeployTaskBody(Body):
    task_id: Hex32
    task_name: TaskName
    description: Text1024 = ""
    # The templates in the order their steps run.
    template_name: list[TemplateName] = Field(default_factory=list, max_length=MAX_TASK_TEMPLATES)
    host_list: list[DeployHost] = Field(default_factory=list, max_length=MAX_TASK_HOSTS)


class DeployTaskIdsBody(Body):
    """The tasks a delete names, by id."""

    task_list: Names[Hex32]


class GetDeployTasksBody(PagedBody):
    """A page of the user's tasks: those named by id, or all when none is."""

    task_list: OptionalNames[Hex32] = []
    sort: Literal["task_name", ""] = ""


class ResolveTaskBody(Body):
    task_id: Hex32


# Reply rows, typed for their readers (the manager, and the run worker through
# /data/manage/task/resolve: docs/deployment.md).


class TemplateRow(TypedDict):
    template_name: str
    template_content: dict[str, Any]
    description: str


class ResolvedHost(TypedDict):
    host_id: str
    host_name: str
    public_ip: str
    ssh_port: int
    components: list[str]


class ResolvedTask(TypedDict):
    """A task with its templates' contents in run order and its hosts in the order given."""

    task_id: str
    task_name: str
    description: str
    username: str
    templates: list[TemplateRow]
    host_list: list[ResolvedHost]
