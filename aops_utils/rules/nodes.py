"""Syntax tree of a condition; every node keeps the character position it came from.

Nodes compare by identity (eq=False) so analysis results can be keyed by node.
`depth` is the height of the subtree; the parser bounds it so later passes may recurse safely.
"""

from __future__ import annotations

from dataclasses import dataclass

Scalar = float | str | bool | None


@dataclass(frozen=True, slots=True, eq=False)
class Literal:
    """A number (always float), string, boolean or null."""

    value: Scalar
    pos: int
    depth: int = 1


@dataclass(frozen=True, slots=True, eq=False)
class Name:
    """An identifier; only macros `$0..$n` are valid, which analysis checks."""

    name: str
    pos: int
    depth: int = 1


@dataclass(frozen=True, slots=True, eq=False)
class TimeFilter:
    """`30s`, `5m`, `1h` as a function argument: a window in seconds."""

    seconds: float
    text: str
    pos: int
    depth: int = 1


@dataclass(frozen=True, slots=True, eq=False)
class CountFilter:
    """`#N` as a function argument: N samples."""

    count: int
    text: str
    pos: int
    depth: int = 1


@dataclass(frozen=True, slots=True, eq=False)
class Unary:
    op: str
    operand: Node
    pos: int
    depth: int


@dataclass(frozen=True, slots=True, eq=False)
class Binary:
    op: str
    left: Node
    right: Node
    pos: int  # the operator's position
    depth: int


@dataclass(frozen=True, slots=True, eq=False)
class Ternary:
    condition: Node
    then: Node
    otherwise: Node
    pos: int  # the '?' position
    depth: int


@dataclass(frozen=True, slots=True, eq=False)
class DictLiteral:
    """`{k: v, ...}`; keys and values are Name or Literal nodes (no expressions)."""

    items: tuple[tuple[Node, Node], ...]
    pos: int
    depth: int


@dataclass(frozen=True, slots=True, eq=False)
class Call:
    """`f(args)` (target None) or `$i.f(args)` (target is the Name before the dot)."""

    function: str
    target: Name | None
    args: tuple[Node, ...]
    pos: int  # the function name's position
    depth: int


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
