"""`adoctor` diagnosis commands: `diag`, `report` and `task`, on the diag scheduler."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from aops_cli.adoctor_input import HOST_LIST_HELP
from aops_cli.adoctor_input import TimeText
from aops_cli.adoctor_input import query_range
from aops_cli.adoctor_input import recent_range
from aops_cli.adoctor_input import shown_time
from aops_cli.adoctor_neighbours import render_neighbours
from aops_cli.batches import finish
from aops_cli.batches import nothing_done
from aops_cli.batches import show_failures
from aops_cli.client import DIAG_SCHEDULER
from aops_cli.client import ApiError
from aops_cli.client import CliError
from aops_cli.context import State
from aops_cli.context import get_state
from aops_cli.options import CommaList
from aops_cli.options import action_option
from aops_cli.options import ids_option
from aops_cli.options import only
from aops_cli.options import paging_fields
from aops_cli.options import paging_options
from aops_cli.options import reject_unused
from aops_cli.options import session_options
from aops_cli.output import columns
from aops_cli.output import deleted_line
from aops_cli.output import emit_json
from aops_cli.output import listing
from aops_cli.output import page_summary
from aops_cli.output import plural

DEFAULT_INTERVAL = 10  # 21.09's slice length, seconds
POLL_SECONDS = 2.0
STALL_POLLS = 10  # polls without progress before `diag` gives up waiting
BAR_WIDTH = 30
SUMMARY_PAGE = 50  # the scheduler's largest page
REPORT_COLUMNS = columns("host_id", "tree_name", "start", "end", "value", "report_id")
TASK_COLUMNS = columns(
    "task_id", "time", "host_list", "tree_list", "start", "end", ("expected_report_num", "reports")
)
REPORT_FILTERS = (
    "host_list",
    "tree_list",
    "task_id",
    "start",
    "end",
    "sort",
    "direction",
    "page",
    "per_page",
)


def diag_state() -> State:
    """The invocation's state, with calls going to the diag scheduler."""
    state = get_state()
    state.service = DIAG_SCHEDULER
    return state


def truth(value: Any) -> str:
    """A node's or report's value as 21.09 meant it: true, false, or unknown (null)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "unknown"


def delete_items(path: str, body: dict[str, Any], noun: str, access_token: str | None) -> None:
    """Delete by id or name, per item: the deleted ones, then each failed one on its own line."""
    state = diag_state()
    try:
        reply = state.delete(path, body, access_token=access_token)
    except ApiError as exc:
        raise nothing_done(exc, f"deleted no {noun}") from None
    finish(state, reply, deleted_line(reply, noun))


def delete_action(ctx: click.Context, key: str, path: str, noun: str) -> None:
    """`--action delete`: only `--<key>` applies (besides `--access_token`), and the items it
    names are deleted per item."""
    required: dict[str, Any] = {key: ctx.params[key]}
    only(ctx, "delete", **required)
    delete_items(path, {key: ctx.params[key]}, noun, ctx.params["access_token"])


# ------------------------------------------------------------------------------------------------
# diag


@click.command()
@ids_option("host_list", required=True, help=f"The {HOST_LIST_HELP}.")
@click.option("--tree_list", type=CommaList(), required=True, help="Fault trees to evaluate.")
@click.option(
    "--interval",
    type=click.IntRange(min=1),
    default=DEFAULT_INTERVAL,
    show_default=True,
    help="Seconds per time slice: one report per host, tree and slice.",
)
@click.option("--start", type=TimeText(), help="From (default: an hour before --end).")
@click.option("--end", type=TimeText(), help="To (default: an hour after --start, else now).")
@click.option("--no-wait", "no_wait", is_flag=True, help="Print the task id and return.")
@session_options
def diag(
    *,
    host_list: list[str],
    tree_list: list[str],
    interval: int,
    start: int | None,
    end: int | None,
    no_wait: bool,
    access_token: str | None,
) -> None:
    """Diagnose hosts with fault trees, wait for the reports and summarise them."""
    state = diag_state()
    body = {
        "host_list": host_list,
        # Unlike `checkrule --action test` there is no 7-day cap: the scheduler limits the reports.
        "time_range": recent_range(start, end),
        "tree_list": tree_list,
        "interval": interval,
    }
    try:
        reply = state.post("/diag/execute", body, access_token=access_token)
    except ApiError as exc:
        raise nothing_done(exc, "diagnosed nothing") from None
    task_id = str(reply.get("task_id"))
    expected = int(reply.get("expected_report_num") or 0)
    if no_wait:
        finish(state, reply, task_id)
        return
    if not state.json:
        # The unknown hosts and trees first: the task runs without them.
        show_failures(reply)
        click.echo(f"task {task_id}: {plural(expected, 'report')} expected")
    progress = _wait(state, task_id, expected, access_token)
    listed = state.post(
        "/diag/report/get_list",
        {"task_id": task_id, "page": 1, "per_page": SUMMARY_PAGE, "sort": "start", "direction": "asc"},
        access_token=access_token,
    )
    reports: list[dict[str, Any]] = listed.get("result") or []
    if state.json:
        emit_json({**reply, "progress": progress, "reports": listed})
    else:
        _summarise(task_id, listed, reports)
    if reply.get("fail_list"):
        # Some hosts or trees were not diagnosed.
        click.get_current_context().exit(1)


def _summarise(task_id: str, listed: dict[str, Any], reports: list[dict[str, Any]]) -> None:
    counts = {
        word: sum(truth(r.get("value")) == word for r in reports) for word in ("true", "false", "unknown")
    }
    summary = page_summary(
        listed, len(reports), "report", 1 if int(listed.get("total_page") or 1) > 1 else None
    )
    summary += ": " + ", ".join(f"{count} {word}" for word, count in counts.items())
    if int(listed.get("total_count") or 0) > len(reports):
        summary += f"; see `adoctor report --action get --task_id {task_id} --page 2`"
    listing(_report_rows(reports), REPORT_COLUMNS, summary)


def _bar(done: int, expected: int) -> str:
    filled = BAR_WIDTH if expected <= 0 else min(BAR_WIDTH, BAR_WIDTH * done // expected)
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{expected} reports"


def on_terminal() -> bool:
    return sys.stdout.isatty()


def _wait(state: State, task_id: str, expected: int, access_token: str | None) -> dict[str, Any]:
    """Poll the progress until the task is finished or failed; give up after STALL_POLLS polls
    without change."""
    tty = not state.json and on_terminal()
    shown: int | None = None
    still = 0
    while True:
        reply = state.post("/diag/progress/get", {"task_list": [task_id]}, access_token=access_token)
        entries = [e for e in reply.get("result") or [] if e.get("task_id") == task_id]
        entry: dict[str, Any] = entries[0] if entries else {}
        done = int(entry.get("progress") or 0)
        expected = int(entry.get("expected_report_num") or expected)
        finished = bool(entry.get("finished")) or (expected > 0 and done >= expected)
        if done != shown:
            still = 0
            if not state.json:
                if tty:
                    click.echo("\r" + _bar(done, expected), nl=finished)
                else:
                    click.echo(_bar(done, expected))
            shown = done
        else:
            still += 1
        if finished:
            return entry
        if entry.get("status") == "failed":
            if tty:
                click.echo()
            raise CliError(f"task {task_id} failed at {done}/{expected} reports: {entry.get('reason')}")
        if still >= STALL_POLLS:
            if tty:
                click.echo()
            raise CliError(
                f"task {task_id}: no progress in {STALL_POLLS} polls ({STALL_POLLS * POLL_SECONDS:g} s) "
                f"at {done}/{expected} reports; it may still finish: "
                f"see `adoctor report --action get --task_id {task_id}`"
            )
        time.sleep(POLL_SECONDS)


def _report_rows(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **r,
            "start": shown_time(r.get("start")),
            "end": shown_time(r.get("end")),
            "value": truth(r.get("value")),
        }
        for r in reports
    ]


# ------------------------------------------------------------------------------------------------
# report


@click.command()
@action_option("get", "delete")
@ids_option(
    "report_list", "get: these reports, each shown as its evaluated tree; delete: the reports to delete."
)
@click.option("--task_id", help="get: the reports of this diagnosis task.")
@ids_option("host_list", help=f"get: {HOST_LIST_HELP} (default all).")
@click.option("--tree_list", type=CommaList(), help="get: fault trees (default all).")
@click.option("--start", type=TimeText(), help="get: reports that end at or after this time (default: all).")
@click.option("--end", type=TimeText(), help="get: reports that start at or before this time (default: now).")
@paging_options(("start", "end", "tree_name", "host_id"), newest_first="start")
@session_options
@click.pass_context
def report(ctx: click.Context, /, action: str, access_token: str | None, **opts: Any) -> None:
    """List diagnosis reports, show them as trees, or delete them."""
    if action == "delete":
        delete_action(ctx, "report_list", "/diag/report/delete", "report")
    elif opts["report_list"] is not None:
        reject_unused(ctx, action, ("report_list",))
        _show_reports(opts["report_list"], access_token)
    else:
        reject_unused(ctx, action, REPORT_FILTERS)
        _list_reports(access_token, **{name: opts[name] for name in REPORT_FILTERS})


def _list_reports(
    access_token: str | None,
    *,
    host_list: list[str] | None,
    tree_list: list[str] | None,
    task_id: str | None,
    start: int | None,
    end: int | None,
    **paging: Any,
) -> None:
    body = paging_fields(paging, newest_first="start")
    if task_id is not None:
        body["task_id"] = task_id
    if host_list:
        body["host_list"] = host_list
    if tree_list:
        body["tree_list"] = tree_list
    if start is not None or end is not None:
        body["time_range"] = query_range(start, end)
    state = diag_state()
    reply = state.post("/diag/report/get_list", body, access_token=access_token)
    if state.printed_json(reply):
        return
    reports: list[dict[str, Any]] = reply.get("result") or []
    columns = REPORT_COLUMNS if task_id is not None else (*REPORT_COLUMNS, ("task_id", "task_id"))
    listing(_report_rows(reports), columns, page_summary(reply, len(reports), "report", paging["page"]))


def render_node(node: Any, depth: int = 0) -> list[str]:
    """`name (check item): value - evidence` for a node and, indented, its children."""
    if not isinstance(node, dict):
        return []
    name = str(node.get("node name", "?"))
    item = node.get("check item")
    where = ", on the neighbours" if node.get("scope") == "neighbours" else ""
    label = f"{name} ({item}{where})" if isinstance(item, str) else name
    evidence = node.get("evidence")
    because = evidence.get("text") if isinstance(evidence, dict) else None
    because = because or node.get("msg") or ""
    line = f"{'  ' * depth}{label}: {truth(node.get('value'))}" + (f" - {because}" if because else "")
    lines = [line]
    if node.get("advice"):
        lines.append(f"{'  ' * (depth + 1)}advice: {node['advice']}")
    for child in node.get("children") or []:
        lines += render_node(child, depth + 1)
    return lines


def _show_reports(ids: list[str], access_token: str | None) -> None:
    reports = diag_state().rows("/diag/report/get", {"report_list": ids}, "result", access_token)
    if reports is None:
        return
    for number, entry in enumerate(reports):
        if number:
            click.echo()
        click.echo(
            f"report {entry.get('report_id')}: host {entry.get('host_id')}, tree {entry.get('tree_name')}, "
            f"{shown_time(entry.get('start'))} to {shown_time(entry.get('end'))}, task {entry.get('task_id')}"
        )
        tree = entry.get("report")
        lines = render_node(tree, 1)
        click.echo("\n".join(lines) if lines else "  (empty: the tree could not be evaluated)")
        for line in render_neighbours(entry.get("neighbours")):
            click.echo(line)
    found = {str(r.get("report_id")) for r in reports}
    missing = [i for i in dict.fromkeys(ids) if i not in found]
    if missing:
        click.echo(f"{'' if not reports else chr(10)}not found: {', '.join(missing)}")


# ------------------------------------------------------------------------------------------------
# task


@click.command()
@action_option("get", "delete")
@ids_option("task_list", "get: tasks to list (default all); delete: tasks to delete, with their reports.")
@paging_options(("time", "expected_report_num"), newest_first="time")
@session_options
@click.pass_context
def task(ctx: click.Context, /, action: str, access_token: str | None, **opts: Any) -> None:
    """List diagnosis tasks, or delete them with their reports."""
    if action == "delete":
        delete_action(ctx, "task_list", "/diag/task/delete", "task")
        return
    reject_unused(ctx, action, ("task_list", "sort", "direction", "page", "per_page"))
    body = {"task_list": opts["task_list"] or [], **paging_fields(opts, newest_first="time")}
    state = diag_state()
    reply = state.post("/diag/task/get", body, access_token=access_token)
    if state.printed_json(reply):
        return
    tasks: list[dict[str, Any]] = reply.get("task_infos") or []
    rows = []
    for t in tasks:
        span = t.get("time_range") or [None, None]
        rows.append(
            {
                **t,
                "time": shown_time(t.get("time")),
                "start": shown_time(span[0]),
                "end": shown_time(span[-1]),
            }
        )
    listing(rows, TASK_COLUMNS, page_summary(reply, len(tasks), "task", opts["page"]))
