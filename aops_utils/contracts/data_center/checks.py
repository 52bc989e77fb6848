"""Request bodies of the check routes: rules, results, scheduler state and the retry queue."""

from __future__ import annotations

import re
from typing import Annotated
from typing import ClassVar
from typing import Literal
from typing import TypeVar

import orjson
from pydantic import AfterValidator
from pydantic import Field
from pydantic import StringConstraints
from pydantic import ValidationInfo
from pydantic import field_validator
from pydantic import model_validator

from aops_utils.contracts import MIB
from aops_utils.contracts import HostId
from aops_utils.contracts import Names
from aops_utils.contracts import OptionalNames
from aops_utils.contracts.checks import Value
from aops_utils.restful.paging import PagedBody
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Name40
from aops_utils.restful.validation import Name64
from aops_utils.restful.validation import Name128Raw
from aops_utils.restful.validation import Name256
from aops_utils.restful.validation import Text1024

MAX_CONDITION = 100_000
# The stored JSON of one data list; the column holds 16 MiB, a rule's data list far less.
MAX_DATA_LIST_BYTES = 1024 * 1024
MAX_RESULTS = 100_000
# Instants are POSIX seconds up to 2106-02-07 (2**32 - 1): larger ones are no date a check or a
# diagnosis covers, and overflowed the stores (HTTP 500 before they were bounded).
MAX_TIMESTAMP = 2**32 - 1
# One rule of the largest legal size: its data list, its condition and the other fields.
MAX_RULE_BYTES = MAX_DATA_LIST_BYTES + MAX_CONDITION + 64 * 1024
# Bodies of the bulk routes (`max_body`): the rest take the 1 MiB default. Each takes at least
# one item of the largest legal size; the services' clients split larger batches to fit.
RULES_MAX_BODY = 16 * MIB  # 10,000 rules of a few hundred bytes, or a dozen of the largest
RESULTS_MAX_BODY = 16 * MIB
COVERAGE_MAX_BODY = 16 * MIB
RETRIES_MAX_BODY = 8 * MIB  # a retry names up to 10,000 hosts with their addresses

RuleName = Name128Raw
Condition = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CONDITION)]
Plugin = Annotated[str, StringConstraints(max_length=128)]
ResultValue = Value
StateName = Name64
RetryId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
BigInt = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
Seconds = Annotated[int, Field(ge=0, le=MAX_TIMESTAMP)]


def _whole(value: float) -> float:
    # 5 and 5.0 are one instant: both give the same result id and are stored as 5.
    return int(value) if value.is_integer() else value


Timestamp = Annotated[float, Field(ge=0, le=MAX_TIMESTAMP, allow_inf_nan=False), AfterValidator(_whole)]


# The Prometheus grammar: a KPI's name and label names go into PromQL text, so only these pass
# (a name ending in `#` would otherwise comment out the instance restriction).
METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LabelName = Annotated[
    str, StringConstraints(min_length=1, max_length=256, pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")
]


class DataItem(Body):
    # `type` comes first so that the name's check knows it: a log item's name is a term, not PromQL.
    type: Literal["kpi", "log"] = "kpi"
    name: Name256
    label: dict[LabelName, Text1024] = Field(default_factory=dict, max_length=64)

    @field_validator("name")
    @classmethod
    def _metric_name(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("type", "kpi") == "kpi" and not METRIC_NAME.fullmatch(value):
            raise ValueError("is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
        return value


def _bounded(items: list[DataItem]) -> list[DataItem]:
    size = len(orjson.dumps([item.model_dump() for item in items]))
    if size > MAX_DATA_LIST_BYTES:
        raise ValueError(f"is {size} bytes as JSON; at most {MAX_DATA_LIST_BYTES} are allowed")
    return items


DataList = Annotated[list[DataItem], Field(min_length=1, max_length=100), AfterValidator(_bounded)]


def checked_time_range(value: list[float]) -> list[float]:
    """[] or [start, end] with start not after end: a filter's time range."""
    if len(value) not in (0, 2):
        raise ValueError("must be [] or [start, end]")
    if len(value) == 2 and value[0] > value[1]:
        raise ValueError("start must not be after end")
    return value


TimeRange = Annotated[list[Timestamp], AfterValidator(checked_time_range)]


_N = TypeVar("_N", int, float)


def _ordered(value: list[_N]) -> list[_N]:
    if value[0] > value[1]:
        raise ValueError("start must not be after end")
    return value


# A window of whole seconds, [start, end]: a retry's, a coverage record's.
SecondsRange = Annotated[list[Seconds], Field(min_length=2, max_length=2), AfterValidator(_ordered)]
# [start, end] of timestamps, start not after end: a diagnosis task's or report's slice.
SliceRange = Annotated[list[Timestamp], Field(min_length=2, max_length=2), AfterValidator(_ordered)]


# Rules


class Rule(Body):
    check_item: RuleName
    data_list: DataList
    condition: Condition
    description: Text1024 = ""
    plugin: Plugin = ""


class AddRulesBody(Body):
    MAX_ITEMS: ClassVar[int] = 10000
    check_items: list[Rule] = Field(min_length=1, max_length=MAX_ITEMS)


class RuleNamesBody(Body):
    check_items: list[RuleName] = Field(max_length=10000)


class GetRulesBody(PagedBody):
    check_items: OptionalNames[RuleName] = []
    sort: Literal["check_item", ""] = ""


# Results


class CheckResult(Body):
    host_id: HostId
    check_item: RuleName
    data_list: DataList
    condition: Condition
    plugin: Plugin = ""
    description: Text1024 = ""
    start: Timestamp
    end: Timestamp
    value: ResultValue
    # Names the series of a multi-series item, e.g. node_cpu_seconds_total{cpu="1",mode="idle"};
    # it is an indexed keyword, so its length stays well below Lucene's term limit.
    series: Annotated[str, StringConstraints(max_length=4096)] = ""
    reason: Annotated[str, StringConstraints(max_length=65536)] = ""

    @model_validator(mode="after")
    def _ordered(self) -> CheckResult:
        if self.start > self.end:
            raise ValueError("start must not be after end")
        return self


class SaveResultsBody(Body):
    check_results: list[CheckResult] = Field(min_length=1, max_length=MAX_RESULTS)


class DeleteResultsBody(Body):
    """An absent list means any host (or item); an empty one means none, so nothing is deleted."""

    host_list: list[HostId] | None = Field(None, max_length=10000)
    check_items: list[RuleName] | None = Field(None, max_length=10000)
    time_range: TimeRange = Field(default_factory=list)


class GetResultsBody(PagedBody):
    time_range: TimeRange = Field(default_factory=list)
    check_items: OptionalNames[RuleName] = []
    host_list: OptionalNames[HostId] = []
    value: ResultValue | None = None
    sort: Literal["start", "end", "check_item", ""] = ""


class CountResultsBody(PagedBody):
    host_list: OptionalNames[HostId] = []
    sort: Literal["count", "host_id", ""] = ""


MAX_HISTOGRAM_BUCKETS = 200


class ResultHistogramBody(Body):
    """Beyond 21.09 (the web dashboard's chart): results per rule per time bucket, counted where
    the data are instead of sending every result to the browser. At most MAX_HISTOGRAM_BUCKETS
    buckets, so a request costs a bounded number of aggregations whatever the range."""

    time_range: list[int] = Field(min_length=2, max_length=2)
    interval: int = Field(gt=0, le=2**31)
    value: ResultValue = Value.ABNORMAL

    @field_validator("time_range")
    @classmethod
    def _ordered_range(cls, value: list[int]) -> list[int]:
        if value[0] < 0 or value[0] >= value[1]:
            raise ValueError("must be [start, end] with 0 <= start < end")
        return value

    @field_validator("interval")
    @classmethod
    def _bounded(cls, value: int, info: ValidationInfo) -> int:
        time_range = info.data.get("time_range")
        if time_range:
            buckets = -(-(time_range[1] - time_range[0]) // value)
            if buckets > MAX_HISTOGRAM_BUCKETS:
                raise ValueError(
                    f"gives {buckets} buckets over time_range; at most {MAX_HISTOGRAM_BUCKETS} are allowed"
                )
        return value


# Scheduler state


class StateNamesBody(Body):
    names: list[StateName] = Field(max_length=100)


class SetStateBody(Body):
    state: dict[StateName, BigInt] = Field(min_length=1, max_length=100)


# Retry queue


class RetryHost(Body):
    host_id: HostId
    public_ip: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class NewRetry(Body):
    retry_id: RetryId | None = None
    username: Name40
    host_list: list[RetryHost] = Field(min_length=1, max_length=10000)
    check_items: OptionalNames[RuleName] = []
    time_range: SecondsRange
    due_at: Seconds


class AddRetriesBody(Body):
    retries: list[NewRetry] = Field(min_length=1, max_length=10000)
    max_attempts: int = Field(ge=0, le=1_000_000)


class DueRetriesBody(Body):
    now: Seconds
    limit: int = Field(ge=1, le=1000)
    lease: int = Field(ge=1, le=2**31)


class RetryIdsBody(Body):
    retry_ids: list[RetryId] = Field(max_length=10000)


class TrimRetriesBody(Body):
    max_dead: int = Field(ge=0, le=2**31)
    discount: float = Field(gt=0, le=1)


class GetRetriesBody(Body):
    dead: bool | None = None


# Coverage: which hosts a check task evaluated each rule version for, over its window


RuleVersion = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


class CoveredRule(Body):
    check_item: RuleName
    version: RuleVersion
    # Hosts of the window whose evaluation of this rule recorded No data or Internal error.
    failed: OptionalNames[HostId] = []


class Coverage(Body):
    time_range: SecondsRange
    host_list: Names[HostId]
    rules: list[CoveredRule] = Field(min_length=1, max_length=10000)


class SaveCoverageBody(Body):
    coverage: list[Coverage] = Field(min_length=1, max_length=1000)


class GetCoverageBody(Body):
    time_range: SecondsRange
    check_items: Names[RuleName]
    host_list: Names[HostId]
