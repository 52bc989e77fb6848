"""The 21.09 check routes, and `/check/rule/test` (try a rule on past data, store nothing)."""

from __future__ import annotations

import logging
from typing import Any

from adoctor_check_scheduler.app import scheduler
from adoctor_check_scheduler.schemas import (
    CountResultsBody,
    GetResultsBody,
    GetRulesBody,
    ImportRulesBody,
    RuleIn,
    RuleNamesBody,
    TestRuleBody,
)
from aops_utils.codes import Code
from aops_utils.contracts.checks import TaskHost, Value
from aops_utils.contracts.topics import Topic
from aops_utils.errors import AopsError, NotFoundError, ParamError
from aops_utils.restful import Api, Reply, RequestContext
from aops_utils.rules.evaluation import DEFAULT_SAMPLE_PERIOD, StoredRule, check_rule
from aops_utils.rules.plugins import RuleError

LOG = logging.getLogger(__name__)
api = Api("A-Ops check scheduler")
# The executor's default sample period: it only sizes the history that `#N` needs.
SAMPLE_PERIOD = DEFAULT_SAMPLE_PERIOD


def _forward(method: str, path: str, ctx: RequestContext[Any], body: dict[str, Any] | None = None) -> Reply:
    payload = ctx.body.model_dump() if body is None and ctx.body is not None else (body or {})
    data = scheduler().data_center.call(method, path, payload, principal=ctx.principal)
    return Reply(Code(data["code"]), {k: v for k, v in data.items() if k not in ("code", "msg")})


def compile_rule(rule: RuleIn, field: str) -> Any:
    """Parse a rule with its plugin; an error names the rule, the field and the position."""
    try:
        return scheduler().registry.compile(
            plugin=rule.plugin, condition=rule.condition, data_list=[d.model_dump() for d in rule.data_list]
        )
    except RuleError as exc:
        raise ParamError(
            f"rule {rule.check_item}: {exc.detail}",
            field=f"{field}.{exc.field or 'condition'}",
            payload={"position": exc.position},
        ) from None


def _announce(topic: Topic, username: str, names: list[str]) -> None:
    # Executors drop their copy of the user's rules; if the bus is away they refresh on their
    # own after rule_cache_seconds, so the stored change stands either way.
    try:
        producer = scheduler().producer
        producer.send(topic, {"username": username, "check_items": names}, key=username)
        producer.flush()
    except AopsError as exc:
        LOG.warning("rule change of %s not announced: %s", username, exc.detail)


@api.route("/check/rule/import", body=ImportRulesBody)
def import_rules(ctx: RequestContext[ImportRulesBody]) -> Reply:
    """Import rules; every condition is parsed first and nothing is stored if one is wrong."""
    seen: dict[str, int] = {}
    for index, rule in enumerate(ctx.body.check_items):
        if rule.check_item in seen:
            raise ParamError(
                f"duplicate check item {rule.check_item} (also at index {seen[rule.check_item]})",
                field=f"check_items.{index}.check_item",
            )
        seen[rule.check_item] = index
        compile_rule(rule, f"check_items.{index}")
    reply = _forward("POST", "/data/check/rule/add", ctx)
    _announce(Topic.IMPORT_CHECK_RULE, ctx.username, list(seen))
    return reply


@api.route("/check/rule/get", body=GetRulesBody)
def get_rules(ctx: RequestContext[GetRulesBody]) -> Reply:
    """List rules (all when `check_items` is empty)."""
    return _forward("POST", "/data/check/rule/get", ctx)


@api.route("/check/rule/delete", methods=("DELETE",), body=RuleNamesBody)
def delete_rules(ctx: RequestContext[RuleNamesBody]) -> Reply:
    """Delete rules by name; their results stay."""
    reply = _forward("DELETE", "/data/check/rule/delete", ctx)
    _announce(Topic.DELETE_CHECK_RULE, ctx.username, list(ctx.body.check_items))
    return reply


@api.route("/check/rule/count")
def count_rules(ctx: RequestContext[None]) -> Reply:
    """Number of the user's rules."""
    return _forward("POST", "/data/check/rule/count", ctx)


@api.route("/check/result/get", body=GetResultsBody)
def get_results(ctx: RequestContext[GetResultsBody]) -> Reply:
    """Results by host, rule, value and time range (overlap), paged and sorted."""
    return _forward("POST", "/data/check/result/get", ctx, ctx.body.model_dump(exclude_none=True))


@api.route("/check/result/count", body=CountResultsBody)
def count_results(ctx: RequestContext[CountResultsBody]) -> Reply:
    """Abnormal results per host (every host; 21.09 stopped at 10)."""
    return _forward("POST", "/data/check/result/count", ctx)


@api.route("/check/rule/test", body=TestRuleBody)
def test_rule(ctx: RequestContext[TestRuleBody]) -> dict[str, Any]:
    """Evaluate a rule over a past time range and return what it would record."""
    assert ctx.principal is not None
    body, dc = ctx.body, scheduler().data_center
    if body.rule is not None:
        compiled = compile_rule(body.rule, "rule")
        stored = StoredRule.of(body.rule.model_dump())
    else:
        rows = dc.post("/data/check/rule/get", {"check_items": [body.check_item]}, principal=ctx.principal)
        if not rows["check_items"]:
            raise NotFoundError(f"check item {body.check_item} does not exist", field="check_item")
        stored = StoredRule.of(rows["check_items"][0])
        compiled = compile_rule(RuleIn.model_validate(rows["check_items"][0]), "check_item")
    hosts = dc.post(
        "/data/host/info/get", {"host_list": body.host_list, "basic": True}, principal=ctx.principal
    )["host_infos"]
    if body.host_list and len(hosts) < len(set(body.host_list)):
        known = {h["host_id"] for h in hosts}
        missing = [h for h in body.host_list if h not in known]
        raise NotFoundError(f"unknown hosts: {', '.join(missing[:5])}", field="host_list")
    targets = [TaskHost(host_id=h["host_id"], public_ip=h["public_ip"]) for h in hosts]
    results = (
        check_rule(
            dc,
            ctx.username,
            stored,
            compiled,
            hosts=targets,
            time_range=body.time_range,
            sample_period=SAMPLE_PERIOD,
        )
        if targets
        else []
    )
    counts = {v.value: sum(1 for r in results if r["value"] == v) for v in Value}
    return {"check_result": results, "total_count": len(results), "counts": counts}
