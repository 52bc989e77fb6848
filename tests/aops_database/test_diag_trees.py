"""`/data/diag/tree/*`: fault trees upserted by (user, name) on MariaDB, read back and deleted."""

from __future__ import annotations

from typing import Any

import requests

from aops_utils import jsonio
from tests.suite import Suite
from tests.suite import data_call as call


def leaf(name: str, item: str) -> dict[str, Any]:
    return {"node name": name, "value": None, "check item": item, "msg": ""}


def content(root: str = "重启类故障树", condition: str = "硬件问题 || 软件问题") -> dict[str, Any]:
    return {
        "node name": root,
        "value": None,
        "condition": condition,
        "description": "",
        "advice": "",
        "children": [leaf("硬件问题", "check_item1"), leaf("软件问题", "check_item2")],
    }


def tree(name: str, **extra: Any) -> dict[str, Any]:
    return {"tree_name": name, "tree_content": content(), **extra}


def add(suite: Suite, token: str, *trees: dict[str, Any]) -> dict[str, Any]:
    status, reply = call(suite, "/data/diag/tree/add", {"trees": list(trees)}, token=token)
    assert (status, reply["code"]) == (200, 200), reply
    return reply


def get(suite: Suite, token: str, **body: Any) -> list[dict[str, Any]]:
    status, reply = call(suite, "/data/diag/tree/get", body, token=token)
    assert status == 200, reply
    trees: list[dict[str, Any]] = reply["trees"]
    return trees


def names(suite: Suite, token: str, **body: Any) -> list[str]:
    return [item["tree_name"] for item in get(suite, token, **body)]


def delete(suite: Suite, token: str, tree_list: list[str]) -> list[str]:
    """The names deleted; the answer is per item: 200 all, 207 some, 404 none of them existed."""
    status, reply = call(
        suite, "/data/diag/tree/delete", {"tree_list": tree_list}, token=token, method="DELETE"
    )
    deleted: list[str] = reply["deleted"]
    assert reply["succeed_list"] == deleted
    missing = [name for name in dict.fromkeys(tree_list) if name not in deleted]
    assert reply["fail_list"] == missing, reply
    wanted = (200, 200) if not missing else (207, 206) if deleted else (404, 1103)
    assert (status, reply["code"]) == wanted, reply
    return deleted


def test_added_trees_are_read_back_as_objects_with_their_defaults(suite: Suite, token: str) -> None:
    reply = add(
        suite, token, tree("restart", description="reboots", tag=["kernel", "hardware"]), tree("故障树")
    )
    assert (reply["succeed_list"], reply["update_list"], reply["fail_list"]) == (
        ["restart", "故障树"],
        [],
        [],
    )
    trees = get(suite, token, tree_list=[])
    assert trees == [
        {
            "tree_name": "restart",
            "tree_content": content(),
            "description": "reboots",
            "tag": ["kernel", "hardware"],
        },
        {"tree_name": "故障树", "tree_content": content(), "description": "", "tag": []},
    ]
    # Key order survives the round trip.
    assert list(trees[0]["tree_content"]) == list(content())
    assert names(suite, token) == ["restart", "故障树"]


def test_adding_a_known_name_replaces_that_tree_and_reports_it_as_updated(suite: Suite, token: str) -> None:
    add(suite, token, tree("a", tag=["x"]), tree("b"))
    replaced = {"tree_name": "b", "tree_content": content("new root", "硬件问题"), "description": "v2"}
    reply = add(suite, token, replaced, tree("c"))
    assert (reply["succeed_list"], reply["update_list"]) == (["c"], ["b"])
    [b] = get(suite, token, tree_list=["b"])
    assert b == {**replaced, "tag": []}
    assert get(suite, token, tree_list=["a"])[0]["tag"] == ["x"]


def test_a_name_twice_in_one_call_is_refused_and_nothing_is_stored(suite: Suite, token: str) -> None:
    for pair in (["dup", "dup"], ["dup", "dup "]):
        status, reply = call(
            suite, "/data/diag/tree/add", {"trees": [tree("ok"), *map(tree, pair)]}, token=token
        )
        assert (status, reply["code"], reply["field"]) == (400, 1000, "trees.2.tree_name"), reply
    assert names(suite, token) == []


def test_names_are_case_sensitive(suite: Suite, token: str) -> None:
    reply = add(suite, token, tree("Tree"), tree("tree"))
    assert reply["succeed_list"] == ["Tree", "tree"]
    assert names(suite, token) == ["Tree", "tree"]
    assert delete(suite, token, ["TREE", "tree"]) == ["tree"]
    assert names(suite, token) == ["Tree"]


def test_get_filters_by_name_and_returns_every_tree_without_a_cap(suite: Suite, token: str) -> None:
    all_names = [f"tree{i:02d}" for i in range(25)]
    add(suite, token, *map(tree, all_names))
    assert names(suite, token) == all_names
    assert names(suite, token, tree_list=[]) == all_names
    assert names(suite, token, tree_list=["tree07", "missing", "tree03", "tree07"]) == ["tree03", "tree07"]
    assert names(suite, token, tree_list=["missing"]) == []


def test_delete_replies_the_trees_that_existed(suite: Suite, token: str) -> None:
    add(suite, token, tree("a"), tree("b"), tree("c"))
    assert delete(suite, token, []) == []
    assert delete(suite, token, ["c", "missing", "a", "a"]) == ["c", "a"]
    assert names(suite, token) == ["b"]
    assert delete(suite, token, ["a"]) == []


def test_another_user_neither_sees_nor_deletes_the_trees(suite: Suite, token: str) -> None:
    add(suite, token, tree("mine", description="first user"))
    _, other = suite.add_user()
    assert names(suite, other) == []
    assert get(suite, other, tree_list=["mine"]) == []
    assert delete(suite, other, ["mine"]) == []
    # The same name is a tree of its own for the other user.
    assert add(suite, other, tree("mine", description="second user"))["succeed_list"] == ["mine"]
    assert [t["description"] for t in get(suite, token)] == ["first user"]
    assert [t["description"] for t in get(suite, other)] == ["second user"]


def test_a_service_adds_trees_for_the_user_it_acts_for(suite: Suite, user: tuple[str, str]) -> None:
    username, token = user
    status, reply = call(
        suite, "/data/diag/tree/add", {"trees": [tree("t")]}, token=suite.service_token(username)
    )
    assert (status, reply["succeed_list"]) == (200, ["t"])
    assert names(suite, token) == ["t"]


def test_large_and_deep_trees_are_stored_up_to_their_limits(suite: Suite, token: str) -> None:
    nodes = [leaf(f"检查项{i}", f"check_item{i}") for i in range(20_000)]
    big = {**content(), "children": nodes}
    add(suite, token, {"tree_name": "big", "tree_content": big})
    assert get(suite, token, tree_list=["big"])[0]["tree_content"] == big

    def nested(levels: int) -> dict[str, Any]:
        """A tree `levels` JSON containers deep: each tree level is a dict and its children list."""
        node: dict[str, Any] = leaf("leaf", "item") if levels % 2 else {**leaf("leaf", "item"), "tags": []}
        for level in range((levels - 1) // 2):
            node = {"node name": f"n{level}", "children": [node]}
        return node

    # Any depth is stored and sent back (aops_utils.jsonio takes over where orjson stops).
    add(suite, token, {"tree_name": "deep", "tree_content": nested(251)})
    assert get(suite, token, tree_list=["deep"])[0]["tree_content"] == nested(251)
    add(suite, token, {"tree_name": "deeper", "tree_content": nested(601)})
    stored = get(suite, token, tree_list=["deeper"])[0]["tree_content"]
    assert jsonio.dumps(stored) == jsonio.dumps(nested(601))


def test_a_tree_beyond_the_size_limits_is_refused_naming_it(suite: Suite, token: str) -> None:
    # Over the column's 16 MiB.
    huge = {"node name": "root", "blob": "x" * 2**24}
    status, reply = call(
        suite,
        "/data/diag/tree/add",
        {"trees": [tree("ok"), {"tree_name": "huge", "tree_content": huge}]},
        token=token,
    )
    assert (status, reply["field"]) == (400, "trees.1.tree_content"), reply
    # Within the column but, with its quotes escaped, more than MariaDB's 16 MiB packet: a
    # clear refusal instead of a dropped connection.
    quoted = {"node name": "root", "blob": '"' * 6 * 2**20}
    status, reply = call(
        suite,
        "/data/diag/tree/add",
        {"trees": [{"tree_name": "quoted", "tree_content": quoted}]},
        token=token,
    )
    assert (status, reply["code"], reply["field"]) == (400, 1000, "trees.0.tree_content"), reply
    assert "max_allowed_packet" in reply["detail"]
    assert names(suite, token) == []
    # A plain 15 MiB tree fits.
    add(suite, token, {"tree_name": "large", "tree_content": {"node name": "root", "blob": "y" * 15 * 2**20}})
    assert len(get(suite, token, tree_list=["large"])[0]["tree_content"]["blob"]) == 15 * 2**20


def test_bad_tree_bodies_are_refused_naming_the_field(suite: Suite, token: str) -> None:
    cases = [
        ({"trees": [tree("t", extra=1)]}, "trees.0.extra"),
        ({"trees": [tree("t", tree_content={})]}, "trees.0.tree_content"),
        ({"trees": [tree("t", tree_content=[content()])]}, "trees.0.tree_content"),
        ({"trees": [tree("t", tree_content="{}")]}, "trees.0.tree_content"),
        ({"trees": [{"tree_name": "t"}]}, "trees.0.tree_content"),
        ({"trees": [tree("")]}, "trees.0.tree_name"),
        ({"trees": [tree("  ")]}, "trees.0.tree_name"),
        ({"trees": [tree("n" * 129)]}, "trees.0.tree_name"),
        ({"trees": [tree("t", description="d" * 1025)]}, "trees.0.description"),
        ({"trees": [tree("t", tag="kernel")]}, "trees.0.tag"),
        ({"trees": [tree("t", tag=["k" * 129])]}, "trees.0.tag.0"),
        ({"trees": [tree("t", tag=[""])]}, "trees.0.tag.0"),
        ({"trees": [tree("t", tag=[f"t{i}" for i in range(65)])]}, "trees.0.tag"),
        ({"trees": []}, "trees"),
        ({"trees": [tree(f"t{i}") for i in range(1001)]}, "trees"),
        ({}, "trees"),
        ({"trees": [tree("t")], "username": "someone"}, "username"),
    ]
    for body, field in cases:
        status, reply = call(suite, "/data/diag/tree/add", body, token=token)
        assert (status, reply["code"], reply["field"]) == (400, 1000, field), field
    for path, method, body, field in [
        ("/data/diag/tree/get", "POST", {"tree_list": "t"}, "tree_list"),
        ("/data/diag/tree/get", "POST", {"tree_list": [""]}, "tree_list.0"),
        ("/data/diag/tree/get", "POST", {"tree_name": "t"}, "tree_name"),
        ("/data/diag/tree/delete", "DELETE", {}, "tree_list"),
        ("/data/diag/tree/delete", "DELETE", {"tree_list": [1]}, "tree_list.0"),
    ]:
        status, reply = call(suite, path, body, token=token, method=method)
        assert (status, reply["field"]) == (400, field), (path, body)
    assert names(suite, token) == []


def test_tree_routes_need_a_token(suite: Suite) -> None:
    for path, method in [
        ("/data/diag/tree/add", "POST"),
        ("/data/diag/tree/get", "POST"),
        ("/data/diag/tree/delete", "DELETE"),
    ]:
        reply = requests.request(method, suite.database_url + path, json={}, timeout=30)
        assert (reply.status_code, reply.json()["code"]) == (401, 1201), path
