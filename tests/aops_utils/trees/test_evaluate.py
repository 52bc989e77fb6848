"""Evaluation: the 21.09 worked example with three-valued semantics, evidence, large trees."""

from __future__ import annotations

import json
import random
import time
from typing import Any

import pytest

from aops_utils.trees import LeafEvidence
from aops_utils.trees import Tree
from aops_utils.trees import dumps
from aops_utils.trees import loads
from aops_utils.trees import parse_tree
from aops_utils.trees.evaluate import MAX_NAMED
from aops_utils.trees.evaluate import MAX_RESULTS
from tests.aops_utils.trees.trees import EXAMPLE
from tests.aops_utils.trees.trees import EXAMPLE_ITEMS
from tests.aops_utils.trees.trees import ROOT
from tests.aops_utils.trees.trees import branch
from tests.aops_utils.trees.trees import by_name
from tests.aops_utils.trees.trees import chain
from tests.aops_utils.trees.trees import leaf
from tests.aops_utils.trees.trees import walk
from tests.aops_utils.trees.trees import wide

HOST_RESULT = {"username": "admin", "host_id": "h1", "data_list": [], "condition": "$0 > 1", "plugin": ""}


def result(item: str, value: str, start: float, *, reason: str = "", series: str = "m") -> dict[str, Any]:
    return {
        **HOST_RESULT,
        "check_item": item,
        "start": start,
        "end": start,
        "value": value,
        "series": series,
        "reason": reason,
    }


# Spec 6.7: abnormal {1, 3, 6, 9}, no data {5, 8}, internal error {7}, the others checked and normal.
RESULTS = {
    "check_item1": [result("check_item1", "Abnormal", 100.0), result("check_item1", "Abnormal", 115.0)],
    "check_item3": [result("check_item3", "Abnormal", 130.0, series='m{cpu="1"}')],
    "check_item5": [result("check_item5", "No data", 0.0)],
    "check_item6": [result("check_item6", "Abnormal", 145.0)],
    "check_item7": [result("check_item7", "Internal error", 160.0, reason="division by zero")],
    "check_item8": [result("check_item8", "No data", 0.0)],
    "check_item9": [result("check_item9", "Abnormal", 175.0), result("check_item9", "No data", 0.0)],
}


def example_evidence() -> dict[str, LeafEvidence]:
    return {item: LeafEvidence.from_results(RESULTS.get(item, []), checked=True) for item in EXAMPLE_ITEMS}


@pytest.fixture(scope="module")
def tree() -> Tree:
    return parse_tree(EXAMPLE, EXAMPLE_ITEMS)


def test_worked_example(tree: Tree) -> None:
    report = tree.evaluate(example_evidence())
    nodes = by_name(report)
    values = {name: node["value"] for name, node in nodes.items()}
    assert values == {
        ROOT: True,  # T || U || U: 硬件问题 decides alone (21.09: T as well)
        "硬件问题": True,
        "硬件问题1": True,  # 检查项1 || 硬件子问题1 = T || F
        "检查项1": True,
        "硬件子问题1": False,  # 检查项2 && 检查项3 = F && T
        "检查项2": False,
        "检查项3": True,
        "硬件问题2": True,
        "硬件子问题2": False,
        "硬件子问题3": False,  # 检查项3 && 检查项4 = T && F
        "检查项4": False,
        "硬件子问题4": True,  # 检查项5 || 检查项6 = U || T (21.09: F(No data) || T = T)
        "检查项5": None,  # value null as in 21.09, but now also unknown for the parent
        "检查项6": True,
        "软件问题": None,  # changed: 21.09 gave F (Internal error counted as false) all along the chain
        "软件问题1": None,
        "软件子问题1": None,
        "软件子问题2": None,
        "检查项7": None,
        "内核问题": None,  # changed: 检查项8 && 检查项9 = U && T = U (21.09: F && T = F)
        "检查项8": None,
        "检查项9": True,  # abnormal wins over its No data result, as in 21.09
    }
    assert nodes["检查项5"]["msg"] == "No data"
    assert nodes["检查项7"]["msg"] == "Internal error: division by zero"
    assert nodes["检查项2"]["msg"] == nodes["检查项1"]["msg"] == ""
    assert report["evidence"] == {"decided_by": ["硬件问题"], "text": "true because 硬件问题 is true"}
    assert nodes["内核问题"]["evidence"] == {
        "decided_by": ["检查项8"],
        "text": "unknown because 检查项8 is unknown",
    }
    assert nodes["硬件子问题1"]["evidence"]["decided_by"] == ["检查项2"]
    assert nodes["硬件问题"]["evidence"]["text"] == "true because 硬件问题1 is true, 硬件问题2 is true"
    assert nodes["硬件子问题4"]["evidence"]["decided_by"] == ["检查项6"]


def test_report_keeps_the_21_09_keys_and_input_order(tree: Tree) -> None:
    report = tree.evaluate(example_evidence())
    assert list(report) == [
        "node name",
        "value",
        "condition",
        "description",
        "advice",
        "children",
        "evidence",
    ]
    assert report["condition"] == "硬件问题 || 软件问题 || 内核问题"
    assert [child["node name"] for child in report["children"]] == ["硬件问题", "软件问题", "内核问题"]
    assert report["children"][0]["description"] == "硬件故障"
    leaf_node = by_name(report)["检查项1"]
    assert list(leaf_node) == ["node name", "value", "check item", "msg", "evidence"]
    # Without the evidence, a report is a 21.09 report (tree_example_diagnosed.json's layout).
    for node in walk(report):
        del node["evidence"]
    assert [set(node) for node in walk(report)] == [set(node) for node in walk(EXAMPLE)]
    assert json.loads(dumps(report)) == report


def test_leaf_evidence(tree: Tree) -> None:
    nodes = by_name(tree.evaluate(example_evidence()))
    assert nodes["检查项1"]["evidence"] == {
        "status": "abnormal",
        "reason": "",
        "text": "rule 'check_item1' has 2 abnormal results in this slice",
        "result_count": 2,
        "results": [
            {"start": 100.0, "end": 100.0, "series": "m", "value": "Abnormal", "reason": ""},
            {"start": 115.0, "end": 115.0, "series": "m", "value": "Abnormal", "reason": ""},
        ],
    }
    assert nodes["检查项3"]["evidence"]["results"][0]["series"] == 'm{cpu="1"}'
    assert nodes["检查项2"]["evidence"] == {
        "status": "normal",
        "reason": "",
        "text": "rule 'check_item2' was checked and found nothing abnormal",
        "result_count": 0,
        "results": [],
    }
    assert nodes["检查项7"]["evidence"]["text"] == (
        "rule 'check_item7' is unknown in this slice: Internal error: division by zero"
    )
    assert nodes["检查项9"]["evidence"]["result_count"] == 1  # only the abnormal one is evidence


def test_leaves_of_the_same_rule_get_separate_copies(tree: Tree) -> None:
    report = tree.evaluate(example_evidence())
    first, second = (node for node in walk(report) if node.get("check item") == "check_item3")
    assert first["evidence"] == second["evidence"]
    assert first["evidence"]["results"][0] is not second["evidence"]["results"][0]


def test_database_unreachable_every_leaf_unknown(tree: Tree) -> None:
    # 21.09 (report1.json): leaves null/"Internal error" and every branch false; now all unknown.
    failed = LeafEvidence("unknown", [], "Internal error: data center unreachable")
    report = tree.evaluate(dict.fromkeys(EXAMPLE_ITEMS, failed))
    assert {node["value"] for node in walk(report)} == {None}
    assert by_name(report)["检查项4"]["msg"] == "Internal error: data center unreachable"


def test_missing_evidence_is_not_checked(tree: Tree) -> None:
    report = tree.evaluate(
        {"check_item1": LeafEvidence("abnormal", [result("check_item1", "Abnormal", 1.0)])}
    )
    nodes = by_name(report)
    assert report["value"] is None
    assert nodes["硬件问题1"]["value"] is True  # 检查项1 || (unknown) decides alone
    assert nodes["检查项2"]["value"] is None
    assert nodes["检查项2"]["msg"] == "Not checked"
    assert nodes["检查项2"]["evidence"]["status"] == "unknown"
    assert nodes["硬件问题"]["value"] is None  # 硬件问题1 is true, 硬件问题2 unknown


def test_evaluations_are_independent(tree: Tree) -> None:
    first = tree.evaluate(example_evidence())
    second = tree.evaluate(dict.fromkeys(EXAMPLE_ITEMS, LeafEvidence("normal")))
    assert first["value"] is True and second["value"] is False
    assert second["evidence"]["decided_by"] == ["硬件问题", "软件问题", "内核问题"]
    assert first["children"][0] is not second["children"][0]


def test_from_results_classification() -> None:
    abnormal = result("x", "Abnormal", 1.0)
    no_data = result("x", "No data", 0.0)
    error = result("x", "Internal error", 2.0, reason="value is not a number")
    odd = result("x", "Surprise", 3.0)
    assert LeafEvidence.from_results([no_data, abnormal, error], checked=False).status == "abnormal"
    assert LeafEvidence.from_results([error, no_data], checked=True) == LeafEvidence(
        "unknown", [no_data, error], "No data"
    )
    assert LeafEvidence.from_results([error], checked=True).reason == "Internal error: value is not a number"
    assert LeafEvidence.from_results([odd], checked=True) == LeafEvidence("unknown", [odd], "Internal error")
    assert LeafEvidence.from_results([], checked=True) == LeafEvidence("normal")
    assert LeafEvidence.from_results([{"value": "Normal"}], checked=True) == LeafEvidence("normal")
    assert LeafEvidence.from_results([], checked=False) == LeafEvidence("unknown", [], "Not checked")
    with pytest.raises(ValueError, match="status must be one of"):
        LeafEvidence("broken")  # type: ignore[arg-type]


def test_results_and_names_are_capped() -> None:
    many = [result("x", "Abnormal", float(i)) for i in range(MAX_RESULTS + 5)]
    kids = [leaf(f"l{i}", "x") for i in range(MAX_NAMED + 3)]
    tree = parse_tree(branch("r", " || ".join(f"l{i}" for i in range(len(kids))), *kids))
    report = tree.evaluate({"x": LeafEvidence("abnormal", many)})
    proof = report["children"][0]["evidence"]
    assert proof["result_count"] == MAX_RESULTS + 5
    assert len(proof["results"]) == MAX_RESULTS
    assert len(report["evidence"]["decided_by"]) == MAX_NAMED + 3
    assert report["evidence"]["text"].endswith("l9 is true and 3 more")


def test_ten_thousand_nodes_evaluate_like_a_direct_computation() -> None:
    tree = parse_tree(wide(99, 100))
    rng = random.Random(7)
    statuses = ["abnormal", "normal", "unknown"]
    for _ in range(5):
        # Mostly abnormal, so that some of the 99 `&&` branches can be true.
        evidence = {
            f"item{j}": LeafEvidence(rng.choices(statuses, weights=(20, 1, 1))[0]) for j in range(100)
        }
        truth = {"abnormal": True, "normal": False, "unknown": None}
        items = [truth[evidence[f"item{j}"].status] for j in range(100)]
        each = False if False in items else (None if None in items else True)
        # CPU time: a bound on the work, which a loaded machine's scheduling does not stretch.
        started = time.process_time()
        report = tree.evaluate(evidence)
        assert time.process_time() - started < 2
        assert report["value"] is each  # every branch has the same 100 rules
        assert len(walk(report)) == 10_000


def test_a_thousand_levels_deep_evaluates_and_serialises() -> None:
    tree = parse_tree(chain(1_000))
    evidence = {f"item{i}": LeafEvidence("normal") for i in range(7)}
    started = time.process_time()
    report = tree.evaluate({**evidence, "item_last": LeafEvidence("abnormal")})
    assert report["value"] is True
    assert report["evidence"]["decided_by"] == ["n1"]
    text = dumps(report)  # json.dumps alone raises RecursionError at this depth
    with pytest.raises(RecursionError):
        json.dumps(report)
    back = loads(text)
    assert [node["node name"] for node in walk(back)] == [node["node name"] for node in walk(report)]
    assert [node["value"] for node in walk(back)] == [node["value"] for node in walk(report)]
    assert time.process_time() - started < 5
    unknown = tree.evaluate(evidence)  # item_last not checked: unknown all the way up
    assert unknown["value"] is None
