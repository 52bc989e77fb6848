"""`aops template`: import (a 21.09 step file in YAML or JSON), delete and list deployment templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from aops_cli.client import ApiError
from aops_cli.client import failed_suffix
from aops_cli.context import get_state
from aops_cli.options import CommaList
from aops_cli.options import access_token_option
from aops_cli.options import action_option
from aops_cli.options import json_option
from aops_cli.options import one
from aops_cli.options import only
from aops_cli.options import paging_options
from aops_cli.options import reject_unused
from aops_cli.output import deleted_line
from aops_cli.output import listing
from aops_cli.output import page_summary

DEFAULT_DESCRIPTION = "The template's description is null"
TEMPLATE_COLUMNS = (
    ("template_name", "template_name"),
    ("description", "description"),
    ("enabled", "enabled steps"),
    ("steps", "steps"),
)
# Where the manager reports a problem of the YAML text the command sent.
_YAML_FIELD = "template_yaml"


def read_template(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--template_content") from None


def _in_file(exc: ApiError, path: Path) -> ApiError:
    """`template_yaml.step_list.zokeeper: unknown component` names the file instead."""
    if not exc.detail.startswith(_YAML_FIELD):
        return exc
    where = exc.detail.removeprefix(_YAML_FIELD).removeprefix(".").removeprefix(":").lstrip()
    return ApiError(exc.code, f"{path}: {where}", exc.reply)


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its enabled steps (in order) and its number of steps."""
    content = row.get("template_content")
    found = content.get("step_list") if isinstance(content, dict) else None
    steps = found if isinstance(found, dict) else {}
    enabled = [name for name, step in steps.items() if isinstance(step, dict) and step.get("enable")]
    return {**row, "enabled": enabled, "steps": len(steps)}


@click.command()
@action_option("import", "delete", "query")
@click.option("--template_name", type=CommaList(), metavar="NAME", help="import: the template's name.")
@click.option(
    "--template_content",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="import: the template file, YAML or JSON: a step_list (component: {enable, continue}, in "
    "order) and optional variables (component: {name: value}).",
)
@click.option("--description", default=DEFAULT_DESCRIPTION, show_default=True, help="import.")
@click.option(
    "--template_list", type=CommaList(), help="delete: template names; query: those to list (default all)."
)
@paging_options(("template_name",))
@access_token_option
@json_option
@click.pass_context
def template(ctx: click.Context, /, action: str, access_token: str | None, **opts: Any) -> None:
    """Import, delete or list deployment templates."""
    state = get_state()
    if action == "import":
        only(
            ctx,
            action,
            ("description",),
            template_name=opts["template_name"],
            template_content=opts["template_content"],
        )
        name = one(opts["template_name"], "--template_name", action)
        path: Path = opts["template_content"]
        body = {
            "template_name": name,
            "template_yaml": read_template(path),
            "description": opts["description"],
        }
        try:
            reply = state.post("/manage/template/import", body, access_token=access_token)
        except ApiError as exc:
            raise _in_file(exc, path) from None
        state.respond(reply, f"imported template {name}")
    elif action == "delete":
        only(ctx, action, template_list=opts["template_list"])
        body = {"template_list": opts["template_list"]}
        reply = state.delete("/manage/template/delete", body, access_token=access_token)
        state.respond(reply, deleted_line(reply, "template") + failed_suffix(reply))
    else:
        reject_unused(ctx, action, ("template_list", "sort", "direction", "page", "per_page"))
        body = {
            "template_list": opts["template_list"] or [],
            "sort": opts["sort"] or "",
            "direction": opts["direction"],
            "page": opts["page"],
            "per_page": opts["per_page"],
        }
        reply = state.post("/manage/template/get", body, access_token=access_token)
        if state.printed_json(reply):
            return
        rows = [_shown(row) for row in reply.get("template_infos") or []]
        listing(rows, TEMPLATE_COLUMNS, page_summary(reply, len(rows), "template", opts["page"]))
