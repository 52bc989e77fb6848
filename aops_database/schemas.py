"""Request bodies of the data-center routes (callers are the other A-Ops services)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from aops_utils.contracts import HostId
from aops_utils.restful.validation import (
    Body,
    IPAddress,
    Name40,
    Name50,
    Name256,
    Port,
    Text64,
    Text64K,
    Text1024,
)

Username = Name40
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class LoginBody(Body):
    username: Username
    password: Password
    address: Text64 = ""


class ChangePasswordBody(Body):
    password: Password
    old_password: Password | None = None


class AddUserBody(Body):
    username: Username
    password: Password


class NewHost(Body):
    host_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    host_name: Name50
    host_group_name: Name50
    public_ip: IPAddress
    ssh_port: Port
    management: bool
    credential: int = Field(ge=0)


class AddHostsBody(Body):
    host_list: list[NewHost] = Field(min_length=1, max_length=10000)
    credentials: list[Annotated[str, StringConstraints(min_length=1, max_length=65536)]] = Field(
        min_length=1, max_length=10000
    )


class SaveHostInfoBody(Body):
    host_infos: list[dict[str, Any]] = Field(min_length=1, max_length=10000)


class UsersBody(Body):
    username: list[Username] = Field(default_factory=list)


class StatusBody(Body):
    statuses: dict[HostId, Literal["online", "offline"]] = Field(min_length=1, max_length=100000)


class DataItem(Body):
    name: Name256
    type: Literal["kpi", "log"] = "kpi"
    label: dict[Name256, Text1024] = Field(default_factory=dict)


class DataInfo(Body):
    host_id: IPAddress
    data_list: list[DataItem] = Field(min_length=1, max_length=1000)


class GetDataBody(Body):
    time_range: Annotated[list[int], Field(min_length=2, max_length=2)]
    data_infos: list[DataInfo] = Field(min_length=1, max_length=10000)


class LogLine(Body):
    host_ip: IPAddress
    data_item: Name256
    timestamp: int = Field(ge=0)
    message: Text64K


class SaveLogsBody(Body):
    logs: list[LogLine] = Field(min_length=1, max_length=100000)
