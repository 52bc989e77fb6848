"""Bad trees and bad requests are refused with a 4xx naming the field and the problem.

The diag scheduler runs in this process on a MemoryBus, over a data center on MariaDB and the
ES-API server. Every refused request leaves nothing behind: no tree, no task, no message.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from adoctor_diag_scheduler.settings import DiagSchedulerSection
from aops_utils import jsonio
from tests.adoctor_diag_scheduler.conftest import RULES
from tests.adoctor_diag_scheduler.conftest import Diag
from tests.adoctor_diag_scheduler.conftest import published
from tests.aops_utils.trees.trees import branch
from tests.suite import Suite


def leaf(name: str, item: str) -> dict[str, Any]:
    """The least a leaf needs: 21.09's `value` and `msg` are outputs, left out here."""
    return {"node name": name, "check item": item}


def good_tree() -> dict[str, Any]:
    return branch(
        "host health",
        "resources || rebooted",
        branch(
            "resources",
            "memory low && load || canary",
            leaf("memory low", "memory_low"),
            leaf("load", "load_high"),
            leaf("canary", "node_exporter_always"),
        ),
        leaf("rebooted", "rebooted"),
    )


@pytest.fixture
def me(diag: Diag, suite: Suite) -> tuple[str, str]:
    """A fresh user who owns the sample check rules and one host: (token, host id)."""
    _name, token = suite.add_user()
    reply = diag.data("/data/check/rule/add", RULES, token)
    assert reply["code"] == 200, reply
    return token, suite.add_host(token)


def trees_of(diag: Diag, token: str) -> list[dict[str, Any]]:
    status, reply = diag.call("/diag/tree/get", {"tree_list": []}, token)
    assert status == 200, reply
    return list(reply["trees"])


def tasks_of(diag: Diag, token: str) -> list[dict[str, Any]]:
    status, reply = diag.call("/diag/task/get", {}, token)
    assert status == 200, reply
    return list(reply["task_infos"])


def refused_import(diag: Diag, token: str, content: Any) -> dict[str, Any]:
    status, reply = diag.call(
        "/diag/tree/import", {"trees": [{"tree_name": "t", "tree_content": content}]}, token
    )
    assert 400 <= status < 500, (status, reply)
    assert reply["field"] == "trees.0.tree_content", reply
    assert trees_of(diag, token) == []
    return reply


# Bad trees.


def test_a_leaf_naming_an_unknown_rule_is_refused_with_its_path(diag: Diag, me: tuple[str, str]) -> None:
    tree = good_tree()
    tree["children"][0]["children"][1]["check item"] = "no_such_rule"
    detail = refused_import(diag, me[0], tree)["detail"]
    assert "host health > resources > load" in detail and "'no_such_rule'" in detail, detail


def test_a_leaf_on_the_neighbours_is_imported_and_a_bad_scope_refused(
    diag: Diag, me: tuple[str, str]
) -> None:
    tree = good_tree()
    tree["children"][1]["scope"] = "everywhere"
    detail = refused_import(diag, me[0], tree)["detail"]
    assert "host health > rebooted" in detail and "scope" in detail and "'everywhere'" in detail, detail
    tree["children"][1]["scope"] = "neighbours"
    status, reply = diag.call(
        "/diag/tree/import", {"trees": [{"tree_name": "t", "tree_content": tree}]}, me[0]
    )
    assert status == 200, reply
    (stored,) = trees_of(diag, me[0])
    assert stored["tree_content"]["children"][1]["scope"] == "neighbours"


def test_a_condition_naming_an_unknown_child_is_refused(diag: Diag, me: tuple[str, str]) -> None:
    tree = good_tree()
    tree["children"][0]["condition"] = "memory low && cpu"
    detail = refused_import(diag, me[0], tree)["detail"]
    assert "host health > resources" in detail and "condition" in detail and "cpu" in detail, detail


@pytest.mark.parametrize(
    "condition", ["resources ||", "(resources || rebooted", "resources rebooted", "&& rebooted"]
)
def test_an_unparsable_condition_is_refused_with_its_position(
    diag: Diag, me: tuple[str, str], condition: str
) -> None:
    tree = good_tree()
    tree["condition"] = condition
    detail = refused_import(diag, me[0], tree)["detail"]
    assert "host health: condition:" in detail, detail


def test_duplicate_sibling_names_are_refused(diag: Diag, me: tuple[str, str]) -> None:
    tree = good_tree()
    tree["children"][0]["children"][2]["node name"] = "load"
    detail = refused_import(diag, me[0], tree)["detail"]
    assert "host health > resources" in detail and "'load'" in detail and "unique" in detail, detail


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ({"node name": "root", "check item": "rebooted"}, "root must be a branch"),
        (branch("root", "a", {"check item": "rebooted"}), "node name"),
        (
            branch("root", "a", leaf("a", "rebooted") | {"children": [leaf("b", "rebooted")]}),
            "cannot have children",
        ),
        (branch("root", "a", {"node name": "a", "condition": "b"}), "needs children"),
    ],
)
def test_other_malformed_trees_are_refused(
    diag: Diag, me: tuple[str, str], content: dict[str, Any], words: str
) -> None:
    assert words in refused_import(diag, me[0], content)["detail"]


def test_a_tree_name_twice_in_one_import_keeps_the_first_and_lists_the_second(
    diag: Diag, me: tuple[str, str]
) -> None:
    body = {"trees": [{"tree_name": "t", "tree_content": good_tree()}] * 2}
    status, reply = diag.call("/diag/tree/import", body, me[0])
    assert (status, reply["code"], reply["succeed_list"]) == (207, 206, ["t"]), reply
    [failed] = reply["fail_list"]
    assert failed == {
        "tree_name": "t",
        "index": 1,
        "field": "trees.1.tree_name",
        "reason": "duplicate tree 't' (also at index 0)",
    }
    assert [t["tree_name"] for t in trees_of(diag, me[0])] == ["t"]


def test_several_trees_of_which_some_are_invalid_store_the_valid_ones_and_list_the_others(
    diag: Diag, me: tuple[str, str]
) -> None:
    unknown_rule = good_tree()
    unknown_rule["children"][0]["children"][1]["check item"] = "no_such_rule"
    bad_condition = good_tree()
    bad_condition["condition"] = "resources ||"
    body = {
        "trees": [
            {"tree_name": "first", "tree_content": good_tree()},
            {"tree_name": "unknown rule", "tree_content": unknown_rule},
            {"tree_name": "second", "tree_content": deep_tree(3)},
            {"tree_name": "bad condition", "tree_content": bad_condition},
        ]
    }
    status, reply = diag.call("/diag/tree/import", body, me[0])
    assert (status, reply["code"], reply["msg"]) == (207, 206, "partial succeed"), reply
    assert (reply["succeed_list"], reply["update_list"]) == (["first", "second"], [])
    assert [(f["tree_name"], f["index"], f["field"]) for f in reply["fail_list"]] == [
        ("unknown rule", 1, "trees.1.tree_content"),
        ("bad condition", 3, "trees.3.tree_content"),
    ]
    assert "host health > resources > load" in reply["fail_list"][0]["reason"]
    assert "'no_such_rule'" in reply["fail_list"][0]["reason"]
    assert reply["fail_list"][1]["reason"].startswith("tree_content: host health: condition:")
    assert sorted(t["tree_name"] for t in trees_of(diag, me[0])) == ["first", "second"]


def test_rules_of_another_user_do_not_count(diag: Diag, suite: Suite) -> None:
    _name, token = suite.add_user()  # owns no rules
    detail = refused_import(diag, token, good_tree())["detail"]
    assert "is not a check rule of this user" in detail, detail


# Big trees.


def wide_tree() -> dict[str, Any]:
    """10,000 nodes: a root, 99 branches of 100 leaves each."""
    items = [r["check_item"] for r in RULES["check_items"]]
    groups = []
    for g in range(99):
        leaves = [leaf(f"l{i}", items[i % len(items)]) for i in range(100)]
        groups.append(branch(f"g{g}", " || ".join(f"l{i}" for i in range(100)), *leaves))
    return branch("root", " && ".join(f"g{g}" for g in range(99)), *groups)


def deep_tree(depth: int) -> dict[str, Any]:
    """A chain of `depth` nodes: branches with one child each, a leaf at the bottom."""
    node: dict[str, Any] = leaf(f"n{depth - 1}", "rebooted")
    for level in range(depth - 2, -1, -1):
        node = branch(f"n{level}", f"!n{level + 1}", node)
    return node


def count_nodes(tree: dict[str, Any]) -> tuple[int, int]:
    """(nodes, depth) without recursion."""
    nodes, depth, stack = 0, 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        nodes, depth = nodes + 1, max(depth, level)
        stack.extend((child, level + 1) for child in node.get("children", []))
    return nodes, depth


def test_a_10000_node_tree_is_imported_and_read_back(diag: Diag, me: tuple[str, str]) -> None:
    tree = wide_tree()
    assert count_nodes(tree) == (10_000, 3)
    status, reply = diag.call(
        "/diag/tree/import", {"trees": [{"tree_name": "wide", "tree_content": tree}]}, me[0]
    )
    assert status == 200 and reply["succeed_list"] == ["wide"], reply
    (stored,) = trees_of(diag, me[0])
    assert stored["tree_name"] == "wide" and stored["tree_content"] == tree


def test_a_tree_the_schema_refuses_fails_alone(diag: Diag, me: tuple[str, str]) -> None:
    body = {
        "trees": [
            {"tree_name": "first", "tree_content": good_tree()},
            {"tree_name": "not an object", "tree_content": "host > load"},
            {"tree_name": "", "tree_content": good_tree()},
            {"tree_name": "second", "tree_content": good_tree(), "colour": "red"},
            {"tree_name": "third", "tree_content": deep_tree(3)},
        ]
    }
    status, reply = diag.call("/diag/tree/import", body, me[0])
    assert (status, reply["code"], reply["succeed_list"]) == (207, 206, ["first", "third"]), reply
    assert [(f["index"], f["field"]) for f in reply["fail_list"]] == [
        (1, "trees.1.tree_content"),
        (2, "trees.2.tree_name"),
        (3, "trees.3.colour"),
    ]
    assert sorted(t["tree_name"] for t in trees_of(diag, me[0])) == ["first", "third"]


@pytest.mark.parametrize(
    "depth",
    [
        100,
        400,
        1000,
    ],
)
def test_a_deeply_nested_tree_is_imported_and_read_back(diag: Diag, me: tuple[str, str], depth: int) -> None:
    tree = deep_tree(depth)
    assert count_nodes(tree) == (depth, depth)
    status, reply = diag.call(
        "/diag/tree/import", {"trees": [{"tree_name": "deep", "tree_content": tree}]}, me[0]
    )
    assert status == 200 and reply["succeed_list"] == ["deep"], (status, str(reply)[:500])
    (stored,) = trees_of(diag, me[0])
    assert count_nodes(stored["tree_content"]) == (depth, depth)
    # Compared as text: == on dicts nested 2,000 levels deep would itself recurse too far.
    assert jsonio.dumps(stored["tree_content"]) == jsonio.dumps(tree)


# Trees: get, replace, delete.


def test_trees_are_got_replaced_and_deleted_by_name(diag: Diag, me: tuple[str, str]) -> None:
    token = me[0]
    body = {
        "trees": [
            {"tree_name": "a", "tree_content": good_tree(), "description": "first"},
            {"tree_name": "b", "tree_content": good_tree()},
        ]
    }
    status, reply = diag.call("/diag/tree/import", body, token)
    assert status == 200 and sorted(reply["succeed_list"]) == ["a", "b"], reply
    again = {"trees": [{"tree_name": "a", "tree_content": deep_tree(3), "description": "second"}]}
    status, reply = diag.call("/diag/tree/import", again, token)
    assert status == 200 and reply["update_list"] == ["a"], reply
    status, reply = diag.call("/diag/tree/get", {"tree_list": ["a"]}, token)
    assert [(t["tree_name"], t["description"], t["tree_content"]) for t in reply["trees"]] == [
        ("a", "second", deep_tree(3))
    ]
    assert diag.call("/diag/tree/get", {"tree_list": ["zzz"]}, token)[1]["trees"] == []
    status, reply = diag.call("/diag/tree/delete", {"tree_list": ["a", "zzz"]}, token, method="DELETE")
    assert (status, reply["code"], reply["deleted"]) == (207, 206, ["a"]), reply
    assert (reply["succeed_list"], reply["fail_list"]) == (["a"], ["zzz"])
    assert [t["tree_name"] for t in trees_of(diag, token)] == ["b"]
    status, reply = diag.call("/diag/tree/delete", {"tree_list": ["zzz"]}, token, method="DELETE")
    assert (status, reply["code"], reply["fail_list"]) == (404, 1103, ["zzz"]), reply
    assert reply["detail"] == "no such fault tree: zzz"


def test_another_users_trees_are_invisible(diag: Diag, me: tuple[str, str], suite: Suite) -> None:
    diag.call("/diag/tree/import", {"trees": [{"tree_name": "mine", "tree_content": good_tree()}]}, me[0])
    _name, other = suite.add_user()
    assert trees_of(diag, other) == []
    status, reply = diag.call("/diag/tree/delete", {"tree_list": ["mine"]}, other, method="DELETE")
    assert (status, reply["code"], reply["deleted"]) == (404, 1103, []), reply
    assert [t["tree_name"] for t in trees_of(diag, me[0])] == ["mine"]


# Bad execute requests.


@pytest.fixture
def with_tree(diag: Diag, me: tuple[str, str]) -> tuple[str, str]:
    status, reply = diag.call(
        "/diag/tree/import", {"trees": [{"tree_name": "health", "tree_content": good_tree()}]}, me[0]
    )
    assert status == 200, reply
    return me


def execute_body(
    hosts: list[str], trees: tuple[str, ...] | list[str] = ("health",), seconds: int = 60, interval: int = 60
) -> dict[str, Any]:
    """A /diag/execute body over the last `seconds`."""
    now = int(time.time())
    time_range = [now - seconds, now]
    return {"host_list": hosts, "time_range": time_range, "tree_list": list(trees), "interval": interval}


def refused_execute(diag: Diag, token: str, body: dict[str, Any], field: str, status_wanted: int = 0) -> str:
    before = published(diag.bus)
    status, reply = diag.call("/diag/execute", body, token)
    assert 400 <= status < 500, (status, reply)
    if status_wanted:
        assert status == status_wanted, (status, reply)
    assert reply["field"] == field, reply
    assert tasks_of(diag, token) == []
    assert published(diag.bus) == before
    return str(reply["detail"])


def test_an_empty_time_range_is_refused(diag: Diag, with_tree: tuple[str, str]) -> None:
    token, host = with_tree
    now = int(time.time())
    for time_range in ([now, now], [now, now - 60], [now], []):
        body = {"host_list": [host], "time_range": time_range, "tree_list": ["health"], "interval": 60}
        assert refused_execute(diag, token, body, "time_range")


@pytest.mark.parametrize("interval", [0, -5, 2**31])
def test_a_zero_negative_or_too_large_interval_is_refused(
    diag: Diag, with_tree: tuple[str, str], interval: int
) -> None:
    token, host = with_tree
    assert refused_execute(diag, token, execute_body([host], interval=interval), "interval")


def test_a_task_of_more_reports_than_allowed_is_refused_naming_its_fields(
    diag: Diag, with_tree: tuple[str, str]
) -> None:
    token, host = with_tree
    # The fixture's diag_scheduler.ini leaves the shipped default.
    limit = DiagSchedulerSection().max_reports_per_task
    assert limit == 10_000
    # One host, one tree, 10,001 one-minute slices.
    detail = refused_execute(diag, token, execute_body([host], seconds=60 * (limit + 1)), "interval", 400)
    assert "host_list x tree_list x slices of time_range by interval = 1 x 1 x 10001" in detail
    assert "at most 10000" in detail
    # Exactly the limit is a task.
    status, reply = diag.call("/diag/execute", execute_body([host], seconds=60 * limit), token)
    assert (status, reply["expected_report_num"]) == (200, limit), reply


def test_a_century_at_a_one_second_interval_is_refused_at_once(
    diag: Diag, with_tree: tuple[str, str]
) -> None:
    token, host = with_tree
    # Three billion slices: counted, never built (a list of them alone would fill the memory).
    body = {"host_list": [host], "time_range": [0, 3_000_000_000], "tree_list": ["health"], "interval": 1}
    started = time.monotonic()
    detail = refused_execute(diag, token, body, "interval", 400)
    assert time.monotonic() - started < 5
    assert "= 3000000000 reports" in detail


def executed_despite(diag: Diag, token: str, body: dict[str, Any]) -> dict[str, Any]:
    """Execute with some unknown names: a task of the known ones runs; the answer is 206."""
    before = published(diag.bus)
    status, reply = diag.call("/diag/execute", body, token)
    assert (status, reply["code"], reply["msg"]) == (207, 206, "partial succeed"), reply
    (info,) = tasks_of(diag, token)
    assert (info["task_id"], info["host_list"], info["tree_list"]) == (
        reply["task_id"],
        reply["host_list"],
        reply["tree_list"],
    )
    assert published(diag.bus) == before + reply["expected_report_num"]
    return reply


def test_unknown_hosts_are_listed_and_the_known_ones_diagnosed(
    diag: Diag, with_tree: tuple[str, str]
) -> None:
    token, host = with_tree
    ghost = uuid.uuid4().hex
    reply = executed_despite(diag, token, execute_body([ghost, host], seconds=120))
    assert (reply["host_list"], reply["tree_list"], reply["expected_report_num"]) == ([host], ["health"], 2)
    assert reply["fail_list"] == [{"host_id": ghost, "field": "host_list", "reason": "unknown host"}]
    assert ghost in reply["detail"]


def test_only_unknown_hosts_are_refused_by_name_with_21_09s_code(
    diag: Diag, with_tree: tuple[str, str]
) -> None:
    token, _host = with_tree
    ghost = uuid.uuid4().hex
    body = execute_body([ghost])
    assert ghost in refused_execute(diag, token, body, "host_list", 404)
    status, reply = diag.call("/diag/execute", body, token)
    assert (status, reply["code"], reply["fail_list"][0]["host_id"]) == (404, 1301, ghost), reply
    assert reply["detail"].startswith("No valid host")


def test_another_users_hosts_are_not_found(diag: Diag, with_tree: tuple[str, str], suite: Suite) -> None:
    token, _host = with_tree
    _name, other = suite.add_user()
    theirs = suite.add_host(other, "theirs", "127.0.0.2")
    assert theirs in refused_execute(diag, token, execute_body([theirs]), "host_list", 404)


def test_unknown_trees_are_listed_and_the_known_ones_diagnosed(
    diag: Diag, with_tree: tuple[str, str]
) -> None:
    token, host = with_tree
    ghost = uuid.uuid4().hex
    reply = executed_despite(diag, token, execute_body([host, ghost], ["health", "nope"]))
    assert (reply["host_list"], reply["tree_list"], reply["expected_report_num"]) == ([host], ["health"], 1)
    assert reply["fail_list"] == [
        {"host_id": ghost, "field": "host_list", "reason": "unknown host"},
        {"tree_name": "nope", "field": "tree_list", "reason": "unknown fault tree"},
    ]


def test_only_unknown_trees_are_refused_by_name(diag: Diag, with_tree: tuple[str, str]) -> None:
    token, host = with_tree
    assert "nope" in refused_execute(diag, token, execute_body([host], ["nope"]), "tree_list", 404)


def test_empty_host_or_tree_lists_are_refused(diag: Diag, with_tree: tuple[str, str]) -> None:
    token, host = with_tree
    base = execute_body([host])
    refused_execute(diag, token, base | {"host_list": []}, "host_list")
    refused_execute(diag, token, base | {"tree_list": []}, "tree_list")


# A task, its messages, its reports and deleting it.


def test_execute_slices_the_range_and_deleting_a_task_deletes_its_reports(
    diag: Diag, with_tree: tuple[str, str]
) -> None:
    token, host = with_tree
    before = published(diag.bus)
    body = {"host_list": [host, host], "time_range": [1000, 1250], "tree_list": ["health"], "interval": 100}
    status, reply = diag.call("/diag/execute", body, token)
    assert status == 200 and reply["expected_report_num"] == 3, reply  # [1000,1100) [1100,1200) [1200,1250)
    task = reply["task_id"]
    assert published(diag.bus) == before + 3
    (info,) = tasks_of(diag, token)
    assert info["task_id"] == task and info["expected_report_num"] == 3
    report = {
        "node name": "host health",
        "value": False,
        "condition": "resources || rebooted",
        "children": [],
    }
    reports = [
        {
            "report_id": uuid.uuid4().hex,
            "task_id": task,
            "host_id": host,
            "tree_name": "health",
            "start": s,
            "end": e,
            "report": report,
        }
        for s, e in ((1000, 1100), (1100, 1200))
    ]
    diag.data("/data/diag/report/save", {"reports": reports}, token)
    status, progress = diag.call("/diag/progress/get", {"task_list": [task]}, token)
    assert status == 200, progress
    (row,) = progress["result"]
    assert row["progress"] == 2 and row["expected_report_num"] == 3 and not row["finished"], row
    status, listed = diag.call("/diag/report/get_list", {"task_id": task}, token)
    assert listed["total_count"] == 2, listed

    status, reply = diag.call("/diag/task/delete", {"task_list": [task]}, token, method="DELETE")
    assert status == 200 and reply["deleted"] == [task] and reply["reports_deleted"] == 2, reply
    assert tasks_of(diag, token) == []
    assert diag.call("/diag/report/get_list", {"task_id": task}, token)[1]["total_count"] == 0
    ids = [r["report_id"] for r in reports]
    assert diag.call("/diag/report/get", {"report_list": ids}, token)[1]["result"] == []
