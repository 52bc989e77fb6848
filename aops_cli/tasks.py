"""`aops task`: generate, list, delete and execute deployment tasks, follow and cancel their runs;
each action is one entry of ACTIONS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from aops_cli import runs
from aops_cli.client import failed_suffix
from aops_cli.context import get_state
from aops_cli.options import CommaList
from aops_cli.options import action_option
from aops_cli.options import one
from aops_cli.options import only
from aops_cli.options import paging_fields
from aops_cli.options import session_options
from aops_cli.output import columns
from aops_cli.output import deleted_line
from aops_cli.output import listing
from aops_cli.output import page_summary

DEFAULT_DESCRIPTION = "The task's description is null"
TASK_COLUMNS = columns(
    "task_id", "task_name", ("template_name", "templates"), ("hosts", "hosts (components)"), "description"
)
# A host of --host_list may name its components after a colon: web1:zookeeper+kafka.
_COMPONENTS, _JOIN = ":", "+"

Options = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Action:
    """What `--action NAME` does: `run(options, access_token)`, after refusing any option given
    that is not among `options` and insisting on those of `required`."""

    run: Callable[[Options, str | None], None]
    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()


def _host_entries(items: list[str], access_token: str | None) -> list[dict[str, Any]]:
    """`ID` or `NAME`, each optionally `:component+component`; names become the user's host ids."""
    if not items:
        return []
    state = get_state()
    known = state.post("/manage/host/info/query", {"host_list": [], "basic": True}, access_token=access_token)
    ids = {row["host_name"]: row["host_id"] for row in known.get("host_infos") or []}
    entries = []
    for item in items:
        host, _, components = item.partition(_COMPONENTS)
        entry: dict[str, Any] = {"host_id": ids.get(host, host)}
        if components:
            entry["components"] = components.split(_JOIN)
        entries.append(entry)
    return entries


def _generate(opts: Options, access_token: str | None) -> None:
    state = get_state()
    name = one(opts["task_name"], "--task_name", "generate")
    body = {
        "task_name": name,
        "description": opts["description"],
        "template_name": opts["template_name"] or [],
        "host_list": _host_entries(opts["host_list"] or [], access_token),
    }
    reply = state.post("/manage/task/generate", body, access_token=access_token)
    state.respond(reply, f"generated task {name}: {reply.get('task_id')}")


def _query(opts: Options, access_token: str | None) -> None:
    state = get_state()
    body = {"task_list": opts["task_list"] or [], **paging_fields(opts)}
    reply = state.post("/manage/task/get", body, access_token=access_token)
    if state.printed_json(reply):
        return
    rows = reply.get("task_infos") or []
    for row in rows:
        row["hosts"] = [
            f"{h.get('host_name')} ({'+'.join(h.get('components') or [])})"
            for h in row.get("host_list") or []
        ]
    listing(rows, TASK_COLUMNS, page_summary(reply, len(rows), "task", opts["page"]))


def _delete(opts: Options, access_token: str | None) -> None:
    state = get_state()
    reply = state.delete("/manage/task/delete", {"task_list": opts["task_list"]}, access_token=access_token)
    state.respond(reply, deleted_line(reply, "task") + failed_suffix(reply))


ACTIONS: dict[str, Action] = {
    "generate": Action(_generate, ("description", "template_name", "host_list"), ("task_name",)),
    "query": Action(_query, ("task_list", "sort", "direction", "page", "per_page")),
    "delete": Action(_delete, (), ("task_list",)),
    "execute": Action(runs.execute, ("check", "yes"), ("task_list",)),
    "status": Action(runs.status, ("run_id", "task_list", "no_wait")),
    "cancel": Action(runs.cancel, (), ("run_id",)),
}


@click.command()
@action_option(*ACTIONS)
@click.option("--task_name", type=CommaList(), metavar="NAME", help="generate: the task's name.")
@click.option("--description", default=DEFAULT_DESCRIPTION, show_default=True, help="generate.")
@click.option("--template_name", type=CommaList(), help="generate: its templates, in the order they run.")
@click.option(
    "--host_list",
    type=CommaList("HOST"),
    help="generate: its hosts by id or name, each with its components after a colon "
    "(web1:zookeeper+kafka; default: every component the templates enable).",
)
@click.option(
    "--task_list",
    type=CommaList("ID"),
    help="query: task ids to list (default all); delete, execute: task ids; status: one task's runs.",
)
@click.option("--check", is_flag=True, help="execute: Ansible's check mode (report what would change).")
@click.option("--yes", is_flag=True, help="execute: do not ask for confirmation.")
@click.option("--run_id", type=CommaList("ID"), help="status, cancel: the run.")
@click.option("--no_wait", is_flag=True, help="status: show the run as it is now instead of following it.")
@click.option("--sort", type=click.Choice(("task_name",)), help="query: sort column (default: none).")
@click.option("--direction", type=click.Choice(("asc", "desc")), default="asc", show_default=True)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--per_page", type=click.IntRange(1, 50), default=20, show_default=True)
@session_options
@click.pass_context
def task(ctx: click.Context, /, action: str, access_token: str | None, **opts: Any) -> None:
    """Generate, list, delete or execute deployment tasks; follow or cancel their runs.

    \b
    status: the run's steps and hosts, redrawn until it ends (line by line when not on a
    terminal; --json prints the last answer); exit status 1 when the run did not succeed."""
    chosen = ACTIONS[action]
    only(ctx, action, chosen.options, **{name: opts[name] for name in chosen.required})
    chosen.run(opts, access_token)
