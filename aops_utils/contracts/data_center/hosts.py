"""Request bodies of the data-center routes for accounts, hosts, statuses and monitoring data."""

from __future__ import annotations

from typing import Annotated
from typing import Any
from typing import Literal

from pydantic import Field
from pydantic import StrictBool
from pydantic import StringConstraints
from pydantic import field_validator

from aops_utils.contracts import MIB
from aops_utils.contracts import HostId
from aops_utils.contracts.data_center.checks import DataItem
from aops_utils.contracts.data_center.checks import Seconds
from aops_utils.docstore import instant
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import IPAddress
from aops_utils.restful.validation import Name40
from aops_utils.restful.validation import Name50
from aops_utils.restful.validation import Name256
from aops_utils.restful.validation import Port
from aops_utils.restful.validation import Text64
from aops_utils.restful.validation import Text64K
from aops_utils.restful.validation import either

Username = Name40
# One encrypted credential set as stored (a TEXT column: 65,535 bytes in MySQL).
MAX_VAULT = 65535
# Bodies of the bulk routes (`max_body`); the rest take the 1 MiB default.
# The manager's 1 MiB of host entries, with each credential set vault-encrypted (about 4 times
# longer: hex of hex).
HOSTS_MAX_BODY = 8 * MIB
STATUS_MAX_BODY = 8 * MIB  # 100,000 host ids
HOST_INFO_MAX_BODY = 16 * MIB  # 10,000 detail documents of a kilobyte or so
LOGS_MAX_BODY = 16 * MIB
DATA_MAX_BODY = 16 * MIB  # a check task's hosts, each with the rule's data list
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
# `/data/data/get`'s packed form (GetDataBody.encoding; aops_utils.packed).
PACKED_ENCODING = "f64"


class LoginBody(Body):
    username: Username
    password: Password
    address: Text64 = ""


class ChangePasswordBody(Body):
    password: Password
    old_password: Password | None = None


class AddUserBody(Body):
    """A user as `aops-database user add` creates it (no route takes it: see docs/data-center.md)."""

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
    credentials: list[Annotated[str, StringConstraints(min_length=1, max_length=MAX_VAULT)]] = Field(
        min_length=1, max_length=10000
    )


class SaveHostInfoBody(Body):
    host_infos: list[dict[str, Any]] = Field(min_length=1, max_length=10000)


class UsersBody(Body):
    username: list[Username] = Field(default_factory=list)


class StatusBody(Body):
    statuses: dict[HostId, Literal["online", "offline"]] = Field(min_length=1, max_length=100000)


class DataInfo(Body):
    host_id: IPAddress
    data_list: list[DataItem] = Field(min_length=1, max_length=1000)


class GetDataBody(Body):
    """`columnar`: false (the default) answers each series' samples as 21.09 did, `values` as
    `[[ts, "value"], ...]`; true answers them as two arrays of the same length, `timestamps`
    (seconds) and `values` (KPI samples as numbers, null for NaN, the strings "+Inf" and "-Inf"
    for infinities; log lines as their messages).

    `encoding`: "json" (the default) is that; "f64", with `columnar: true`, packs the KPI
    samples (aops_utils.packed): the reply's `packed` object holds every KPI series' timestamps
    and values laid end to end, each column as the base64 of little-endian float64 (NaN and the
    infinities as IEEE values), and each KPI series' entry names its part by `offset` and
    `length` (samples) instead of carrying arrays. Log lines keep the columnar arrays (their
    values are messages, not numbers). The reader decodes a small JSON envelope and two base64
    strings, and reads the columns with `np.frombuffer`: no Python object per sample. Grafana's
    backend answers data queries the same way, Arrow frames as base64 in JSON, for that reason.
    The services ask for the packed form (aops_utils.rules.reply evaluates it as it comes);
    "f64" without `columnar: true` is refused (400, field `encoding`)."""

    time_range: Annotated[list[Seconds], Field(min_length=2, max_length=2)]
    data_infos: list[DataInfo] = Field(min_length=1, max_length=10000)
    columnar: StrictBool = Field(
        False,
        description="true: each series' samples as `timestamps` and `values` arrays, not `[ts, value]` pairs",
    )
    encoding: Literal["json", "f64"] = Field(
        "json",
        description='"f64" (with columnar: true): KPI samples as base64 float64 columns under `packed`',
    )


class LogLine(Body):
    """One log line; its time as POSIX seconds, or as the `@timestamp` string fluentd writes."""

    host_ip: IPAddress
    data_item: Name256
    timestamp: Seconds | None = None
    at_timestamp: str | None = Field(None, alias="@timestamp", max_length=64)
    message: Text64K

    @field_validator("at_timestamp")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None and instant(value) is None:
            raise ValueError("is not an ISO-8601 date-time (e.g. 2021-09-15T10:20:30.123+08:00)")
        return value

    _one_time = either("timestamp", "at_timestamp", "timestamp (POSIX seconds) or @timestamp (ISO-8601)")

    @property
    def time(self) -> int | str:
        """The time as given, whichever field carries it."""
        found = self.timestamp if self.timestamp is not None else self.at_timestamp
        assert found is not None
        return found


class SaveLogsBody(Body):
    logs: list[LogLine] = Field(min_length=1, max_length=100000)
