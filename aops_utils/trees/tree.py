"""The fault tree: parsed and validated once from the 21.09 JSON, then evaluated many times.

Node rules (21.09 checked none of them and answered a broken tree with an empty report):
* every node has a non-empty string `node name`; below the root it must be writable in a
  condition (see condition.py) and unique among its siblings;
* a leaf has a non-empty string `check item` (the rule name), no children and no condition;
  beyond 21.09 it may say `"scope": "neighbours"`: the rule is then judged on the host's
  neighbours on the topology map (true when any of them has an abnormal result in the slice)
  instead of on the host itself (`"scope": "host"`, the default);
* a branch (every other node, and always the root) has a non-empty `children` list and a
  `condition` over the names of its direct children; there is no default condition in JSON;
* `description` and `advice` are optional strings; `value` and `msg` are outputs, ignored here.
A child that its parent's condition never mentions is allowed, and listed in `Tree.warnings`.

Everything is iterative: a tree of MAX_NODES nodes nested MAX_DEPTH deep is processed without
recursion; larger ones are refused before any further work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from aops_utils.trees.condition import is_name
from aops_utils.trees.condition import parse_condition
from aops_utils.trees.errors import ConditionError
from aops_utils.trees.errors import TreeError

if TYPE_CHECKING:
    from aops_utils.trees.evaluate import LeafEvidence

MAX_NODES = 100_000
MAX_DEPTH = 10_000

NAME = "node name"
CHECK_ITEM = "check item"
CONDITION = "condition"
CHILDREN = "children"
TEXT_KEYS = ("description", "advice")
SCOPE = "scope"
HOST = "host"
NEIGHBOURS = "neighbours"


class Tree:
    """A validated tree as flat arrays; a parent's index is always lower than its children's."""

    __slots__ = (
        "check_item_of",
        "children",
        "conditions",
        "depth",
        "names",
        "on_neighbours",
        "parents",
        "programs",
        "texts",
        "warnings",
    )

    def __init__(self) -> None:
        self.names: list[str] = []
        self.parents: list[int] = []  # -1 for the root
        self.children: list[tuple[int, ...]] = []
        self.check_item_of: list[str | None] = []  # None for a branch
        self.on_neighbours: list[bool] = []  # a leaf judged on the host's neighbours
        self.conditions: list[str] = []  # "" for a leaf
        self.programs: list[tuple[int, ...]] = []  # over child positions; () for a leaf
        self.texts: list[dict[str, str]] = []  # description and advice as given
        self.warnings: list[str] = []
        self.depth = 0

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def check_items(self) -> set[str]:
        """The rule names of the leaves judged on the host itself."""
        return {
            item
            for item, near in zip(self.check_item_of, self.on_neighbours, strict=True)
            if item and not near
        }

    @property
    def neighbour_items(self) -> set[str]:
        """The rule names of the leaves judged on the host's neighbours."""
        return {
            item for item, near in zip(self.check_item_of, self.on_neighbours, strict=True) if item and near
        }

    def __len__(self) -> int:
        return len(self.names)

    def path(self, index: int) -> list[str]:
        """Names from the root down to node `index`."""
        names: list[str] = []
        while index >= 0:
            names.append(self.names[index])
            index = self.parents[index]
        return names[::-1]

    def evaluate(
        self, evidence: Mapping[str, LeafEvidence], neighbours: Mapping[str, LeafEvidence] | None = None
    ) -> dict[str, Any]:
        """The report: the root node dict in the 21.09 layout plus `evidence` (see evaluate.py);
        `neighbours` is the evidence of the leaves judged on the neighbours, by rule name."""
        from aops_utils.trees.evaluate import evaluate_tree  # it imports this module

        return evaluate_tree(self, evidence, neighbours or {})

    def to_json(self) -> dict[str, Any]:
        """The tree in the 21.09 layout: `value` null, branches with description and advice
        ("" if absent), leaves with `msg` "" and description/advice only if given."""
        built: list[dict[str, Any]] = [{} for _ in self.names]
        for i in reversed(range(len(self.names))):
            built[i] = node_json(
                self.names[i],
                self.check_item_of[i],
                self.conditions[i],
                self.texts[i],
                [built[k] for k in self.children[i]],
                on_neighbours=self.on_neighbours[i],
            )
        return built[0]


def node_json(
    name: str,
    item: str | None,
    condition: str,
    texts: Mapping[str, str],
    children: list[dict[str, Any]],
    *,
    on_neighbours: bool = False,
) -> dict[str, Any]:
    """One node in the 21.09 layout (see Tree.to_json); a leaf when `item` is not None, with
    its scope only when it is the neighbours (a 21.09 tree reads back as it was)."""
    if item is not None:
        scope = {SCOPE: NEIGHBOURS} if on_neighbours else {}
        return {NAME: name, "value": None, CHECK_ITEM: item, "msg": "", **texts, **scope}
    return {
        NAME: name,
        "value": None,
        CONDITION: condition,
        **{key: texts.get(key, "") for key in TEXT_KEYS},
        CHILDREN: children,
    }


def parse_tree(tree_json: Any, known_check_items: set[str] | None = None) -> Tree:
    """Parse and validate a tree; TreeError names the first faulty node (document order).

    With `known_check_items` (the user's rule names), a leaf naming any other rule is refused.
    """
    if not isinstance(tree_json, dict):
        raise TreeError(f"a tree must be a JSON object, not {_kind(tree_json)}")
    tree = Tree()
    depths: list[int] = []
    # Depth-first in document order; the stack holds (node JSON, parent index, position).
    stack: list[tuple[Any, int, int]] = [(tree_json, -1, 0)]
    while stack:
        raw, parent, position = stack.pop()
        index = len(tree.names)
        depth = depths[parent] + 1 if parent >= 0 else 0
        if depth > MAX_DEPTH:
            raise TreeError(f"the tree is nested more than {MAX_DEPTH:,} levels deep")
        tree.depth = max(tree.depth, depth)
        depths.append(depth)
        name = raw.get(NAME) if isinstance(raw, dict) else None
        # An unnamed node is called by its place in a path: children[2], or (root).
        label = f"children[{position}]" if parent >= 0 else "(root)"
        tree.names.append(name if isinstance(name, str) and name.strip() else label)
        tree.parents.append(parent)
        if not isinstance(raw, dict):
            raise TreeError(f"a node must be a JSON object, not {_kind(raw)}", path=tree.path(index))
        _check_name(tree, index, name)
        kids = _check_node(tree, index, raw)
        if index + 1 + len(stack) + len(kids) > MAX_NODES:
            raise TreeError(f"the tree has more than {MAX_NODES:,} nodes")
        for position in range(len(kids) - 1, -1, -1):
            stack.append((kids[position], index, position))
    _link(tree, known_check_items)
    return tree


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _check_name(tree: Tree, index: int, name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise TreeError("a node needs a non-empty string 'node name'", path=tree.path(index), key=NAME)
    if index > 0 and not is_name(name):
        raise TreeError(
            f"'{name}' cannot be written in a condition (no surrounding spaces, and no '&&', '||', "
            "'!', '(' or ')')",
            path=tree.path(index),
            key=NAME,
        )


def _check_node(tree: Tree, index: int, raw: dict[str, Any]) -> list[Any]:
    """Checks of one node on its own; records it and returns its children's JSON."""
    texts: dict[str, str] = {}
    for key in TEXT_KEYS:
        if key in raw:
            if not isinstance(raw[key], str):
                raise TreeError(f"must be a string, not {_kind(raw[key])}", path=tree.path(index), key=key)
            texts[key] = raw[key]
    tree.texts.append(texts)
    kids = raw.get(CHILDREN)
    if kids is not None and not isinstance(kids, list):
        raise TreeError(f"must be a list of nodes, not {_kind(kids)}", path=tree.path(index), key=CHILDREN)
    condition = raw.get(CONDITION)
    if condition is not None and not isinstance(condition, str):
        raise TreeError(f"must be a string, not {_kind(condition)}", path=tree.path(index), key=CONDITION)
    if CHECK_ITEM not in raw:
        if not kids:
            raise TreeError(
                "a branch needs children (or, to be a leaf, a 'check item')",
                path=tree.path(index),
                key=CHILDREN,
            )
        if condition is None or not condition.strip():
            raise TreeError(
                "a branch needs a condition over its children's names", path=tree.path(index), key=CONDITION
            )
        if SCOPE in raw:
            raise TreeError(
                "only a leaf (a node with a check item) has a scope", path=tree.path(index), key=SCOPE
            )
        tree.check_item_of.append(None)
        tree.on_neighbours.append(False)
        tree.conditions.append(condition)
        return kids
    return _check_leaf(tree, index, raw, kids, condition)


def _check_leaf(tree: Tree, index: int, raw: dict[str, Any], kids: Any, condition: str | None) -> list[Any]:
    """A leaf's own checks (rule name, no children or condition, scope); records it."""
    item = raw[CHECK_ITEM]
    if index == 0:
        raise TreeError(
            "the root must be a branch (children and a condition), not a leaf", path=tree.path(index)
        )
    if not isinstance(item, str) or not item.strip():
        raise TreeError("a leaf needs a non-empty string rule name", path=tree.path(index), key=CHECK_ITEM)
    if kids:
        raise TreeError(
            "a leaf (it has a check item) cannot have children", path=tree.path(index), key=CHILDREN
        )
    if condition and condition.strip():
        raise TreeError(
            "a leaf (it has a check item) cannot have a condition", path=tree.path(index), key=CONDITION
        )
    scope = raw.get(SCOPE, HOST)
    if scope not in (HOST, NEIGHBOURS):
        raise TreeError(
            f"must be '{HOST}' (the default) or '{NEIGHBOURS}', not {scope!r}",
            path=tree.path(index),
            key=SCOPE,
        )
    tree.check_item_of.append(item)
    tree.on_neighbours.append(scope == NEIGHBOURS)
    tree.conditions.append("")
    return []


def _link(tree: Tree, known: set[str] | None) -> None:
    """Children lists, sibling names, conditions bound to children, known rule names."""
    kids_of: list[list[int]] = [[] for _ in tree.names]
    for index, parent in enumerate(tree.parents):
        if parent >= 0:
            kids_of[parent].append(index)
    tree.children = [tuple(kids) for kids in kids_of]
    unknown_items: list[int] = []
    for index, kids in enumerate(tree.children):
        item = tree.check_item_of[index]
        if item is not None:
            tree.programs.append(())
            if known is not None and item not in known:
                unknown_items.append(index)
            continue
        names = [tree.names[k] for k in kids]
        seen: dict[str, int] = {}
        for position, name in enumerate(names):
            if name in seen:
                raise TreeError(
                    f"children[{seen[name]}] and children[{position}] are both named '{name}'; "
                    "sibling names must be unique",
                    path=tree.path(index),
                    key=CHILDREN,
                )
            seen[name] = position
        try:
            condition = parse_condition(tree.conditions[index])
            tree.programs.append(condition.bind(names))
        except ConditionError as exc:
            raise exc.at(tree.path(index)) from None
        mentioned = set(condition.names)
        silent = [name for name in names if name not in mentioned]
        if silent:
            where = " > ".join(tree.path(index))
            tree.warnings.extend(
                f"{where}: child '{name}' is not mentioned in the condition" for name in silent
            )
    if unknown_items:
        first = unknown_items[0]
        others = len(unknown_items) - 1
        more = ""
        if others:
            more = " (1 more leaf names an unknown rule)"
            if others > 1:
                more = f" ({others} more leaves name unknown rules)"
        raise TreeError(
            f"'{tree.check_item_of[first]}' is not a check rule of this user{more}",
            path=tree.path(first),
            key=CHECK_ITEM,
        )
