"""`aops task --action execute|status|cancel`: start a task's run, follow it per step and host, stop it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import click

from aops_cli.client import ApiError
from aops_cli.context import get_state
from aops_cli.options import one
from aops_cli.output import cell
from aops_cli.output import table
from aops_utils.codes import Code

Options = dict[str, Any]
ENDED = ("succeeded", "failed", "cancelled", "interrupted")
HOST_COLUMNS = (
    ("step", "step"),
    ("host_name", "host"),
    ("status", "status"),
    ("task", "failed task"),
    ("message", "message"),
)
POLL_SECONDS = 1.0


def rows_of(run: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per step and host (a step without hosts shows once, with its own status)."""
    rows = []
    for step in run.get("steps") or []:
        hosts = step.get("hosts") or [{"host_name": "", "status": step.get("status"), "message": ""}]
        for host in hosts:
            message = str(host.get("message") or "").splitlines()
            rows.append({**host, "step": step.get("step"), "message": message[0] if message else ""})
    return rows


def headline(run: dict[str, Any]) -> str:
    mode = " (check mode)" if run.get("check") else ""
    reason = f": {run['reason']}" if run.get("reason") else ""
    took = ""
    if run.get("started_at") and run.get("ended_at"):
        took = f" in {float(run['ended_at']) - float(run['started_at']):.1f} s"
    task = run.get("task_name") or run.get("task_id")
    return f"run {run.get('run_id')} of task {task}{mode}: {run.get('status')}{took}{reason}"


def render(run: dict[str, Any]) -> str:
    """The run as a table of its steps' hosts under a one-line headline."""
    rows = rows_of(run)
    return headline(run) + ("\n" + table(rows, HOST_COLUMNS) if rows else "")


def changes(before: dict[tuple[str, str], str], run: dict[str, Any]) -> list[str]:
    """Lines for the hosts whose state changed since `before` (updated in place)."""
    lines = []
    for row in rows_of(run):
        key = (str(row.get("step")), str(row.get("host_name")))
        state = " ".join(cell(row.get(k)) for k in ("status", "task", "message") if row.get(k))
        if before.get(key) != state:
            before[key] = state
            lines.append(f"{key[0]} {key[1] or '-'}: {state}")
    return lines


def follow(fetch: Callable[[], dict[str, Any]], live: bool) -> dict[str, Any]:
    """Show the run until it ends: redrawn in place on a terminal, changes line by line otherwise."""
    seen: dict[tuple[str, str], str] = {}
    shown = ""
    while True:
        run = fetch()
        if live:
            text = render(run)
            if text != shown:
                click.clear()
                click.echo(text)
                shown = text
        else:
            for line in changes(seen, run):
                click.echo(line)
        if run.get("status") in ENDED:
            if not live:
                click.echo(headline(run))
            return run
        time.sleep(POLL_SECONDS)


def _status_body(opts: Options) -> dict[str, Any]:
    run_id = one(opts["run_id"], "--run_id", "status")
    if run_id:
        return {"run_id": run_id}
    task_id = one(opts["task_list"], "--task_list", "status")
    if not task_id:
        raise click.UsageError("status needs --run_id or --task_list (one task)")
    return {"task_id": task_id}


def _ended(run: dict[str, Any] | None) -> None:
    """A run that did not succeed ends the command with status 1."""
    if run is not None and run.get("status") != "succeeded":
        sys.exit(1)


def _until_ended(fetch: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    while (run := fetch())["status"] not in ENDED:
        time.sleep(POLL_SECONDS)
    return run


def status(opts: Options, access_token: str | None) -> None:
    state = get_state()
    reply = state.post("/manage/task/status", _status_body(opts), access_token=access_token)
    run = reply.get("run")
    following = run is not None and run.get("status") not in ENDED and not opts["no_wait"]

    def fetch() -> dict[str, Any]:
        assert run is not None
        found = state.post("/manage/task/status", {"run_id": run["run_id"]}, access_token=access_token)
        return dict(found["run"])

    if state.json:
        if following:
            reply["run"] = _until_ended(fetch)
        state.printed_json(reply)
        _ended(reply.get("run"))
        return
    if "run_list" in reply:
        history = [{**r, "check": "yes" if r.get("check") else ""} for r in reply["run_list"]]
        columns = (("run_id", "run"), ("status", "status"), ("check", "check"), ("reason", "reason"))
        click.echo(table(history, columns) if history else "no runs")
    if run is None:
        return
    if following:
        run = follow(fetch, sys.stdout.isatty())
    else:
        click.echo(render(run))
    _ended(run)


def _confirm(task: dict[str, Any], check: bool) -> None:
    click.echo(f"task {task.get('task_name')} ({task.get('task_id')}): {task.get('description') or ''}")
    hosts = [
        f"{h.get('host_name')} ({'+'.join(h.get('components') or [])})" for h in task.get("host_list") or []
    ]
    click.echo("hosts: " + (", ".join(hosts) or "none"))
    if check:
        click.echo("check mode: nothing is changed on the hosts")
    else:
        click.echo("warning: the hosts' software and configuration may change")
    click.confirm("execute it?", abort=True)


def execute(opts: Options, access_token: str | None) -> None:
    state = get_state()
    task_ids = list(dict.fromkeys(opts["task_list"]))
    if not opts["yes"] and not state.json:
        reply = state.post("/manage/task/get", {"task_list": task_ids}, access_token=access_token)
        found = {t["task_id"]: t for t in reply.get("task_infos") or []}
        for task_id in task_ids:
            if task_id not in found:
                raise ApiError(int(Code.PARAM_ERROR), f"no such task: {task_id}")
            _confirm(found[task_id], opts["check"])
    body = {"task_list": task_ids, "check": opts["check"]}
    reply = state.post("/manage/task/execute", body, access_token=access_token)
    if state.printed_json(reply):
        return
    for started in reply.get("run_list") or []:
        click.echo(f"started run {started['run_id']} of task {started['task_id']}")
    click.echo(f"follow it: {state_prog()} task --action status --run_id {reply['run_id']}")


def state_prog() -> str:
    return click.get_current_context().find_root().info_name or "aops"


def cancel(opts: Options, access_token: str | None) -> None:
    state = get_state()
    run_id = one(opts["run_id"], "--run_id", "cancel")
    reply = state.post("/manage/task/cancel", {"run_id": run_id}, access_token=access_token)
    state.respond(reply, f"cancelling run {run_id}")
