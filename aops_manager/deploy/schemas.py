"""Request bodies of the manager's deployment routes (21.09 fields where 21.09 had the route)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic import StringConstraints
from pydantic import model_validator

from aops_utils.contracts import HostId
from aops_utils.contracts.data_center.runs import RunId
from aops_utils.contracts.data_center.runs import TaskId
from aops_utils.restful.paging import PagedBody
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Direction


class ExecuteBody(Body):
    # 21.09 ran the first task only; each task here gets a run of its own.
    task_list: list[TaskId] = Field(min_length=1, max_length=100)
    check: bool = Field(False, description="Ansible's check mode: report what would change, change nothing")


class StatusBody(PagedBody):
    """One run in full (`run_id`), or a task's runs newest first with its newest in full (`task_id`)."""

    run_id: RunId | None = None
    task_id: TaskId | None = None
    direction: Direction = "desc"

    @model_validator(mode="after")
    def _one_of(self) -> StatusBody:
        if (self.run_id is None) == (self.task_id is None):
            raise ValueError("give either run_id or task_id")
        return self


class CancelBody(Body):
    run_id: RunId


# An absolute path on the host, as ragdoll names a configuration file.
ConfigPath = Annotated[str, StringConstraints(min_length=2, max_length=4096, pattern=r"^/[^\x00-\x1f]*$")]


class CollectItem(Body):
    host_id: HostId
    config_list: list[ConfigPath] = Field(min_length=1, max_length=256)


class CollectBody(Body):
    infos: list[CollectItem] = Field(min_length=1, max_length=1000)


class HostFactsBody(Body):
    host_list: list[HostId] = Field(min_length=1, max_length=1000)
