"""`adoctor` check commands: `checkrule`, `check` and `stat`, with the 21.09 options."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from aops_cli.adoctor_input import HOST_LIST_HELP
from aops_cli.adoctor_input import TimeText
from aops_cli.adoctor_input import explain
from aops_cli.adoctor_input import pick_rule
from aops_cli.adoctor_input import query_range
from aops_cli.adoctor_input import read_json
from aops_cli.adoctor_input import recent_range
from aops_cli.adoctor_input import rule_place
from aops_cli.adoctor_input import rules_in
from aops_cli.adoctor_input import shown_time
from aops_cli.batches import finish
from aops_cli.batches import nothing_done
from aops_cli.client import ApiError
from aops_cli.context import get_state
from aops_cli.options import CommaList
from aops_cli.options import action_option
from aops_cli.options import export_option
from aops_cli.options import ids_option
from aops_cli.options import one
from aops_cli.options import only
from aops_cli.options import paging_fields
from aops_cli.options import paging_options
from aops_cli.options import reject_unused
from aops_cli.options import session_options
from aops_cli.output import Columns
from aops_cli.output import columns
from aops_cli.output import deleted_line
from aops_cli.output import listing
from aops_cli.output import page_summary
from aops_cli.output import plural
from aops_utils.contracts.checks import Value

VALUES = tuple(Value)
RULE_COLUMNS = columns("check_item", "data_list", "condition", "description")
RESULT_COLUMNS = columns("start", "end", "host_id", "check_item", "value")
# Shown only when some row has them: most results have neither.
OPTIONAL_RESULT_COLUMNS = columns("series", "reason")
COUNT_COLUMNS = columns("host_id", ("count", "abnormal"))
RULE_GET_OPTIONS = ("check_items", "export", "sort", "direction", "page", "per_page")
RULE_TEST_OPTIONS = ("check_items", "conf", "host_list", "start", "end", "page", "per_page")
MAX_TEST_SPAN = 7 * 24 * 3600  # the scheduler's limit for /check/rule/test


def _data_items(rule: dict[str, Any]) -> str:
    """`node_filesystem_avail_bytes{mountpoint="/"}`: each data item as Prometheus writes a selector."""
    items = []
    for item in rule.get("data_list") or []:
        if not isinstance(item, dict):
            continue
        labels = ",".join(f'{k}="{v}"' for k, v in (item.get("label") or {}).items())
        prefix = "log:" if item.get("type") == "log" else ""
        items.append(f"{prefix}{item.get('name')}" + (f"{{{labels}}}" if labels else ""))
    return ", ".join(items)


def _result_rows(results: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Columns]:
    rows = [{**r, "start": shown_time(r.get("start")), "end": shown_time(r.get("end"))} for r in results]
    extra = tuple(col for col in OPTIONAL_RESULT_COLUMNS if any(r.get(col[0]) for r in results))
    return rows, RESULT_COLUMNS + extra


def _explicit(ctx: click.Context, *names: str) -> bool:
    return any(ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE for name in names)


@click.command()
@action_option("add", "get", "delete", "test")
@click.option(
    "--conf",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='add: JSON rule file ({"check_items": [...]}, as --export writes it); test: the rule to try.',
)
@click.option(
    "--check_items",
    type=CommaList(),
    help="get: rules to list (default all); delete: rules to delete; test: the stored rule to try "
    "(with --conf: the rule of the file to try).",
)
@export_option("rules", "; all matching rules unless --page/--per_page is given")
@ids_option("host_list", help=f"test: {HOST_LIST_HELP} (default all).")
@click.option("--start", type=TimeText(), help="test: from (default: an hour before --end).")
@click.option("--end", type=TimeText(), help="test: to (default: an hour after --start, else now).")
@paging_options(("check_item",))
@session_options
@click.pass_context
def checkrule(ctx: click.Context, /, action: str, access_token: str | None, **opts: Any) -> None:
    """Import, list, delete check rules, or try one on past data."""
    if action == "add":
        only(ctx, action, conf=opts["conf"])
        _import_rules(opts["conf"], access_token)
    elif action == "get":
        reject_unused(ctx, action, RULE_GET_OPTIONS)
        whole = opts["export"] is not None and not _explicit(ctx, "page", "per_page")
        _get_rules(access_token, whole=whole, **{name: opts[name] for name in RULE_GET_OPTIONS})
    elif action == "delete":
        only(ctx, action, check_items=opts["check_items"])
        _delete_rules(opts["check_items"], access_token)
    else:
        reject_unused(ctx, action, RULE_TEST_OPTIONS)
        if opts["check_items"] is None and opts["conf"] is None:
            raise click.UsageError("--action test needs --check_items NAME (stored) or --conf FILE", ctx)
        _test_rule(access_token, **{name: opts[name] for name in RULE_TEST_OPTIONS})


def _import_rules(path: Path, access_token: str | None) -> None:
    data = read_json(path, "--conf")
    rules = rules_in(data, path)
    # 21.09 sent the file as it is; a bare list or a single rule is wrapped the way it expects.
    body = data if isinstance(data, dict) and "check_items" in data else {"check_items": rules}
    state = get_state()

    def place(item: dict[str, Any]) -> list[str]:
        return rule_place(str(item.get("field") or ""), item.get("position"), rules, path)

    try:
        reply = state.post("/check/rule/import", body, access_token=access_token)
    except ApiError as exc:
        # A refused request names one field; a batch in which every rule failed lists them all.
        if (exc.reply or {}).get("fail_list"):
            raise nothing_done(exc, f"imported no check rule from {path}", place) from None
        raise explain(exc, rules, path) from None
    added, updated = len(reply.get("succeed_list") or []), len(reply.get("update_list") or [])
    line = f"imported {plural(added + updated, 'check rule')} from {path} ({added} new, {updated} updated)"
    finish(state, reply, line, place)


def _get_rules(
    access_token: str | None,
    *,
    whole: bool,
    check_items: list[str] | None,
    export: Path | None,
    sort: str | None,
    direction: str,
    page: int,
    per_page: int,
) -> None:
    state = get_state()
    body: dict[str, Any] = {"check_items": check_items or [], "sort": sort or "", "direction": direction}
    if not whole:
        # Without page and per_page the scheduler returns every matching rule.
        body.update(page=page, per_page=per_page)
    reply = state.post("/check/rule/get", body, access_token=access_token)
    rules: list[dict[str, Any]] = reply.get("check_items") or []
    if state.exported(reply, export, {"check_items": rules}, plural(len(rules), "check rule")):
        return
    rows = [{**rule, "data_list": _data_items(rule)} for rule in rules]
    listing(rows, RULE_COLUMNS, page_summary(reply, len(rules), "check rule", page))


def _delete_rules(names: list[str], access_token: str | None) -> None:
    state = get_state()
    try:
        reply = state.delete("/check/rule/delete", {"check_items": names}, access_token=access_token)
    except ApiError as exc:
        raise nothing_done(exc, "deleted no check rule") from None
    finish(state, reply, deleted_line(reply, "check rule"))


def _test_rule(
    access_token: str | None,
    *,
    check_items: list[str] | None,
    conf: Path | None,
    host_list: list[str] | None,
    start: int | None,
    end: int | None,
    page: int,
    per_page: int,
) -> None:
    name = one(check_items, "--check_items", "test")
    span = recent_range(start, end)
    if span[1] - span[0] > MAX_TEST_SPAN:
        raise click.BadParameter("the range may span at most 7 days", param_hint="--start/--end")
    body: dict[str, Any] = {"host_list": host_list or [], "time_range": span}
    rules: list[Any] = []
    index = 0
    if conf is None:
        body["check_item"] = name
    else:
        rules = rules_in(read_json(conf, "--conf"), conf)
        index, body["rule"] = pick_rule(rules, conf, name)
    state = get_state()
    try:
        reply = state.post("/check/rule/test", body, access_token=access_token)
    except ApiError as exc:
        raise (explain(exc, rules, conf, index) if conf is not None else exc) from None
    if state.printed_json(reply):
        return
    results: list[dict[str, Any]] = reply.get("check_result") or []
    counts = reply.get("counts") or {}
    tally = ", ".join(f"{int(counts.get(value) or 0)} {value}" for value in VALUES)
    hosts = len({r.get("host_id") for r in results})
    when = f"from {shown_time(span[0])} to {shown_time(span[1])}"
    if not results:
        click.echo(f"nothing would be recorded {when}: no abnormal data and no errors")
        return
    # The scheduler returns every result at once; people read them a page at a time.
    shown = results[(page - 1) * per_page : page * per_page]
    rows, columns = _result_rows(shown)
    pages = math.ceil(len(results) / per_page)
    where = f"showing {len(shown)}, page {page}/{pages}"
    listing(
        rows,
        columns,
        f"{plural(len(results), 'result')} would be recorded on {plural(hosts, 'host')} {when} "
        f"({where}): {tally}",
    )


@click.command()
@ids_option("host_list", help=f"{HOST_LIST_HELP.capitalize()} (default all).")
@click.option("--check_items", type=CommaList(), help="Rule names (default all).")
@click.option("--start", type=TimeText(), help="Results that end at or after this time (default: all).")
@click.option("--end", type=TimeText(), help="Results that start at or before this time (default: now).")
@click.option(
    "--value",
    type=click.Choice(VALUES, case_sensitive=False),
    metavar="[" + "|".join(VALUES) + "]",
    help="Only results with this value (any case).",
)
@paging_options(("check_item", "start", "end"), newest_first="start")
@session_options
def check(
    *,
    host_list: list[str] | None,
    check_items: list[str] | None,
    start: int | None,
    end: int | None,
    value: str | None,
    access_token: str | None,
    **paging: Any,
) -> None:
    """List recorded check results."""
    body: dict[str, Any] = {
        "time_range": query_range(start, end),
        "check_items": check_items or [],
        "host_list": host_list or [],
        **paging_fields(paging, newest_first="start"),
    }
    if value is not None:
        body["value"] = value
    state = get_state()
    reply = state.post("/check/result/get", body, access_token=access_token)
    if state.printed_json(reply):
        return
    results: list[dict[str, Any]] = reply.get("check_result") or []
    rows, columns = _result_rows(results)
    listing(rows, columns, page_summary(reply, len(results), "check result", paging["page"]))


@click.command()
@action_option("count")
@click.option(
    "--field",
    type=click.Choice(("check_rule", "check_result")),
    required=True,
    help="check_rule: the number of rules; check_result: abnormal results per host.",
)
@session_options
def stat(action: str, field: str, access_token: str | None) -> None:
    """Count check rules, or abnormal results per host."""
    state = get_state()
    if field == "check_rule":
        reply = state.post("/check/rule/count", {}, access_token=access_token)
        state.respond(reply, plural(int(reply.get("rule_count") or 0), "check rule"))
        return
    # Every host, the most affected first (21.09 listed at most 10, in no useful order).
    body = {"host_list": [], "sort": "count", "direction": "desc"}
    rows = state.rows("/check/result/count", body, "results", access_token)
    if rows is None:
        return
    total = sum(int(row.get("count") or 0) for row in rows)
    summary = f"{plural(total, 'abnormal result')} on {plural(len(rows), 'host')}"
    listing(rows, COUNT_COLUMNS, summary if rows else "no abnormal results")
