"""Request bodies of the diagnosis routes: fault trees, diagnosis tasks, reports and progress."""

from __future__ import annotations

from typing import Annotated
from typing import Any
from typing import Literal

from pydantic import AfterValidator
from pydantic import Field
from pydantic import StringConstraints
from pydantic import ValidationInfo
from pydantic import field_validator

from aops_utils import jsonio
from aops_utils.contracts import MAX_NAMES
from aops_utils.contracts import MIB
from aops_utils.contracts import HostId
from aops_utils.contracts import Names
from aops_utils.contracts import OptionalNames
from aops_utils.contracts.data_center.checks import Seconds
from aops_utils.contracts.data_center.checks import TimeRange
from aops_utils.contracts.data_center.checks import Timestamp
from aops_utils.restful.paging import PagedBody
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Name128
from aops_utils.restful.validation import Name128Raw
from aops_utils.restful.validation import Text1024
from aops_utils.restful.validation import non_blank
from aops_utils.tasks import MAX_OWNER
from aops_utils.tasks import MAX_REASON

# The JSON of one tree as stored: MEDIUMTEXT holds 2**24 - 1 bytes. A report (a document) is
# the evaluated tree, a little longer than the tree, so it may be larger.
MAX_TREE_BYTES = 2**24 - 1
MAX_REPORT_BYTES = 2**25
MAX_TREES = 1000
MAX_REPORTS = 10_000
INT32 = 2**31 - 1
# Bodies of the bulk routes (`max_body`): one tree or report of the largest size with its
# fields; the diag executors split larger batches of reports to fit.
TREES_MAX_BODY = MAX_TREE_BYTES + MIB
REPORTS_MAX_BODY = MAX_REPORT_BYTES + MIB
TASK_MAX_BODY = 8 * MIB  # 100,000 host ids and 10,000 tree names


def _bounded_json(limit: int) -> AfterValidator:
    def check(value: dict[str, Any]) -> dict[str, Any]:
        # aops_utils.jsonio writes documents of any depth, so only the size is bounded here.
        size = len(jsonio.encode(value))
        if size > limit:
            raise ValueError(f"is {size} bytes as JSON; at most {limit} are allowed")
        return value

    return AfterValidator(check)


Hex32 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
TreeName = Name128
# 64 tags of 128 characters fit the TEXT column (64 KiB) even with every character escaped.
Tag = Name128Raw
TreeContent = Annotated[dict[str, Any], Field(min_length=1), _bounded_json(MAX_TREE_BYTES)]
ReportContent = Annotated[dict[str, Any], _bounded_json(MAX_REPORT_BYTES)]
Count = Annotated[int, Field(ge=0, le=INT32)]
Owner = Annotated[str, StringConstraints(min_length=1, max_length=MAX_OWNER, pattern=r"^[\x21-\x7e]+$")]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=MAX_REASON), AfterValidator(non_blank)]
MAX_LEASE = 7 * 86400


# Fault trees


class Tree(Body):
    tree_name: TreeName
    # A non-empty object, as in 21.09; the diag scheduler checked its structure.
    tree_content: TreeContent
    description: Text1024 = ""
    tag: list[Tag] = Field(default_factory=list, max_length=64)


class AddTreesBody(Body):
    trees: list[Tree] = Field(min_length=1, max_length=MAX_TREES)


class GetTreesBody(Body):
    """An empty (or absent) list means every tree of the user."""

    tree_list: OptionalNames[TreeName] = []


class TreeNamesBody(Body):
    tree_list: list[TreeName] = Field(max_length=MAX_NAMES)


# Tasks


class SaveTaskBody(Body):
    task_id: Hex32
    time: Seconds
    # As many hosts as the diag scheduler takes in one execute call.
    host_list: list[HostId] = Field(min_length=1, max_length=100_000)
    tree_list: Names[TreeName]
    time_range: list[Timestamp] = Field(min_length=2, max_length=2)
    interval: int = Field(ge=1, le=INT32)
    expected_report_num: Count
    # Beyond 21.09 (aops_utils.tasks): the scheduler that publishes the task holds it for
    # `lease` seconds, and the task fails when its reports are not all in after `timeout`
    # seconds. Without an owner the next task watch publishes it; without a timeout it waits
    # for that watch to set one.
    owner: Owner | None = None
    lease: int | None = Field(None, ge=1, le=MAX_LEASE)
    timeout: int | None = Field(None, ge=1, le=INT32)

    @field_validator("time_range")
    @classmethod
    def _ordered(cls, value: list[float]) -> list[float]:
        if value[0] > value[1]:
            raise ValueError("start must not be after end")
        return value


class GetTasksBody(PagedBody):
    """Both filters apply when given; an empty task list means any task."""

    task_list: OptionalNames[Hex32] = []
    time_range: TimeRange = Field(default_factory=list)
    sort: Literal["time", "expected_report_num", "cur_report_num", ""] = ""


class TaskIdsBody(Body):
    task_list: list[Hex32] = Field(max_length=MAX_NAMES)


class WatchTasksBody(Body):
    """One run of a scheduler's task watch (aops_utils.tasks): renew the caller's leases,
    record the finished tasks, claim up to `limit` tasks whose lease ran out (all running ones
    not the caller's with `takeover`) giving each a new deadline, and fail the overdue ones."""

    owner: Owner
    lease: int = Field(ge=1, le=MAX_LEASE)
    takeover: bool = False
    limit: int = Field(100, ge=1, le=1000)
    timeout: int = Field(ge=1, le=INT32)
    timeout_per_report: float = Field(0, ge=0, le=3600)


class FailTaskBody(Body):
    task_id: Hex32
    reason: Reason


class ProgressBody(Body):
    task_list: list[Hex32] = Field(min_length=1, max_length=1000)


# Reports

# A report's neighbours (docs/diagnosis.md "Neighbours"): at most this many hosts, each with at
# most this many links and abnormal results shown (their totals are counted).
MAX_NEIGHBOURS = 50
MAX_NEIGHBOUR_LINKS = 20
MAX_NEIGHBOUR_RESULTS = 20
NeighbourSection = Annotated[dict[str, Any], _bounded_json(4 * MIB)]


class NeighbourSlice(Body):
    host_id: HostId
    time_range: list[Timestamp] = Field(min_length=2, max_length=2)

    @field_validator("time_range")
    @classmethod
    def _ordered(cls, value: list[float]) -> list[float]:
        if value[0] > value[1]:
            raise ValueError("start must not be after end")
        return value


class NeighboursBody(Body):
    """The neighbours of each of the user's hosts in its slice, as a report shows them."""

    slices: list[NeighbourSlice] = Field(min_length=1, max_length=MAX_REPORTS)


class Report(Body):
    """A report as the diag executor writes it; `neighbours` (beyond 21.09) is the section the
    data center's /data/diag/neighbours answered for its host and slice (see NeighboursBody)."""

    report_id: Hex32
    task_id: Hex32
    host_id: HostId
    tree_name: TreeName
    start: Timestamp
    end: Timestamp
    # The evaluated tree; {} when the executor could not evaluate it (as in 21.09).
    report: ReportContent
    neighbours: NeighbourSection | None = None

    @field_validator("end")
    @classmethod
    def _ordered(cls, value: float, info: ValidationInfo) -> float:
        start = info.data.get("start")
        if start is not None and start > value:
            raise ValueError("must not be before start")
        return value


class SaveReportsBody(Body):
    reports: list[Report] = Field(min_length=1, max_length=MAX_REPORTS)


class GetReportsBody(Body):
    report_list: list[Hex32] = Field(min_length=1, max_length=MAX_REPORTS)


class ReportIdsBody(Body):
    report_list: list[Hex32] = Field(max_length=MAX_REPORTS)


class ListReportsBody(PagedBody):
    """With a task id only that task's reports are listed, whatever the other filters say."""

    task_id: Hex32 | None = None
    host_list: OptionalNames[HostId] = []
    tree_list: OptionalNames[TreeName] = []
    time_range: TimeRange = Field(default_factory=list)
    # "time" is how 21.09 clients ask for the start.
    sort: Literal["start", "end", "tree_name", "host_id", "time", ""] = ""
