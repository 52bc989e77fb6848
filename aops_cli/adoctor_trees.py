"""`adoctor faultree`: import, list, export and delete fault trees on the diag scheduler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from aops_cli.adoctor_diag import delete_action
from aops_cli.adoctor_diag import diag_state
from aops_cli.adoctor_input import excerpt
from aops_cli.adoctor_input import read_json
from aops_cli.batches import finish
from aops_cli.batches import nothing_done
from aops_cli.client import ApiError
from aops_cli.client import CliError
from aops_cli.options import CommaList
from aops_cli.options import action_option
from aops_cli.options import export_option
from aops_cli.options import one
from aops_cli.options import only
from aops_cli.options import reject_unused
from aops_cli.options import session_options
from aops_cli.output import columns
from aops_cli.output import listing
from aops_cli.output import plural

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TREE_COLUMNS = columns("tree_name", "description", "check_items")


@click.command()
@action_option("add", "get", "delete")
@click.option(
    "--tree_list",
    type=CommaList(),
    help="add: the tree's name (default: the root's name; for a {\"trees\": [...]} file: the one "
    "tree of it to import); get: trees to list (default all); delete: trees to delete.",
)
@click.option(
    "--conf",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='add: the tree, as a .xlsx workbook (the 21.09 MindMaster layout, sheet "diag"), a tree '
    'JSON file (its root node) or {"trees": [...]} as --export writes it.',
)
@click.option("--description", help="add: the tree's description (default: the file's, else empty).")
@export_option("trees")
@session_options
@click.pass_context
def faultree(ctx: click.Context, /, action: str, access_token: str | None, **opts: Any) -> None:
    """Import, list, export or delete fault trees."""
    if action == "add":
        only(ctx, action, ("tree_list", "description"), conf=opts["conf"])
        name = one(opts["tree_list"], "--tree_list", action)
        _import_trees(opts["conf"], name, opts["description"], access_token)
    elif action == "get":
        reject_unused(ctx, action, ("tree_list", "export"))
        _get_trees(opts["tree_list"], opts["export"], access_token)
    else:
        delete_action(ctx, "tree_list", "/diag/tree/delete", "fault tree")


def _trees_of(path: Path, name: str | None, description: str | None) -> list[dict[str, Any]]:
    """The trees to import from a workbook or a JSON file, as /diag/tree/import takes them."""
    if path.suffix.lower() == ".xls":
        raise click.BadParameter(
            f"{path}: .xls workbooks cannot be read; save it as .xlsx", param_hint="--conf"
        )
    if path.suffix.lower() in EXCEL_SUFFIXES:
        # Imported here: openpyxl is slow to import and only this command needs it.
        from aops_utils.trees import TreeError
        from aops_utils.trees import tree_from_xlsx

        try:
            title, content = tree_from_xlsx(path)
        except TreeError as exc:
            raise CliError(f"{path}: {exc}") from None
        return [{"tree_name": name or title, "tree_content": content, "description": description or ""}]
    data = read_json(path, "--conf")
    if isinstance(data, dict) and isinstance(data.get("trees"), list):
        trees = [t for t in data["trees"] if isinstance(t, dict)]
        if name is not None:
            trees = [t for t in trees if t.get("tree_name") == name]
            if not trees:
                raise click.BadParameter(f"{path} has no tree called {name}", param_hint="--tree_list")
        return [
            {
                "tree_name": t.get("tree_name"),
                "tree_content": t.get("tree_content"),
                "description": description if description is not None else t.get("description") or "",
            }
            for t in trees
        ]
    if isinstance(data, dict) and "node name" in data:
        root = data.get("node name")
        tree_name = name or (root if isinstance(root, str) else None)
        if not tree_name:
            raise click.UsageError("name the tree with --tree_list: its root has no name")
        return [{"tree_name": tree_name, "tree_content": data, "description": description or ""}]
    raise click.BadParameter(
        f'{path} holds no tree: expected a tree (its root node, with "node name") or {{"trees": [...]}}',
        param_hint="--conf",
    )


def _import_trees(path: Path, name: str | None, description: str | None, access_token: str | None) -> None:
    trees = _trees_of(path, name, description)
    state = diag_state()

    def place(item: dict[str, Any]) -> list[str]:
        return _tree_place(str(item.get("field") or ""), trees, path)

    try:
        reply = state.post("/diag/tree/import", {"trees": trees}, access_token=access_token)
    except ApiError as exc:
        # A refused request names one field; a batch in which every tree failed lists them all.
        if (exc.reply or {}).get("fail_list"):
            raise nothing_done(exc, f"imported no fault tree from {path}", place) from None
        raise _explain_tree(exc, trees, path) from None
    added, updated = reply.get("succeed_list") or [], reply.get("update_list") or []
    names = ", ".join(map(str, [*added, *updated]))
    line = f"imported {plural(len(added) + len(updated), 'fault tree')} from {path}"
    line += f" ({len(added)} new, {len(updated)} updated)" + (f": {names}" if names else "")
    finish(state, reply, line, place)


def _node_at(tree: Any, path: tuple[str, ...]) -> dict[str, Any] | None:
    """The node a TreeError path (root name first) points at."""
    if not path or not isinstance(tree, dict) or tree.get("node name") != path[0]:
        return None
    node: dict[str, Any] = tree
    for name in path[1:]:
        children = node.get("children")
        found = (
            [c for c in children if isinstance(c, dict) and c.get("node name") == name]
            if isinstance(children, list)
            else []
        )
        if not found:
            return None
        node = found[0]
    return node


def _explain_tree(exc: ApiError, trees: list[dict[str, Any]], path: Path) -> ApiError:
    """Name the file and tree of a refused tree and, for a condition, show it with a caret."""
    notes = _tree_place(str((exc.reply or {}).get("field") or ""), trees, path)
    if notes:
        exc.notes = notes
    return exc


def _tree_place(field: str, trees: list[dict[str, Any]], path: Path) -> list[str]:
    """Where the tree refused at `field` sits in the file and, for a condition, a caret excerpt."""
    parts = field.split(".")
    if len(parts) < 2 or parts[0] != "trees" or not parts[1].isdigit() or int(parts[1]) >= len(trees):
        return []
    index = int(parts[1])
    tree = trees[index]
    notes = [f"  in {path}, tree {tree['tree_name']!r} (number {index + 1} of {len(trees)})"]
    content = tree.get("tree_content")
    from aops_utils.trees import TreeError
    from aops_utils.trees import parse_tree

    try:
        parse_tree(content)
    except TreeError as problem:
        node = _node_at(content, problem.path)
        if problem.path:
            notes[0] += f", node {' > '.join(problem.path)}"
        condition = node.get("condition") if node is not None else None
        if problem.key == "condition" and isinstance(problem.position, int) and isinstance(condition, str):
            notes[0] += f", condition at position {problem.position}:"
            notes += excerpt(condition, problem.position)
    return notes


def _check_items(node: Any) -> list[str]:
    """The rule names a tree's leaves refer to, in tree order, once each."""
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict):
            continue
        item = current.get("check item")
        if isinstance(item, str):
            found.append(item)
        children = current.get("children")
        if isinstance(children, list):
            stack.extend(reversed(children))
    return list(dict.fromkeys(found))


def _get_trees(names: list[str] | None, export: Path | None, access_token: str | None) -> None:
    state = diag_state()
    reply = state.post("/diag/tree/get", {"tree_list": names or []}, access_token=access_token)
    trees: list[dict[str, Any]] = reply.get("trees") or []
    kept = [{k: t.get(k) for k in ("tree_name", "tree_content", "description")} for t in trees]
    if state.exported(reply, export, {"trees": kept}, plural(len(trees), "fault tree")):
        return
    rows = [{**t, "check_items": _check_items(t.get("tree_content"))} for t in trees]
    missing = [n for n in dict.fromkeys(names or []) if n not in {t.get("tree_name") for t in trees}]
    summary = plural(len(trees), "fault tree") if trees else "no fault trees"
    if missing:
        summary += f"; not found: {', '.join(missing)}"
    listing(rows, TREE_COLUMNS, summary)
