"""Syntax tree of a condition; every node keeps the character position it came from.

Nodes compare by identity (eq=False) so analysis results can be keyed by node.
`depth` is the height of the subtree; the parser bounds it so later passes may recurse safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar
from typing import dataclass_transform

Scalar = float | str | bool | None
NodeT = TypeVar("NodeT")


@dataclass_transform(eq_default=False, frozen_default=True)
def _node(cls: type[NodeT]) -> type[NodeT]:
    """A node class, as the module's docstring says: frozen, slotted, compared by identity."""
    return dataclass(frozen=True, slots=True, eq=False)(cls)


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class _Node:
    """What every node keeps: where its text stands and the height of its subtree (1 for a
    leaf). Keyword-only, so that a node is built with its own fields first."""

    pos: int
    depth: int = 1


@_node
class Literal(_Node):
    """A number (always float), string, boolean or null."""

    value: Scalar


@_node
class Name(_Node):
    """An identifier; only macros `$0..$n` are valid, which analysis checks."""

    name: str


@dataclass(frozen=True, slots=True, eq=False, kw_only=True)
class Filter(_Node):
    """A function argument that picks samples instead of being a value; `text` as written."""

    text: str


@_node
class TimeFilter(Filter):
    """`30s`, `5m`, `1h`: a window in seconds."""

    seconds: float


@_node
class CountFilter(Filter):
    """`#N`: N samples."""

    count: int


@_node
class Unary(_Node):
    op: str
    operand: Node


@_node
class Binary(_Node):
    """`pos` is the operator's position."""

    op: str
    left: Node
    right: Node


@_node
class Ternary(_Node):
    """`pos` is the position of the '?'."""

    condition: Node
    then: Node
    otherwise: Node


@_node
class DictLiteral(_Node):
    """`{k: v, ...}`; keys and values are Name or Literal nodes (no expressions)."""

    items: tuple[tuple[Node, Node], ...]


@_node
class Call(_Node):
    """`f(args)` (target None) or `$i.f(args)` (target is the Name before the dot); `pos` is the
    function name's position."""

    function: str
    target: Name | None
    args: tuple[Node, ...]


Node = Literal | Name | TimeFilter | CountFilter | Unary | Binary | Ternary | DictLiteral | Call


def children(node: Node) -> tuple[Node, ...]:
    """Direct sub-nodes, in evaluation order."""
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Ternary):
        return (node.condition, node.then, node.otherwise)
    if isinstance(node, DictLiteral):
        return tuple(part for item in node.items for part in item)
    if isinstance(node, Call):
        return ((node.target,) if node.target else ()) + node.args
    return ()


def start_of(node: Node) -> int:
    """Position of the first character of an expression (operators store their own position)."""
    while True:
        if isinstance(node, Binary):
            node = node.left
        elif isinstance(node, Ternary):
            node = node.condition
        elif isinstance(node, Call) and node.target is not None:
            return node.target.pos
        else:
            return node.pos
