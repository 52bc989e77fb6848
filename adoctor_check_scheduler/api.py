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
from aops_utils.clients import forward
from aops_utils.contracts.data_center.checks import RULES_MAX_BODY
from aops_utils.contracts.data_center.checks import GetResultsBody as DataCenterResults
from aops_utils.data_center import relayed
from aops_utils.restful import Api
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext

api = Api("A-Ops check scheduler")


@api.route("/check/rule/import", body=ImportRulesBody, max_body=RULES_MAX_BODY)
def import_rules(ctx: RequestContext[ImportRulesBody]) -> Reply:
    """Import rules per item: those that parse are stored, the others are listed in fail_list."""
    assert ctx.principal is not None
    return service.import_rules(scheduler(), ctx.principal, ctx.body.check_items)


@api.route("/check/rule/get", body=GetRulesBody)
def get_rules(ctx: RequestContext[GetRulesBody]) -> Reply:
    """List rules (all when `check_items` is empty)."""
    return forward(scheduler().data_center.get_rules, ctx.body, ctx)


@api.route("/check/rule/delete", methods=("DELETE",), body=RuleNamesBody)
def delete_rules(ctx: RequestContext[RuleNamesBody]) -> Reply:
    """Delete rules by name, per item (unknown names fail); their results stay."""
    return service.delete_rules(scheduler(), ctx)


@api.route("/check/rule/count")
def count_rules(ctx: RequestContext[None]) -> Reply:
    """Number of the user's rules."""
    return forward(scheduler().data_center.count_rules, None, ctx)


@api.route("/check/result/get", body=GetResultsBody)
def get_results(ctx: RequestContext[GetResultsBody]) -> Reply:
    """Results by host, rule, value and time range (overlap), paged and sorted."""
    return forward(scheduler().data_center.get_results, relayed(DataCenterResults, ctx.body), ctx)


@api.route("/check/result/count", body=CountResultsBody)
def count_results(ctx: RequestContext[CountResultsBody]) -> Reply:
    """Abnormal results per host (every host; 21.09 stopped at 10)."""
    return forward(scheduler().data_center.count_results, ctx.body, ctx)


@api.route("/check/result/histogram", body=ResultHistogramBody)
def result_histogram(ctx: RequestContext[ResultHistogramBody]) -> Reply:
    """Beyond 21.09: results of a value per rule per time bucket (the web dashboard's chart)."""
    return forward(scheduler().data_center.result_histogram, ctx.body, ctx)


@api.route("/check/rule/test", body=TestRuleBody, max_body=RULE_TEST_MAX_BODY)
def test_rule(ctx: RequestContext[TestRuleBody]) -> dict[str, Any]:
    """Evaluate a rule over a past time range and return what it would record."""
    assert ctx.principal is not None
    return service.dry_run(scheduler(), ctx.principal, ctx.body)


@api.route("/check/result/data", body=ResultDataBody)
def result_data(ctx: RequestContext[ResultDataBody]) -> dict[str, Any]:
    """Beyond 21.09: the series of one of the user's rules on one of their hosts over a window
    of at most a day, thinned for a chart, with the abnormal results to mark on it."""
    assert ctx.principal is not None
    return charts.result_data(scheduler(), ctx.principal, ctx.body)


@api.route("/check/rule/validate", body=ValidateRuleBody)
def validate_rule(ctx: RequestContext[ValidateRuleBody]) -> dict[str, Any]:
    """Beyond 21.09: parse a rule with its plugin as import does; nothing is read or stored.
    A rule that does not parse is 1000 naming `rule.<field>` with the parser's `position`."""
    service.compile_rule(scheduler(), ctx.body.rule, "rule")
    return {}
