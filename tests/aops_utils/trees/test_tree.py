"""Tree import: every validation error names the node path, limits, warnings, normalised JSON."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from aops_utils.errors import ParamError
from aops_utils.trees import MAX_DEPTH
from aops_utils.trees import MAX_NODES
from aops_utils.trees import ConditionError
from aops_utils.trees import TreeError
from aops_utils.trees import parse_tree
from tests.aops_utils.trees.trees import EXAMPLE
from tests.aops_utils.trees.trees import EXAMPLE_ITEMS
from tests.aops_utils.trees.trees import ROOT
from tests.aops_utils.trees.trees import branch
from tests.aops_utils.trees.trees import chain
from tests.aops_utils.trees.trees import leaf
from tests.aops_utils.trees.trees import walk
from tests.aops_utils.trees.trees import wide


def refused(tree: Any, known: set[str] | None = None) -> TreeError:
    with pytest.raises(TreeError) as caught:
        parse_tree(tree, known)
    return caught.value


def at(path: str, tree: dict[str, Any]) -> dict[str, Any]:
    """The node of `tree` at a path of child positions, e.g. "0.1"."""
    node = tree
    for part in path.split("."):
        node = node["children"][int(part)]
    return node


def test_example_parses() -> None:
    tree = parse_tree(EXAMPLE, EXAMPLE_ITEMS)
    assert tree.name == ROOT
    assert tree.check_items == EXAMPLE_ITEMS
    assert len(tree) == 23
    assert tree.depth == 5
    assert tree.warnings == []


def test_to_json_is_the_21_09_layout() -> None:
    normalised = parse_tree(EXAMPLE).to_json()
    assert normalised == EXAMPLE
    messy = branch("r", "a", {"node name": "a", "value": True, "check item": "x", "msg": "old"})
    del messy["description"], messy["advice"], messy["value"]
    assert parse_tree(messy).to_json() == branch("r", "a", leaf("a", "x"))


def test_error_is_a_param_error_with_the_field_and_path() -> None:
    tree = copy.deepcopy(EXAMPLE)
    at("0.0.1", tree)["condition"] = "检查项2 && 检查项7"
    error = refused(tree)
    assert isinstance(error, ParamError) and isinstance(error, ConditionError)
    assert error.field == "tree_content"
    assert error.path == (ROOT, "硬件问题", "硬件问题1", "硬件子问题1")
    assert str(error) == (
        f"tree_content: {ROOT} > 硬件问题 > 硬件问题1 > 硬件子问题1: condition: "
        "'检查项7' is not a direct child (children: 检查项2, 检查项3) at position 8"
    )


def test_condition_naming_a_grandchild_is_refused() -> None:
    tree = copy.deepcopy(EXAMPLE)
    tree["condition"] = "硬件问题 || 软件问题 || 检查项8"
    error = refused(tree)
    assert error.path == (ROOT,)
    assert error.reason.startswith("'检查项8' is not a direct child (children: 硬件问题, 软件问题, 内核问题)")
    assert error.position == 16


@pytest.mark.parametrize(
    ("condition", "reason", "position"),
    [
        ("", "a branch needs a condition over its children's names", None),
        ("a &&", "'&&' has no operand after it", 2),
        ("(a || b", "'(' is never closed", 0),
        ("a b ||", "'||' has no operand after it", 4),
    ],
)
def test_condition_syntax_errors_name_the_node(condition: str, reason: str, position: int | None) -> None:
    error = refused(branch("root", "x", branch("x", condition, leaf("a", "i1"), leaf("b", "i2"))))
    assert error.path == ("root", "x")
    assert (error.key, error.reason, error.position) == ("condition", reason, position)


def test_missing_condition_and_children() -> None:
    no_condition = branch("root", "x", branch("x", "a", leaf("a", "i")))
    del at("0", no_condition)["condition"]
    error = refused(no_condition)
    assert (
        str(error)
        == "tree_content: root > x: condition: a branch needs a condition over its children's names"
    )
    for kids in ([], None):
        tree = branch("root", "x", branch("x", "a"))
        at("0", tree)["children"] = kids
        error = refused(tree)
        assert (error.path, error.key) == (("root", "x"), "children")
        assert error.reason == "a branch needs children (or, to be a leaf, a 'check item')"


@pytest.mark.parametrize(
    ("change", "path", "key", "reason"),
    [
        (
            {"children": [leaf("z", "i")]},
            ("root", "a"),
            "children",
            "a leaf (it has a check item) cannot have children",
        ),
        (
            {"condition": "z"},
            ("root", "a"),
            "condition",
            "a leaf (it has a check item) cannot have a condition",
        ),
        ({"check item": ""}, ("root", "a"), "check item", "a leaf needs a non-empty string rule name"),
        ({"check item": 7}, ("root", "a"), "check item", "a leaf needs a non-empty string rule name"),
        (
            {"node name": ""},
            ("root", "children[0]"),
            "node name",
            "a node needs a non-empty string 'node name'",
        ),
        (
            {"node name": None},
            ("root", "children[0]"),
            "node name",
            "a node needs a non-empty string 'node name'",
        ),
        ({"description": 3}, ("root", "a"), "description", "must be a string, not int"),
        ({"advice": None}, ("root", "a"), "advice", "must be a string, not null"),
    ],
)
def test_leaf_errors(change: dict[str, Any], path: tuple[str, ...], key: str, reason: str) -> None:
    tree = branch("root", "a || b", leaf("a", "i1"), leaf("b", "i2"))
    at("0", tree).update(change)
    error = refused(tree)
    assert (error.path, error.key, error.reason) == (path, key, reason)


def test_a_leaf_with_an_empty_children_list_or_condition_is_accepted() -> None:
    tree = branch("root", "a", {**leaf("a", "i"), "children": [], "condition": " "})
    assert parse_tree(tree).check_items == {"i"}


def test_node_without_name_deep_in_the_tree() -> None:
    tree = copy.deepcopy(EXAMPLE)
    del at("0.1.1.0", tree)["node name"]
    error = refused(tree)
    assert str(error) == (
        f"tree_content: {ROOT} > 硬件问题 > 硬件问题2 > 硬件子问题4 > children[0]: "
        "node name: a node needs a non-empty string 'node name'"
    )


@pytest.mark.parametrize("name", ["a && b", "a||b", "not!", "(a)", " a", "a\t"])
def test_names_that_a_condition_cannot_refer_to(name: str) -> None:
    error = refused(branch("root", "x", leaf(name, "i")))
    assert error.key == "node name"
    assert error.reason.startswith(f"'{name}' cannot be written in a condition")


def test_the_root_name_may_contain_anything() -> None:
    assert parse_tree(branch("(root) && more!", "a", leaf("a", "i"))).name == "(root) && more!"


def test_the_root_must_be_a_branch() -> None:
    error = refused(leaf("r", "i"))
    assert (error.path, error.reason) == (
        ("r",),
        "the root must be a branch (children and a condition), not a leaf",
    )


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        ([], "tree_content: a tree must be a JSON object, not list"),
        (None, "tree_content: a tree must be a JSON object, not null"),
        (branch("r", "a", "a"), "tree_content: r > children[0]: a node must be a JSON object, not str"),
        (
            {**branch("r", "a"), "children": {"a": 1}},
            "tree_content: r: children: must be a list of nodes, not dict",
        ),
        (
            {**branch("r", "a", leaf("a", "i")), "condition": ["a"]},
            "tree_content: r: condition: must be a string, not list",
        ),
    ],
)
def test_shape_errors(tree: Any, message: str) -> None:
    assert str(refused(tree)) == message


def test_sibling_names_must_be_unique() -> None:
    tree = branch("root", "x", branch("x", "a", leaf("a", "i1"), leaf("b", "i2"), leaf("a", "i3")))
    error = refused(tree)
    assert str(error) == (
        "tree_content: root > x: children: children[0] and children[2] are both named 'a'; "
        "sibling names must be unique"
    )


def test_same_name_under_different_parents_is_fine() -> None:
    parse_tree(branch("r", "x || y", branch("x", "a", leaf("a", "i")), branch("y", "a", leaf("a", "i"))))


def test_unknown_check_items() -> None:
    error = refused(EXAMPLE, EXAMPLE_ITEMS - {"check_item3", "check_item7"})
    assert error.path == (ROOT, "硬件问题", "硬件问题1", "硬件子问题1", "检查项3")
    assert error.key == "check item"
    assert error.reason == "'check_item3' is not a check rule of this user (2 more leaves name unknown rules)"
    assert parse_tree(EXAMPLE, EXAMPLE_ITEMS | {"other"}).check_items == EXAMPLE_ITEMS


def test_first_error_in_document_order_wins() -> None:
    tree = branch("r", "a || b", branch("a", "", leaf("x", "i")), branch("b", "y", leaf("x", "i")))
    assert refused(tree).path == ("r", "a")


def test_children_not_mentioned_are_warnings() -> None:
    tree = parse_tree(branch("root", "a", leaf("a", "i1"), leaf("b", "i2"), leaf("c", "i3")))
    assert tree.warnings == [
        "root: child 'b' is not mentioned in the condition",
        "root: child 'c' is not mentioned in the condition",
    ]


def test_ten_thousand_nodes() -> None:
    # CPU time: a bound on the work, which a loaded machine's scheduling does not stretch.
    started = time.process_time()
    tree = parse_tree(wide(99, 100))
    assert len(tree) == 10_000
    assert time.process_time() - started < 5


def test_a_thousand_levels_deep() -> None:
    started = time.process_time()
    tree = parse_tree(chain(1_000))
    assert tree.depth == 1_000
    assert len(tree.path(tree.names.index("last"))) == 1_001
    assert len(walk(tree.to_json())) == len(tree)
    assert time.process_time() - started < 5


def test_the_depth_limit() -> None:
    assert parse_tree(chain(MAX_DEPTH)).depth == MAX_DEPTH
    error = refused(chain(MAX_DEPTH + 1))
    assert str(error) == f"tree_content: the tree is nested more than {MAX_DEPTH:,} levels deep"


def test_the_node_limit_is_checked_before_the_work() -> None:
    leaves = [leaf(f"l{i}", "i") for i in range(MAX_NODES)]  # with the root: one node too many
    started = time.process_time()
    error = refused(branch("r", "l0", *leaves))
    assert str(error) == f"tree_content: the tree has more than {MAX_NODES:,} nodes"
    assert time.process_time() - started < 1
    parse_tree(branch("r", "l0", *leaves[:-1]))  # exactly MAX_NODES


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["a", "b", "", "a || b", "!", "i"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["node name", "condition", "children", "check item", "description", "x"]),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@given(json_values)
@settings(max_examples=400, deadline=None)
def test_any_json_gives_a_tree_or_a_tree_error(value: Any) -> None:
    try:
        tree = parse_tree(value)
    except TreeError:
        return
    assert tree.to_json()["node name"] == tree.name
