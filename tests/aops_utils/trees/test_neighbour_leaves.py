"""Leaves judged on the host's neighbours (`"scope": "neighbours"`): parsing, and evaluation from
the evidence of each neighbour (pure logic; the end-to-end test is in tests/gala_spider)."""

from __future__ import annotations

from typing import Any

import pytest

from aops_utils.trees import LeafEvidence
from aops_utils.trees import TreeError
from aops_utils.trees import parse_tree
from aops_utils.trees.evaluate import across_neighbours
from tests.aops_utils.trees.trees import branch
from tests.aops_utils.trees.trees import leaf

NEAR = {**leaf("there", "slow"), "scope": "neighbours"}
TREE = branch("root", "here || there", leaf("here", "slow"), NEAR)
ABNORMAL = {"host_id": "2", "check_item": "slow", "value": "Abnormal", "start": 5, "end": 5, "series": "m"}


def test_a_leaf_may_be_judged_on_the_neighbours_and_reads_back_so() -> None:
    tree = parse_tree(TREE)
    assert (tree.check_items, tree.neighbour_items) == ({"slow"}, {"slow"})
    written = tree.to_json()
    assert written["children"][1]["scope"] == "neighbours" and "scope" not in written["children"][0]
    assert parse_tree(written).to_json() == written
    # A 21.09 tree, with no scope anywhere, reads back without one.
    assert "scope" not in str(parse_tree(branch("root", "here", leaf("here", "slow"))).to_json())
    assert parse_tree(branch("root", "x", {**leaf("x", "slow"), "scope": "host"})).neighbour_items == set()


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        (branch("root", "x", {**leaf("x", "slow"), "scope": "neighbors"}), "must be 'host' (the default)"),
        (branch("root", "x", {**leaf("x", "slow"), "scope": 1}), "not 1"),
        ({**branch("root", "x", leaf("x", "slow")), "scope": "neighbours"}, "only a leaf"),
    ],
)
def test_a_bad_scope_is_refused_naming_the_key(tree: dict[str, Any], message: str) -> None:
    with pytest.raises(TreeError) as caught:
        parse_tree(tree)
    assert caught.value.key == "scope" and message in str(caught.value)


def test_the_two_leaves_of_one_rule_take_their_own_evidence() -> None:
    near = across_neighbours("slow", "", [("db", LeafEvidence("abnormal", [ABNORMAL]))], 1)
    report = parse_tree(TREE).evaluate({"slow": LeafEvidence("normal")}, {"slow": near})
    here, there = report["children"]
    assert (here["value"], there["value"], report["value"]) == (False, True, True)
    assert there["scope"] == "neighbours" and there["evidence"]["results"] == [
        {k: ABNORMAL[k] for k in ("host_id", "start", "end", "series", "value")}
    ]
    assert (
        there["evidence"]["text"]
        == "rule 'slow' has 1 abnormal result on the neighbours in this slice (abnormal on db)"
    )
    # Without the neighbours' evidence the leaf is unknown, never false.
    missing = parse_tree(TREE).evaluate({"slow": LeafEvidence("normal")})
    assert missing["children"][1]["value"] is None and missing["value"] is None


def test_across_neighbours_is_false_only_with_proof_from_every_neighbour() -> None:
    normal, unknown = LeafEvidence("normal"), LeafEvidence("unknown", [], "Not checked: no address")
    abnormal = LeafEvidence("abnormal", [ABNORMAL])
    assert (
        across_neighbours("slow", "", [("a", normal), ("b", abnormal), ("c", unknown)], 3).status
        == "abnormal"
    )
    both = across_neighbours("slow", "", [("a", normal), ("b", normal)], 2)
    assert (both.status, both.reason) == ("normal", "checked on 2 neighbours: a, b")
    assert across_neighbours("slow", "", [("a", normal), ("c", unknown)], 2) == LeafEvidence(
        "unknown", [], "on c: Not checked: no address"
    )
    # The map knows the host and it has no neighbour: nothing on the other end can be at fault.
    assert across_neighbours("slow", "", [], 0).status == "normal"
    # The map could not say.
    none = across_neighbours("slow", "no_topology, no topology data", [], 0)
    assert (none.status, none.reason) == (
        "unknown",
        "Not checked: no neighbours (no_topology, no topology data)",
    )
    # A report lists 50 neighbours at most: the unlisted ones were not asked.
    cut = across_neighbours("slow", "", [("a", normal)], 51)
    assert (cut.status, cut.reason) == (
        "unknown",
        "Not checked: 1 of the 51 neighbours are listed in a report",
    )
