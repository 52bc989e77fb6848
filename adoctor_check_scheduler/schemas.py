"""Request bodies of the check scheduler (21.09 fields, real limits; the data center's where alike)."""

from __future__ import annotations

from typing import Annotated
from typing import Any
from typing import Literal

from pydantic import Field
from pydantic import StringConstraints
from pydantic import field_validator
from pydantic import model_validator

from aops_utils.contracts import MIB
from aops_utils.contracts import HostId
from aops_utils.contracts import OptionalNames
from aops_utils.contracts.checks import Value
from aops_utils.contracts.data_center.checks import MAX_RULE_BYTES
from aops_utils.contracts.data_center.checks import AddRulesBody
from aops_utils.contracts.data_center.checks import CountResultsBody
from aops_utils.contracts.data_center.checks import GetRulesBody
from aops_utils.contracts.data_center.checks import ResultHistogramBody
from aops_utils.contracts.data_center.checks import Rule
from aops_utils.contracts.data_center.checks import RuleName
from aops_utils.contracts.data_center.checks import RuleNamesBody
from aops_utils.contracts.data_center.checks import Seconds
from aops_utils.contracts.data_center.checks import checked_time_range
from aops_utils.restful.paging import PagedBody
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import either


class ImportRulesBody(Body):
    """Each item is validated as a `Rule` on its own (service.import_rules): a bad one is listed
    in `fail_list` while the others are stored, as 21.09 answered."""

    check_items: list[dict[str, Any]] = Field(min_length=1, max_length=AddRulesBody.MAX_ITEMS)


class GetResultsBody(PagedBody):
    time_range: list[Seconds] = Field(default_factory=list)
    check_items: OptionalNames[RuleName] = []
    host_list: OptionalNames[HostId] = []
    value: Value | None = None
    sort: Literal["start", "end", "check_item", ""] = ""

    _check_range = field_validator("time_range")(checked_time_range)


MAX_TEST_SPAN = 7 * 24 * 3600
# One inline rule of the largest legal size with up to 10,000 host ids.
RULE_TEST_MAX_BODY = MAX_RULE_BYTES + MIB


class TestRuleBody(Body):
    """Beyond 21.09: evaluate a stored (`check_item`) or inline (`rule`) rule, storing nothing."""

    check_item: RuleName | None = None
    rule: Rule | None = None
    host_list: OptionalNames[HostId] = []
    time_range: list[Seconds] = Field(min_length=2, max_length=2)

    _check_range = field_validator("time_range")(checked_time_range)

    _one_rule = either("check_item", "rule", "check_item (a stored rule) or rule (an inline rule)")

    @model_validator(mode="after")
    def _span(self) -> TestRuleBody:
        if self.time_range[1] - self.time_range[0] > MAX_TEST_SPAN:
            raise ValueError("time_range may span at most 7 days")
        return self


class ValidateRuleBody(Body):
    """Beyond 21.09: parse one rule as import would, storing and reading nothing (the web's
    live validation while a rule is written)."""

    rule: Rule


# The chart of a result reads at most a day of one host's series: raw samples (Prometheus keeps
# every scrape), so the window bounds the data center's work and the points sent to the browser.
MAX_DATA_SPAN = 24 * 3600


class ResultDataBody(Body):
    """Beyond 21.09: the series of one of the user's rules on one of their hosts around a result,
    for the web's chart (the browser never calls the data center)."""

    host_id: HostId
    check_item: RuleName
    time_range: list[int] = Field(min_length=2, max_length=2)
    # A result's `series` (e.g. node_cpu_seconds_total{cpu="1",mode="idle"}): only that series of
    # $0 and the series of $1..$n that agree with it; empty for every series.
    series: Annotated[str, StringConstraints(max_length=4096)] = ""

    @field_validator("time_range")
    @classmethod
    def _bounded_range(cls, value: list[int]) -> list[int]:
        if value[0] < 0 or value[0] > value[1]:
            raise ValueError("must be [start, end] with 0 <= start <= end")
        if value[1] - value[0] > MAX_DATA_SPAN:
            raise ValueError(f"may span at most {MAX_DATA_SPAN // 3600} hours")
        return value


__all__ = [
    "CountResultsBody",
    "GetResultsBody",
    "GetRulesBody",
    "ImportRulesBody",
    "ResultDataBody",
    "ResultHistogramBody",
    "Rule",
    "RuleNamesBody",
    "TestRuleBody",
    "ValidateRuleBody",
]
