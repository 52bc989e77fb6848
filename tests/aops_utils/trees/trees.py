"""Trees shared by the diagnosis tests: the 21.09 worked example (spec 6.7) and large shapes."""

from __future__ import annotations

from typing import Any


def leaf(name: str, item: str) -> dict[str, Any]:
    return {"node name": name, "value": None, "check item": item, "msg": ""}


def branch(name: str, condition: str, *children: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {
        "node name": name,
        "value": None,
        "condition": condition,
        "description": description,
        "advice": "",
        "children": list(children),
    }


# The 21.09 root name, with full-width parentheses (written as escapes for the linter).
ROOT = "重启类故障树\uff08简\uff09"
# The structure of 21.09's tree_example.json (right_tree3.json), written out here.
EXAMPLE: dict[str, Any] = branch(
    ROOT,
    "硬件问题 || 软件问题 || 内核问题",
    branch(
        "硬件问题",
        "硬件问题1 && 硬件问题2",
        branch(
            "硬件问题1",
            "检查项1 || 硬件子问题1",
            leaf("检查项1", "check_item1"),
            branch(
                "硬件子问题1",
                "检查项2 && 检查项3",
                leaf("检查项2", "check_item2"),
                leaf("检查项3", "check_item3"),
            ),
        ),
        branch(
            "硬件问题2",
            "硬件子问题2 || 硬件子问题4",
            branch(
                "硬件子问题2",
                "硬件子问题3",
                branch(
                    "硬件子问题3",
                    "检查项3 && 检查项4",
                    leaf("检查项3", "check_item3"),
                    leaf("检查项4", "check_item4"),
                ),
            ),
            branch(
                "硬件子问题4",
                "检查项5 || 检查项6",
                leaf("检查项5", "check_item5"),
                leaf("检查项6", "check_item6"),
            ),
        ),
        description="硬件故障",
    ),
    branch(
        "软件问题",
        "软件问题1",
        branch(
            "软件问题1",
            "软件子问题1",
            branch(
                "软件子问题1", "软件子问题2", branch("软件子问题2", "检查项7", leaf("检查项7", "check_item7"))
            ),
        ),
    ),
    branch("内核问题", "检查项8 && 检查项9", leaf("检查项8", "check_item8"), leaf("检查项9", "check_item9")),
)
EXAMPLE_ITEMS = {f"check_item{i}" for i in range(1, 10)}


def wide(branches: int, leaves: int) -> dict[str, Any]:
    """Root -> `branches` branches -> `leaves` leaves each (1 + b + b*l nodes)."""
    return branch(
        "root",
        " || ".join(f"b{i}" for i in range(branches)),
        *(
            branch(
                f"b{i}",
                " && ".join(f"l{i}.{j}" for j in range(leaves)),
                *(leaf(f"l{i}.{j}", f"item{j}") for j in range(leaves)),
            )
            for i in range(branches)
        ),
    )


def chain(depth: int) -> dict[str, Any]:
    """Levels 0..depth-1 are branches `next || leaf`; the last branch has one leaf at `depth`."""
    node = branch(f"n{depth - 1}", "last", leaf("last", "item_last"))
    for level in range(depth - 2, -1, -1):
        node = branch(f"n{level}", f"n{level + 1} || leaf", node, leaf("leaf", f"item{level % 7}"))
    return node


def walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node dict of a report or tree, depth-first, without recursion."""
    seen: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        seen.append(current)
        stack.extend(reversed(current.get("children", [])))
    return seen


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Nodes by name (the example's repeated leaf 检查项3 maps to its last occurrence)."""
    return {node["node name"]: node for node in walk(report)}
