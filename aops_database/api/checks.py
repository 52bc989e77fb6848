"""Check routes: rules, results, the check scheduler's positions and its retry queue."""

from __future__ import annotations

from typing import Any

from aops_database.api import api
from aops_database.api import results_listing
from aops_database.api import store_deletion
from aops_database.api import store_listing
from aops_database.app import center
from aops_database.services import check_results
from aops_database.services import checks
from aops_database.services import retries
from aops_utils.contracts.data_center.checks import RESULTS_MAX_BODY
from aops_utils.contracts.data_center.checks import RETRIES_MAX_BODY
from aops_utils.contracts.data_center.checks import RULES_MAX_BODY
from aops_utils.contracts.data_center.checks import AddRetriesBody
from aops_utils.contracts.data_center.checks import AddRulesBody
from aops_utils.contracts.data_center.checks import CountResultsBody
from aops_utils.contracts.data_center.checks import DeleteResultsBody
from aops_utils.contracts.data_center.checks import DueRetriesBody
from aops_utils.contracts.data_center.checks import GetResultsBody
from aops_utils.contracts.data_center.checks import GetRetriesBody
from aops_utils.contracts.data_center.checks import GetRulesBody
from aops_utils.contracts.data_center.checks import ResultHistogramBody
from aops_utils.contracts.data_center.checks import RetryIdsBody
from aops_utils.contracts.data_center.checks import RuleNamesBody
from aops_utils.contracts.data_center.checks import SaveResultsBody
from aops_utils.contracts.data_center.checks import SetStateBody
from aops_utils.contracts.data_center.checks import StateNamesBody
from aops_utils.contracts.data_center.checks import TrimRetriesBody
from aops_utils.restful import Access
from aops_utils.restful import RequestContext
from aops_utils.restful.validation import refuse_duplicates

# Rules: relational, one row per (user, name).


@api.route("/data/check/rule/add", body=AddRulesBody, max_body=RULES_MAX_BODY)
def add_rules(ctx: RequestContext[AddRulesBody]) -> dict[str, Any]:
    """Insert or replace rules by name in one transaction; a name twice in one call is refused."""
    refuse_duplicates([i.check_item for i in ctx.body.check_items], "check_items.*.check_item", "check item")
    rules = [item.model_dump() for item in ctx.body.check_items]
    return checks.add_rules(center().store, ctx.username, rules).reply()


@store_deletion("/data/check/rule/delete", RuleNamesBody, "check_items", checks.delete_rules, "check item")
def delete_rules() -> None:
    """Delete rules by name; their results stay. Unknown names are failures."""


@store_listing("/data/check/rule/get", GetRulesBody, "check_items", checks.get_rules)
def get_rules() -> None:
    """The caller's rules (all when `check_items` is empty) by name, paged when asked."""


@api.route("/data/check/rule/count")
def count_rules(ctx: RequestContext[None]) -> dict[str, Any]:
    """Number of the caller's rules."""
    return {"rule_count": checks.count_rules(center().store, ctx.username)}


# Results: documents in the check_result index, one per (user, host, item, series, span).


@api.route("/data/check/result/save", body=SaveResultsBody, max_body=RESULTS_MAX_BODY)
def save_results(ctx: RequestContext[SaveResultsBody]) -> dict[str, Any]:
    """Store results in bulk; a result with the key of a stored one replaces it."""
    # One dump of the whole body rather than a call per result.
    rows = ctx.body.model_dump()["check_results"]
    return {"saved": check_results.save_results(center().results, ctx.username, rows)}


@api.route("/data/check/result/delete", methods=("DELETE",), body=DeleteResultsBody)
def delete_results(ctx: RequestContext[DeleteResultsBody]) -> dict[str, Any]:
    """Delete the caller's results of those hosts and items within the time range."""
    b = ctx.body
    deleted = check_results.delete_results(
        center().results, ctx.username, b.host_list, b.check_items, b.time_range
    )
    return {"deleted": deleted}


@results_listing("/data/check/result/get", GetResultsBody, "check_result", check_results.get_results)
def get_results() -> None:
    """Results overlapping the time range, by host, item and value; unpaged means all."""


@results_listing("/data/check/result/count", CountResultsBody, "results", check_results.count_abnormal)
def count_results() -> None:
    """Abnormal results per host, for every host that has any."""


@api.route("/data/check/result/histogram", body=ResultHistogramBody)
def result_histogram(ctx: RequestContext[ResultHistogramBody]) -> dict[str, Any]:
    """Results of a value per rule per time bucket (the web dashboard's chart)."""
    return check_results.histogram(center().results, ctx.username, ctx.body)


# The check scheduler's positions and retry queue (services only).


@api.route("/data/check/state/get", body=StateNamesBody, access=Access.SERVICE)
def get_state(ctx: RequestContext[StateNamesBody]) -> dict[str, Any]:
    """Stored scheduler positions by name; names never set are absent."""
    return {"state": checks.get_state(center().store, ctx.body.names)}


@api.route("/data/check/state/set", body=SetStateBody, access=Access.SERVICE)
def set_state(ctx: RequestContext[SetStateBody]) -> dict[str, Any]:
    """Store scheduler positions by name."""
    checks.set_state(center().store, dict(ctx.body.state))
    return {}


@api.route("/data/check/retry/add", body=AddRetriesBody, access=Access.SERVICE, max_body=RETRIES_MAX_BODY)
def add_retries(ctx: RequestContext[AddRetriesBody]) -> dict[str, Any]:
    """Remember failed windows; a known retry that failed again counts an attempt or dies."""
    items = [item.model_dump() for item in ctx.body.retries]
    outcome = retries.add_retries(center().store, items, ctx.body.max_attempts)
    return {"added": outcome.added, "dead": outcome.dead, "dropped": outcome.dropped}


@api.route("/data/check/retry/due", body=DueRetriesBody, access=Access.SERVICE)
def due_retries(ctx: RequestContext[DueRetriesBody]) -> dict[str, Any]:
    """Claim the retries due now, earliest first, for `lease` seconds."""
    b = ctx.body
    return {"retries": retries.claim_due(center().store, b.now, b.limit, b.lease)}


@api.route("/data/check/retry/delete", methods=("DELETE",), body=RetryIdsBody, access=Access.SERVICE)
def delete_retries(ctx: RequestContext[RetryIdsBody]) -> dict[str, Any]:
    """Forget retries whose window was finally checked."""
    return {"deleted": retries.delete_retries(center().store, ctx.body.retry_ids)}


@api.route("/data/check/retry/trim", body=TrimRetriesBody, access=Access.SERVICE)
def trim_retries(ctx: RequestContext[TrimRetriesBody]) -> dict[str, Any]:
    """Delete the oldest dead retries beyond `max_dead`."""
    return {"deleted": retries.trim_dead(center().store, ctx.body.max_dead, ctx.body.discount)}


@api.route("/data/check/retry/get", body=GetRetriesBody, access=Access.SERVICE)
def get_retries(ctx: RequestContext[GetRetriesBody]) -> dict[str, Any]:
    """Every retry, or only the dead (or live) ones."""
    return {"retries": retries.get_retries(center().store, ctx.body.dead)}
