"""The 21.09 MindMaster workbook layout (sheet `diag`) read from .xlsx into a tree JSON.

Layout (section 6.2 of the 21.09 spec): A1 holds the tree (root) name; nodes start on row 3;
the last 7 columns of the sheet (counted up to its rightmost non-empty cell) are ignored. In a
row only the leftmost non-empty cell counts and its column is its depth: a cell in column c is
a child of the latest node in column c-1 (column A: of the root). `condition:`, `description:`
and `advice:` cells set that attribute of the latest node in column c-1 instead. Other text is
a leaf `name|check_item` if it has a `|`, else a branch. A branch without `condition:` gets the
21.09 default: its children joined with ` && ` if all are leaves, with ` || ` if all are
branches; mixed children need a written condition.

Stricter than 21.09, which overwrote silently or crashed: duplicate sibling names, a second
attribute cell for a node, a leaf with more than one `|`, a node under a leaf and a node whose
parent column is empty are errors naming the cell (`diag!C7`). The attribute prefixes are
case-insensitive and also accept the full-width colon (U+FF1A). The resulting tree is then validated
by parse_tree, and its errors are reported at the cell of the node (or of its `condition:`;
a position then counts from the first character after `condition:` and its spaces).
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from aops_utils.trees.errors import ConditionError
from aops_utils.trees.errors import TreeError
from aops_utils.trees.tree import MAX_NODES
from aops_utils.trees.tree import TEXT_KEYS
from aops_utils.trees.tree import node_json
from aops_utils.trees.tree import parse_tree

SHEET = "diag"
FIRST_ROW = 2  # 0-based: row 3 in the sheet
IGNORED_COLUMNS = 7
# Each node may come with three attribute rows; anything beyond is no tree this code accepts.
MAX_ROWS = 4 * MAX_NODES
FIELD = "workbook"

_ATTRIBUTE = re.compile("\\s*(condition|description|advice)\\s*[:\uff1a]", re.IGNORECASE)


@dataclass(slots=True)
class _Node:
    name: str
    cell: str
    check_item: str | None = None
    children: list[_Node] = field(default_factory=list)
    attributes: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (text, cell)


def tree_from_xlsx(path: str | os.PathLike[str]) -> tuple[str, dict[str, Any]]:
    """(tree name, tree JSON) from a workbook; TreeError naming the cell of the first fault."""
    title, width, rows = _read(path)
    if title is None:
        raise _error("the tree name (cell A1) is empty", "A1")
    usable = width - IGNORED_COLUMNS
    if usable <= 0:
        raise _error(
            f"the sheet is {width} columns wide; the last {IGNORED_COLUMNS} are ignored, "
            "which leaves no column for the tree"
        )
    root = _Node(title, _cell(0, 0))
    _build(root, [(row, column, text) for row, column, text in rows if column < usable])
    tree = _to_json(root)
    try:
        parse_tree(tree)
    except TreeError as exc:
        raise _located(root, exc) from None
    return title, tree


def _read(path: str | os.PathLike[str]) -> tuple[str | None, int, list[tuple[int, int, str]]]:
    """A1's text, the sheet's width, and (row, column, text) of the leftmost cell of each row."""
    # openpyxl takes longer to import than the rest of diagnosis; only tree import needs it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise _error(f"cannot read {os.fspath(path)!r} as an .xlsx workbook ({exc})") from None
    try:
        if SHEET not in workbook.sheetnames:
            raise _error(
                f"the workbook has no sheet named '{SHEET}' (it has: {', '.join(workbook.sheetnames)})"
            )
        title: str | None = None
        width = 0
        rows: list[tuple[int, int, str]] = []
        for row, values in enumerate(workbook[SHEET].iter_rows(values_only=True)):
            filled = [(column, text) for column, value in enumerate(values) if (text := _text(value))]
            if not filled:
                continue
            width = max(width, filled[-1][0] + 1)
            if row == 0 and filled[0][0] == 0:
                title = filled[0][1].strip()
            if row >= FIRST_ROW:
                rows.append((row, *filled[0]))
                if len(rows) > MAX_ROWS:
                    raise _error(f"the sheet has more than {MAX_ROWS:,} rows of nodes and attributes")
        return title, width, rows
    finally:
        workbook.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a cell reads back as float: 3.0 means "3"
    text = str(value)
    return text if text.strip() else ""


def _build(root: _Node, rows: list[tuple[int, int, str]]) -> None:
    """Attach every row to the latest node of the column to its left."""
    latest: list[_Node] = [root]  # latest[c] = the latest node in column c - 1
    items: dict[str, tuple[str, str]] = {}  # check item -> (display name, cell)
    displays: dict[str, tuple[str, str]] = {}  # display name -> (check item, cell)
    for row, column, text in rows:
        cell = _cell(row, column)
        if column >= len(latest):
            raise _error(f"'{text.strip()}' has no node in column {_letters(column - 1)} before it", cell)
        parent = latest[column]
        attribute = _ATTRIBUTE.match(text)
        if attribute:
            _set_attribute(parent, attribute.group(1).lower(), text[attribute.end() :].strip(), cell)
            continue
        if parent.check_item is not None:
            raise _error(f"'{text.strip()}' is under the leaf '{parent.name}' ({parent.cell})", cell)
        node = _node(text, cell, items, displays)
        for sibling in parent.children:
            if sibling.name == node.name:
                raise _error(f"'{node.name}' is also the name of a sibling at {sibling.cell}", cell)
        parent.children.append(node)
        del latest[column + 1 :]
        latest.append(node)


def _set_attribute(node: _Node, key: str, text: str, cell: str) -> None:
    if key == "condition" and node.check_item is not None:
        raise _error(f"the leaf '{node.name}' cannot have a condition", cell)
    if key in node.attributes:
        raise _error(f"'{node.name}' already has a {key} at {node.attributes[key][1]}", cell)
    node.attributes[key] = (text, cell)


def _node(
    text: str, cell: str, items: dict[str, tuple[str, str]], displays: dict[str, tuple[str, str]]
) -> _Node:
    if "|" not in text:
        return _Node(text.strip(), cell)
    if text.count("|") > 1:
        raise _error(f"'{text}': a leaf is written 'name|check_item', with one '|'", cell)
    name, _, item = (part.strip() for part in text.partition("|"))
    if not name or not item:
        raise _error(f"'{text}': a leaf is written 'name|check_item', both non-empty", cell)
    # 21.09 required a one-to-one mapping between display names and rule names.
    if item in items and items[item][0] != name:
        raise _error(f"check item '{item}' is already shown as '{items[item][0]}' at {items[item][1]}", cell)
    if name in displays and displays[name][0] != item:
        raise _error(
            f"'{name}' already stands for check item '{displays[name][0]}' at {displays[name][1]}", cell
        )
    items.setdefault(item, (name, cell))
    displays.setdefault(name, (item, cell))
    return _Node(name, cell, check_item=item)


def _default_condition(node: _Node) -> str:
    if not node.children:
        what = "the tree" if node.cell == _cell(0, 0) else f"'{node.name}'"
        raise _error(f"{what} has no children (a leaf is written 'name|check_item')", node.cell)
    leaves = [child.check_item is not None for child in node.children]
    if all(leaves):
        return " && ".join(child.name for child in node.children)
    if not any(leaves):
        return " || ".join(child.name for child in node.children)
    raise _error(
        f"'{node.name}' has both leaves and branches below it, so it needs a condition: cell",
        node.cell,
    )


def _to_json(root: _Node) -> dict[str, Any]:
    """The 21.09 tree JSON, built bottom-up without recursion."""
    order: list[_Node] = []
    pending = [root]
    while pending:
        node = pending.pop()
        order.append(node)
        pending.extend(node.children)
    built: dict[int, dict[str, Any]] = {}
    for node in reversed(order):  # every child comes after its parent in `order`
        texts = {key: node.attributes[key][0] for key in TEXT_KEYS if key in node.attributes}
        written = node.attributes.get("condition")
        condition = ""
        if node.check_item is None:
            condition = written[0] if written else _default_condition(node)
        children = [built.pop(id(child)) for child in node.children]
        built[id(node)] = node_json(node.name, node.check_item, condition, texts, children)
    return built[id(root)]


def _located(root: _Node, exc: TreeError) -> TreeError:
    """parse_tree's error placed at the cell of the node it names (or of its condition:)."""
    if not exc.path:
        return TreeError(exc.reason, field=FIELD)
    node: _Node | None = root
    for name in exc.path[1:]:
        assert node is not None
        node = next((child for child in node.children if child.name == name), None)
    if node is None:  # not reached: the JSON was built from these nodes
        return TreeError(exc.reason, path=exc.path, key=exc.key, position=exc.position, field=FIELD)
    cell = node.cell
    if exc.key == "condition" and "condition" in node.attributes:
        cell = node.attributes["condition"][1]
    if isinstance(exc, ConditionError):
        return ConditionError(exc.reason, exc.position, path=exc.path, cell=cell, field=FIELD)
    return TreeError(exc.reason, path=exc.path, key=exc.key, position=exc.position, cell=cell, field=FIELD)


def _cell(row: int, column: int) -> str:
    return f"{SHEET}!{_letters(column)}{row + 1}"


def _letters(column: int) -> str:
    """Spreadsheet column letters of a 0-based column: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _error(reason: str, cell: str | None = None) -> TreeError:
    if cell is not None and "!" not in cell:
        cell = f"{SHEET}!{cell}"
    return TreeError(reason, cell=cell, field=FIELD)
