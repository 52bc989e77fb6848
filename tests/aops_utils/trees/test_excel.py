"""Workbook import (21.09 MindMaster layout, sheet `diag`) from .xlsx files written by the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from aops_utils.trees import ConditionError
from aops_utils.trees import TreeError
from aops_utils.trees import parse_tree
from aops_utils.trees import tree_from_xlsx
from tests.aops_utils.trees.trees import EXAMPLE
from tests.aops_utils.trees.trees import ROOT

LEVELS = 6
META = ["备注", "标签", "优先级", "负责人", "超链接", "图片", "附件"]  # the 7 ignored columns


def workbook(
    tmp_path: Path,
    rows: list[tuple[int, Any]],
    *,
    name: Any = ROOT,
    sheet: str = "diag",
    levels: int = LEVELS,
    extra: dict[tuple[int, int], Any] | None = None,
) -> Path:
    """A1 = name, row 2 = headers (levels + META), then one node cell per row from row 3."""
    book = openpyxl.Workbook()
    active = book.active
    assert active is not None
    active.title = sheet
    active.cell(1, 1, name)
    for column, header in enumerate([f"层级{i + 1}" for i in range(levels)] + META):
        active.cell(2, column + 1, header)
    for row, (column, text) in enumerate(rows):
        active.cell(row + 3, column + 1, text)
    for (row, column), text in (extra or {}).items():
        active.cell(row, column, text)
    path = tmp_path / "tree.xlsx"
    book.save(path)
    return path


EXAMPLE_ROWS: list[tuple[int, Any]] = [
    (0, "硬件问题"),
    (1, "condition: 硬件问题1 && 硬件问题2"),
    (1, "description: 硬件故障"),
    (1, "硬件问题1"),
    (2, "condition:检查项1 || 硬件子问题1"),
    (2, "检查项1 | check_item1"),
    (2, "硬件子问题1"),  # default: all leaves -> 检查项2 && 检查项3
    (3, "检查项2|check_item2"),
    (3, "检查项3|check_item3"),
    (1, "硬件问题2"),  # default: all branches -> 硬件子问题2 || 硬件子问题4
    (2, "硬件子问题2"),
    (3, "硬件子问题3"),
    (4, "检查项3|check_item3"),
    (4, "检查项4|check_item4"),
    (2, "硬件子问题4"),
    (3, "CONDITION\uff1a检查项5 || 检查项6"),  # any case, full-width colon
    (3, "检查项5|check_item5"),
    (3, "检查项6|check_item6"),
    (0, "软件问题"),
    (1, "软件问题1"),
    (2, "软件子问题1"),
    (3, "软件子问题2"),
    (4, "检查项7|check_item7"),
    (0, "内核问题"),
    (1, "检查项8|check_item8"),
    (1, "检查项9|check_item9"),
    (0, "condition: 硬件问题 || 软件问题 || 内核问题"),
]


def test_the_example_workbook_gives_the_example_tree(tmp_path: Path) -> None:
    path = workbook(tmp_path, EXAMPLE_ROWS, extra={(3, LEVELS + 1): "note in an ignored column"})
    name, tree = tree_from_xlsx(path)
    assert name == ROOT
    assert tree == EXAMPLE
    parse_tree(tree)


def test_default_conditions_and_ignored_cells(tmp_path: Path) -> None:
    rows: list[tuple[int, Any]] = [
        (0, "A"),
        (1, "x|i1"),
        (1, "y|i2"),
        (0, "B"),
        (1, "z|i3"),
        (LEVELS, "a row whose only cell is in an ignored column"),
    ]
    extra = {(3, 3): "a second cell in a row is ignored", (4, 1): "   "}
    name, tree = tree_from_xlsx(workbook(tmp_path, rows, name="  T  ", extra=extra))
    assert name == "T"
    assert tree["condition"] == "A || B"
    assert tree["children"][0]["condition"] == "x && y"
    assert tree["children"][1]["children"] == [
        {"node name": "z", "value": None, "check item": "i3", "msg": ""}
    ]


def test_numbers_in_cells_are_text(tmp_path: Path) -> None:
    _, tree = tree_from_xlsx(workbook(tmp_path, [(0, 42), (1, "x|7")], name=2021.0))
    assert tree["node name"] == "2021"
    assert tree["children"][0]["node name"] == "42"


def test_description_and_advice_on_a_leaf_are_kept(tmp_path: Path) -> None:
    rows: list[tuple[int, Any]] = [(0, "A"), (1, "x|i1"), (2, "advice: reboot"), (0, "advice: call support")]
    _, tree = tree_from_xlsx(workbook(tmp_path, rows))
    assert tree["advice"] == "call support"
    assert tree["children"][0]["children"][0]["advice"] == "reboot"


def error(tmp_path: Path, rows: list[tuple[int, Any]], **kwargs: Any) -> TreeError:
    with pytest.raises(TreeError) as caught:
        tree_from_xlsx(workbook(tmp_path, rows, **kwargs))
    assert caught.value.field == "workbook"
    return caught.value


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "diag!A1: the tree has no children (a leaf is written 'name|check_item')"),
        ([(0, "A")], "diag!A3: 'A' has no children (a leaf is written 'name|check_item')"),
        ([(0, "A"), (2, "x|i")], "diag!C4: 'x|i' has no node in column B before it"),
        ([(0, "x|i"), (1, "y|j")], "diag!B4: 'y|j' is under the leaf 'x' (diag!A3)"),
        ([(0, "A"), (1, "x|i|j")], "diag!B4: 'x|i|j': a leaf is written 'name|check_item', with one '|'"),
        ([(0, "A"), (1, "x| ")], "diag!B4: 'x| ': a leaf is written 'name|check_item', both non-empty"),
        ([(0, "A"), (1, "x|i"), (1, "x|i")], "diag!B5: 'x' is also the name of a sibling at diag!B4"),
        (
            [(0, "A"), (1, "x|i"), (0, "B"), (1, "y|i")],
            "diag!B6: check item 'i' is already shown as 'x' at diag!B4",
        ),
        (
            [(0, "A"), (1, "x|i"), (0, "B"), (1, "x|j")],
            "diag!B6: 'x' already stands for check item 'i' at diag!B4",
        ),
        (
            [(0, "A"), (1, "x|i"), (1, "condition: x"), (1, "condition: x")],
            "diag!B6: 'A' already has a condition at diag!B5",
        ),
        ([(0, "A"), (1, "x|i"), (2, "condition: x")], "diag!C5: the leaf 'x' cannot have a condition"),
        (
            [(0, "A"), (1, "x|i"), (1, "B"), (2, "y|j")],
            "diag!A3: 'A' has both leaves and branches below it, so it needs a condition: cell",
        ),
    ],
)
def test_layout_errors_name_the_cell(tmp_path: Path, rows: list[tuple[int, Any]], message: str) -> None:
    assert str(error(tmp_path, rows)) == f"workbook: {message}"


def test_condition_errors_name_the_condition_cell_and_position(tmp_path: Path) -> None:
    rows: list[tuple[int, Any]] = [(0, "A"), (1, "x|i"), (1, "y|j"), (1, "condition: x && 检查项7")]
    caught = error(tmp_path, rows)
    assert isinstance(caught, ConditionError)
    assert caught.cell == "diag!B6"
    assert str(caught) == (
        f"workbook: diag!B6 ({ROOT} > A): condition: "
        "'检查项7' is not a direct child (children: x, y) at position 5"
    )
    assert "'(' is never closed" in str(error(tmp_path, [(0, "A"), (1, "x|i"), (1, "condition: (x")]))
    empty = error(tmp_path, [(0, "A"), (1, "x|i"), (1, "condition:  ")])
    assert (empty.cell, empty.key) == ("diag!B5", "condition")


def test_tree_errors_name_the_node_cell(tmp_path: Path) -> None:
    caught = error(tmp_path, [(0, "A"), (1, "x && y|i")])
    assert caught.cell == "diag!B4"
    assert caught.key == "node name"


def test_workbook_level_errors(tmp_path: Path) -> None:
    assert str(error(tmp_path, [(0, "x|i")], sheet="tree")) == (
        "workbook: the workbook has no sheet named 'diag' (it has: tree)"
    )
    assert (
        str(error(tmp_path, [(0, "x|i")], name=None)) == "workbook: diag!A1: the tree name (cell A1) is empty"
    )
    narrow = workbook(tmp_path, [], levels=0)
    openpyxl_book = openpyxl.load_workbook(narrow)
    sheet = openpyxl_book["diag"]
    sheet.delete_cols(7)  # 6 columns wide: all of them are ignored
    openpyxl_book.save(narrow)
    with pytest.raises(TreeError, match="the sheet is 6 columns wide; the last 7 are ignored"):
        tree_from_xlsx(narrow)


def test_not_a_workbook(tmp_path: Path) -> None:
    for content in (b"not a zip file", b""):
        path = tmp_path / "tree.xlsx"
        path.write_bytes(content)
        with pytest.raises(TreeError, match=r"^workbook: cannot read '.*tree.xlsx' as an .xlsx workbook"):
            tree_from_xlsx(path)
    with pytest.raises(TreeError, match="cannot read"):
        tree_from_xlsx(tmp_path / "missing.xlsx")
