"""The check scheduler's workflows: rule import per item, rule changes announced, rule dry-run."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from adoctor_check_scheduler.app import CheckScheduler
from adoctor_check_scheduler.schemas import Rule
from adoctor_check_scheduler.schemas import RuleNamesBody
from adoctor_check_scheduler.schemas import TestRuleBody
from aops_utils.clients import forward
from aops_utils.contracts.checks import TaskHost
from aops_utils.contracts.checks import Value
from aops_utils.contracts.topics import Topic
from aops_utils.errors import AopsError
from aops_utils.errors import NotFoundError
from aops_utils.errors import ParamError
from aops_utils.restful import Principal
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext
from aops_utils.restful.batch import Named
from aops_utils.restful.batch import imported
from aops_utils.restful.batch import sort_out
from aops_utils.rules.evaluation import DEFAULT_SAMPLE_PERIOD
from aops_utils.rules.evaluation import StoredRule
from aops_utils.rules.evaluation import check_rule
from aops_utils.rules.plugins import RuleError

LOG = logging.getLogger(__name__)
# The executor's default sample period: it only sizes the history that `#N` needs.
SAMPLE_PERIOD = DEFAULT_SAMPLE_PERIOD


def compile_rule(service: CheckScheduler, rule: Rule, field: str) -> Any:
    """Parse a rule with its plugin; an error names the rule, the field and the position."""
    try:
        return _compile(service, rule)
    except RuleError as exc:
        raise ParamError(
            f"rule {rule.check_item}: {exc.detail}",
            field=f"{field}.{exc.field or 'condition'}",
            payload={"position": exc.position},
        ) from None


def _compile(service: CheckScheduler, rule: Rule) -> Any:
    return service.registry.compile(
        plugin=rule.plugin, condition=rule.condition, data_list=[d.model_dump() for d in rule.data_list]
    )


RULES = Named(key="check_item", items="check_items", noun="check item", label="rule")


def import_rules(service: CheckScheduler, principal: Principal, rules: Sequence[dict[str, Any]]) -> Reply:
    """Store the rules that parse and list each one that does not in `fail_list` with its
    reason, field and position (21.09: code 206 when some were stored)."""

    def problem(rule: Rule, index: int) -> dict[str, Any] | None:
        try:
            _compile(service, rule)
        except RuleError as exc:
            field = f"check_items.{index}.{exc.field or 'condition'}"
            return {"field": field, "reason": exc.detail, "position": exc.position}
        return None

    good, failed = sort_out(rules, Rule, RULES, problem)
    stored: dict[str, Any] = {}
    if good:
        stored = service.data_center.add_rules(good, principal)
        announce(service, Topic.IMPORT_CHECK_RULE, principal.username, [rule.check_item for rule in good])
    return imported(stored, failed, RULES)


def delete_rules(service: CheckScheduler, ctx: RequestContext[RuleNamesBody]) -> Reply:
    """Delete rules per name and tell the executors which ones went."""
    reply = forward(service.data_center.delete_rules, ctx.body, ctx)
    announce(service, Topic.DELETE_CHECK_RULE, ctx.username, reply.payload["succeed_list"])
    return reply


def announce(service: CheckScheduler, topic: Topic, username: str, names: list[str]) -> None:
    """Tell the executors which of the user's rules changed."""
    # Executors drop their copy of the user's rules; if the bus is away they refresh on their
    # own after rule_cache_seconds, so the stored change stands either way.
    try:
        service.producer.send(topic, {"username": username, "check_items": names}, key=username)
        service.producer.flush()
    except AopsError as exc:
        LOG.warning("rule change of %s not announced: %s", username, exc.detail)


def dry_run(service: CheckScheduler, principal: Principal, body: TestRuleBody) -> dict[str, Any]:
    """Evaluate a stored or inline rule over a past time range; store nothing."""
    dc = service.data_center
    if body.rule is not None:
        compiled = compile_rule(service, body.rule, "rule")
        stored = StoredRule.of(body.rule.model_dump())
    else:
        assert body.check_item is not None  # TestRuleBody requires one of the two
        rows = dc.rules([body.check_item], principal)
        if not rows:
            raise NotFoundError(f"check item {body.check_item} does not exist", field="check_item")
        stored = StoredRule.of(rows[0])
        compiled = compile_rule(service, Rule.model_validate(rows[0]), "check_item")
    hosts = dc.host_basics(body.host_list, principal)
    if body.host_list and len(hosts) < len(set(body.host_list)):
        known = {h["host_id"] for h in hosts}
        missing = [h for h in body.host_list if h not in known]
        raise NotFoundError(f"unknown hosts: {', '.join(missing[:5])}", field="host_list")
    targets = [TaskHost(host_id=h["host_id"], public_ip=h["public_ip"]) for h in hosts]
    results = (
        check_rule(
            dc,
            principal.username,
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
