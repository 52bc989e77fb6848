"""Coverage routes: what the check executors evaluated, read by the diag executors (services only)."""

from __future__ import annotations

from typing import Any

from aops_database.api import api
from aops_database.app import center
from aops_database.services import coverage
from aops_utils.contracts.data_center.checks import COVERAGE_MAX_BODY
from aops_utils.contracts.data_center.checks import GetCoverageBody
from aops_utils.contracts.data_center.checks import SaveCoverageBody
from aops_utils.errors import TokenError
from aops_utils.restful import Access
from aops_utils.restful import RequestContext


def _acting_user(ctx: RequestContext[Any]) -> str:
    """Coverage is kept per user and written and read only by the executors acting for one."""
    if not ctx.username:
        raise TokenError("a service call must name the user it acts for")
    return ctx.username


@api.route(
    "/data/check/coverage/save", body=SaveCoverageBody, access=Access.SERVICE, max_body=COVERAGE_MAX_BODY
)
def save_coverage(ctx: RequestContext[SaveCoverageBody]) -> dict[str, Any]:
    """Record what check tasks evaluated; a record with the key of a stored one replaces it."""
    records = [item.model_dump() for item in ctx.body.coverage]
    return {"saved": coverage.save_coverage(center().docs, _acting_user(ctx), records)}


@api.route("/data/check/coverage/get", body=GetCoverageBody, access=Access.SERVICE)
def get_coverage(ctx: RequestContext[GetCoverageBody]) -> dict[str, Any]:
    """Records overlapping the time range, cut down to the hosts and rules asked for."""
    b = ctx.body
    found = coverage.get_coverage(
        center().docs,
        _acting_user(ctx),
        time_range=b.time_range,
        check_items=b.check_items,
        host_ids=b.host_list,
    )
    return {"coverage": found}
