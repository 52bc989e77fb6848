"""How `adoctor` shows an answer given per item: a summary, then each failed item on its own line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from aops_cli.client import ApiError
from aops_cli.client import prog_name
from aops_cli.context import State

# The lines that place one failed item in the user's file (file, item number, a caret), if any.
Placer = Callable[[dict[str, Any]], list[str]]


def failure_line(item: Any) -> str:
    """`name: reason` for one `fail_list` entry; a bare name is an item that does not exist."""
    if not isinstance(item, dict):
        return f"{item}: not found"
    name = next((item[k] for k in ("check_item", "tree_name", "host_name", "host_id") if item.get(k)), "")
    reason = str(item.get("reason") or "failed")
    return f"{name}: {reason}" if name else reason


def show_failures(reply: dict[str, Any], place: Placer | None = None) -> int:
    """Each failed item on its own stderr line (with its place in the file); returns how many."""
    fails = reply.get("fail_list") or []
    for item in fails:
        click.echo(f"{prog_name()}: failed: {failure_line(item)}", err=True)
        if place is not None and isinstance(item, dict):
            for note in place(item):
                click.echo(note, err=True)
    return len(fails)


def finish(state: State, reply: dict[str, Any], line: str, place: Placer | None = None) -> None:
    """The summary (or the JSON), then the failed items; exit status 1 when any item failed."""
    state.respond(reply, line)
    if reply.get("fail_list"):
        if not state.json:
            show_failures(reply, place)
        click.get_current_context().exit(1)


def nothing_done(exc: ApiError, summary: str, place: Placer | None = None) -> ApiError:
    """An answer in which every item failed: each on its own line, then `summary` as the error."""
    reply = exc.reply or {}
    if not reply.get("fail_list"):
        return exc
    show_failures(reply, place)
    return ApiError(exc.code, summary, reply)
