"""Request bodies of the diag scheduler (21.09 fields, real limits; the data center's where alike)."""

from __future__ import annotations

from typing import Annotated
from typing import Any
from typing import Literal

from pydantic import Field
from pydantic import StringConstraints
from pydantic import field_validator

from aops_utils.contracts import HostId
from aops_utils.contracts import Names
from aops_utils.contracts import OptionalNames
from aops_utils.contracts.data_center.checks import Seconds
from aops_utils.contracts.data_center.diagnosis import INT32
from aops_utils.contracts.data_center.diagnosis import MAX_TREES
from aops_utils.contracts.data_center.diagnosis import GetReportsBody
from aops_utils.contracts.data_center.diagnosis import Hex32
from aops_utils.contracts.data_center.diagnosis import Tree
from aops_utils.contracts.data_center.diagnosis import TreeName
from aops_utils.restful.paging import PagedBody
from aops_utils.restful.validation import Body

Id = Hex32


# The data center's tree body, reused so that both limit a tree alike.
TreeIn = Tree


class ImportTreesBody(Body):
    """Each item is validated as a `Tree` on its own (service.import_trees): a bad one is listed
    in `fail_list` while the others are stored, as 21.09 answered."""

    trees: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_TREES)


# A 21.09 workbook holds one tree of at most MAX_NODES nodes: a few hundred KB at most.
MAX_WORKBOOK_BYTES = 4 * 1024 * 1024


# The base64 text of the largest workbook, in its JSON body.
WORKBOOK_MAX_BODY = (MAX_WORKBOOK_BYTES + 2) // 3 * 4 + 4096


class WorkbookBody(Body):
    """A `.xlsx` workbook, base64-encoded (the web sends it inside the JSON body as every route
    takes one)."""

    workbook: Annotated[str, StringConstraints(min_length=1, max_length=(MAX_WORKBOOK_BYTES + 2) // 3 * 4)]


class TreeNamesBody(Body):
    tree_list: list[TreeName] = Field(default_factory=list, max_length=1000)


class DeleteTreesBody(Body):
    tree_list: list[TreeName] = Field(max_length=1000)


class ExecuteBody(Body):
    host_list: Names[HostId]
    time_range: list[Seconds] = Field(min_length=2, max_length=2)
    tree_list: list[TreeName] = Field(min_length=1, max_length=100)
    # As the task stores it (an interval past 2**31 - 1 answered 500 when the task was saved).
    interval: int = Field(gt=0, le=INT32)

    @field_validator("time_range")
    @classmethod
    def _not_empty(cls, value: list[int]) -> list[int]:
        if value[0] >= value[1]:
            raise ValueError("the start must be before the end")
        return value


class TaskIdsBody(Body):
    task_list: list[Id] = Field(min_length=1, max_length=1000)


class GetTasksBody(PagedBody):
    task_list: list[Id] = Field(default_factory=list, max_length=1000)
    time_range: list[Seconds] = Field(default_factory=list, max_length=2)
    sort: Literal["time", "expected_report_num", "cur_report_num", ""] = ""


ReportIdsBody = GetReportsBody


class ReportListBody(PagedBody):
    task_id: Id | None = None
    host_list: OptionalNames[HostId] = []
    tree_list: list[TreeName] = Field(default_factory=list, max_length=1000)
    time_range: list[Seconds] = Field(default_factory=list, max_length=2)
    sort: Literal["start", "end", "time", "tree_name", "host_id", ""] = ""


__all__ = [
    "DeleteTreesBody",
    "ExecuteBody",
    "GetTasksBody",
    "ImportTreesBody",
    "ReportIdsBody",
    "ReportListBody",
    "TaskIdsBody",
    "TreeIn",
    "TreeNamesBody",
    "WorkbookBody",
]
