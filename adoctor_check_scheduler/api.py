"""The 21.09 check routes, and `/check/rule/test` (try a rule on past data, store nothing)."""

from __future__ import annotations

from typing import Any

from adoctor_check_scheduler import charts
from adoctor_check_scheduler import service
from adoctor_check_scheduler.app import scheduler
from adoctor_check_scheduler.schemas import RULE_TEST_MAX_BODY
from adoctor_check_scheduler.schemas import CountResultsBody
from adoctor_check_scheduler.schemas import GetResultsBody
from adoctor_check_scheduler.schemas import GetRulesBody
from adoctor_check_scheduler.schemas import ImportRulesBody
from adoctor_check_scheduler.schemas import ResultDataBody
from adoctor_check_scheduler.schemas import ResultHistogramBody
from adoctor_check_scheduler.schemas import RuleNamesBody
from adoctor_check_scheduler.schemas import TestRuleBody
from adoctor_check_scheduler.schemas import ValidateRuleBody
from aops_utils.contracts.data_center.checks import RULES_MAX_BODY
from aops_utils.contracts.data_center.checks import GetResultsBody as DataCenterResults
from aops_utils.data_center import DataCenter
from aops_utils.data_center import Relays
from aops_utils.restful import Api
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext

api = Api("A-Ops check scheduler")
# Routes the data center answers: the body passes on, the answer comes back as it is.
relay = Relays(api, lambda: scheduler().data_center)


@api.route("/check/rule/import", body=ImportRulesBody, max_body=RULES_MAX_BODY)
def import_rules(ctx: RequestContext[ImportRulesBody]) -> Reply:
    """Import rules per item: those that parse are stored, the others are listed in fail_list."""
    return service.import_rules(scheduler(), ctx.caller, ctx.body.check_items)


@relay("/check/rule/get", GetRulesBody, DataCenter.get_rules)
def get_rules() -> None:
    """List rules (all when `check_items` is empty)."""


@api.route("/check/rule/delete", methods=("DELETE",), body=RuleNamesBody)
def delete_rules(ctx: RequestContext[RuleNamesBody]) -> Reply:
    """Delete rules by name, per item (unknown names fail); their results stay."""
    return service.delete_rules(scheduler(), ctx)


@relay("/check/rule/count", None, DataCenter.count_rules)
def count_rules() -> None:
    """Number of the user's rules."""


@relay("/check/result/get", GetResultsBody, DataCenter.get_results, DataCenterResults)
def get_results() -> None:
    """Results by host, rule, value and time range (overlap), paged and sorted."""


@relay("/check/result/count", CountResultsBody, DataCenter.count_results)
def count_results() -> None:
    """Abnormal results per host (every host; 21.09 stopped at 10)."""


@relay("/check/result/histogram", ResultHistogramBody, DataCenter.result_histogram)
def result_histogram() -> None:
    """Beyond 21.09: results of a value per rule per time bucket (the web dashboard's chart)."""


@api.route("/check/rule/test", body=TestRuleBody, max_body=RULE_TEST_MAX_BODY)
def test_rule(ctx: RequestContext[TestRuleBody]) -> dict[str, Any]:
    """Evaluate a rule over a past time range and return what it would record."""
    return service.dry_run(scheduler(), ctx.caller, ctx.body)


@api.route("/check/result/data", body=ResultDataBody)
def result_data(ctx: RequestContext[ResultDataBody]) -> dict[str, Any]:
    """Beyond 21.09: the series of one of the user's rules on one of their hosts over a window
    of at most a day, thinned for a chart, with the abnormal results to mark on it."""
    return charts.result_data(scheduler(), ctx.caller, ctx.body)


@api.route("/check/rule/validate", body=ValidateRuleBody)
def validate_rule(ctx: RequestContext[ValidateRuleBody]) -> dict[str, Any]:
    """Beyond 21.09: parse a rule with its plugin as import does; nothing is read or stored.
    A rule that does not parse is 1000 naming `rule.<field>` with the parser's `position`."""
    service.compile_rule(scheduler(), ctx.body.rule, "rule")
    return {}
