"""Route table rows of routes that behave alike (see test_routes.py): counting, listing and
deleting the owner's items, of which the other user counts, lists and deletes none.

`add` sets the owner's scene: it adds one item and returns its name (or id).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from tests.aops_database.route_world import Route
from tests.aops_database.route_world import World

Add = Callable[[World], str]


def counting(path: str, add: Add, key: str) -> Route:
    """The owner's `key` counts the one item added, the other user's none; a field the route does
    not know is refused."""

    def scene(w: World) -> None:
        add(w)

    return Route(path, scene, lambda w, r, b: r[key] == 1, {"x": 1}, "x", lambda w, r, b: r[key] == 0)


def listing(
    path: str,
    add: Add,
    rows: str,
    key: str,
    bad: Any,
    field: str,
    *,
    asked: str = "",
    names: Sequence[str] = (),
) -> Route:
    """The owner's answer lists under `rows`, by their `key`, what was added: the body asks under
    `asked` for the item added, or, without `asked`, is empty and the owner's whole listing is
    `names`. The other user's answer to the same body lists nothing."""

    def scene(w: World) -> dict[str, list[str]]:
        added = add(w)
        return {asked: [added]} if asked else {}

    def listed(w: World, reply: dict[str, Any], body: Any) -> bool:
        return [row[key] for row in reply[rows]] == (body[asked] if asked else list(names))

    return Route(path, scene, listed, bad, field, lambda w, r, b: r[rows] == [])


def deleting(
    path: str, asked: str, add: Add, owned: Callable[[World], list[str]], bad: Any, field: str
) -> Route:
    """The body asks under `asked` for the item added: the owner's answer lists it as deleted and
    the owner has no item left (`owned`); the other user's deletes none, and the owner's item stays."""
    return Route(
        path,
        lambda w: {asked: [add(w)]},
        lambda w, r, b: r["deleted"] == b[asked] and owned(w) == [],
        bad,
        field,
        lambda w, r, b: r["deleted"] == [] and owned(w) == b[asked],
    )
