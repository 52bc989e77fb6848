"""Request bodies of the check scheduler (21.09 fields, real limits; the data center's where alike)."""

from __future__ import annotations

from typing import Any
from typing import Literal

from pydantic import Field
from pydantic import field_validator
from pydantic import model_validator

from aops_utils.contracts import MIB
from aops_utils.contracts import HostId
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


class ImportRulesBody(Body):
    """Each item is validated as a `Rule` on its own (service.import_rules): a bad one is listed
    in `fail_list` while the others are stored, as 21.09 answered."""

    check_items: list[dict[str, Any]] = Field(min_length=1, max_length=AddRulesBody.MAX_ITEMS)


class GetResultsBody(PagedBody):
    time_range: list[Seconds] = Field(default_factory=list)
    check_items: list[RuleName] = Field(default_factory=list, max_length=10000)
    host_list: list[HostId] = Field(default_factory=list, max_length=10000)
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
    host_list: list[HostId] = Field(default_factory=list, max_length=10000)
    time_range: list[Seconds] = Field(min_length=2, max_length=2)

    _check_range = field_validator("time_range")(checked_time_range)

    @model_validator(mode="after")
    def _one_rule(self) -> TestRuleBody:
        if (self.check_item is None) == (self.rule is None):
            raise ValueError("give either check_item (a stored rule) or rule (an inline rule)")
        if self.time_range[1] - self.time_range[0] > MAX_TEST_SPAN:
            raise ValueError("time_range may span at most 7 days")
        return self


__all__ = [
    "CountResultsBody",
    "GetResultsBody",
    "GetRulesBody",
    "ImportRulesBody",
    "ResultHistogramBody",
    "Rule",
    "RuleNamesBody",
    "TestRuleBody",
]
