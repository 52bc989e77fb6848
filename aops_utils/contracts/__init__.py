"""Request models that the manager's public routes and the data center's routes share."""

from __future__ import annotations

from typing import Annotated
from typing import Literal
from typing import TypeVar

from pydantic import Field

from aops_utils.restful.paging import PagedBody
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Id64
from aops_utils.restful.validation import Name50
from aops_utils.restful.validation import Text256

# `/data/data/get` gives this reason when nothing was recorded for an item (a check's No data);
# any other reason is a failure to read (a check's Internal error).
NO_DATA_REASON = "no data in the time range"
# The check schedule's positions in the data center's check state. They say where the schedule
# has published tasks, not what was checked: diagnosis reads coverage records instead.
FORWARD_POSITION, BACKWARD_POSITION = "forward_position", "backward_position"
NAME_LENGTH = 50  # the 21.09 web allowed 50-character names; its 20-character columns did not
TEXT_LENGTH = 256
HostId = Id64
# Request body limits (routes' `max_body`) are counted in MiB.
MIB = 1024 * 1024
HostName = Name50
GroupName = Name50

# How many names (or ids) one request may list: far more than any 21.09 client sent.
MAX_NAMES = 10_000
NameT = TypeVar("NameT")
# The names a call acts on: one at least.
Names = Annotated[list[NameT], Field(min_length=1, max_length=MAX_NAMES)]
# The names a listing keeps to; empty means all of the user's. Give it the default `= []`
# (pydantic copies it per body): a default inside the alias is not seen by mypy.
OptionalNames = Annotated[list[NameT], Field(max_length=MAX_NAMES)]


class HostIdsBody(Body):
    host_list: Names[HostId]


class OptionalHostIdsBody(Body):
    host_list: OptionalNames[HostId] = []


class GetHostsBody(PagedBody):
    host_group_list: list[GroupName] = Field(default_factory=list, max_length=1000)
    management: bool | None = None
    sort: Literal["host_name", "host_group_name", ""] = ""


class HostInfoBody(Body):
    host_list: list[HostId] = Field(max_length=10000)
    basic: bool = False


class AddGroupBody(Body):
    host_group_name: GroupName
    description: Text256 = ""


class GroupNamesBody(Body):
    host_group_list: list[GroupName] = Field(min_length=1, max_length=1000)


class GetGroupsBody(PagedBody):
    sort: Literal["host_count", "host_group_name", ""] = ""
