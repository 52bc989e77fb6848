"""The 21.09 topology routes, and the v2 ones (filters, history, diff, metrics)."""

from __future__ import annotations

from typing import Any

from aops_utils.restful import Api
from aops_utils.restful import RequestContext
from gala_spider import service
from gala_spider.app import spider
from gala_spider.schemas import DiffQuery
from gala_spider.schemas import EntitiesQuery
from gala_spider.schemas import EntitiesV2Query
from gala_spider.schemas import MetricsQuery

api = Api("gala-spider topology")
V1 = "/gala-spider/api/v1"
V2 = "/gala-spider/api/v2"
GET = ("GET",)


@api.route(f"{V1}/get_entities", methods=GET, body=EntitiesQuery)
def get_entities(ctx: RequestContext[EntitiesQuery]) -> dict[str, Any]:
    """The map in 21.09's shape: now, or as it was at `timestamp` (seconds or milliseconds)."""
    return service.get_entities(spider(), ctx.caller, ctx.body.timestamp)


@api.route(f"{V1}/get_status", methods=GET)
def get_status(ctx: RequestContext[None]) -> dict[str, Any]:
    """The consumer's state and the map's size (21.09 wiped its data here)."""
    return service.status(spider())


@api.route(f"{V2}/entities", methods=GET, body=EntitiesV2Query)
def entities(ctx: RequestContext[EntitiesV2Query]) -> dict[str, Any]:
    """Hosts, processes (host, pid, name), links and balancers, with filters and a time window."""
    return service.entities_v2(spider(), ctx.caller, ctx.body)


@api.route(f"{V2}/diff", methods=GET, body=DiffQuery)
def diff(ctx: RequestContext[DiffQuery]) -> dict[str, Any]:
    """The links that appeared and disappeared between two times."""
    return service.diff(spider(), ctx.caller, ctx.body)


@api.route(f"{V2}/link_metrics", methods=GET, body=MetricsQuery)
def link_metrics(ctx: RequestContext[MetricsQuery]) -> dict[str, Any]:
    """Links' bytes, packets, retransmits and rtt per bucket over a time window."""
    return service.link_metrics(spider(), ctx.caller, ctx.body)
