"""Route table rows of configuration tracing's drift records (see test_routes.py)."""

from __future__ import annotations

import json
from typing import Any

from tests.aops_database.route_world import Reply
from tests.aops_database.route_world import Route
from tests.aops_database.route_world import World
from tests.aops_database.route_world import new_id
from tests.aops_database.route_world import refused


def drift(w: World, domain: str) -> Reply:
    report = json.dumps({"/etc/a.conf": {"status": "NOT SYNCHRONIZE"}})
    return {"domain": domain, "username": w.owner[0], "checked_at": 1700000000.0, "report": report}


def saved(w: World) -> str:
    """A domain of the owner's with a kept check; its name."""
    domain = f"d{new_id()[:10]}"
    w.service("/data/config/drift/save", drift(w, domain))  # as the drift check saves: for the user
    return domain


def kept(w: World, domain: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = w.ok("/data/config/drift/get", {"domains": [domain]})["drifts"]
    return found


ROUTES = [
    Route(
        "/data/config/drift/save",
        lambda w: drift(w, f"d{new_id()[:10]}"),
        lambda w, r, b: [d["report"] for d in kept(w, b["domain"])] == [b["report"]],
        {"domain": "../x", "username": "u", "checked_at": 0, "report": ""},
        "domain",
        # The other user's own token is refused, and the owner's record (none yet) stays absent.
        lambda w, r, b: refused(w, r, b) and kept(w, b["domain"]) == [],
    ),
    Route(
        "/data/config/drift/get",
        lambda w: {"domains": [saved(w)]},
        lambda w, r, b: [d["domain"] for d in r["drifts"]] == b["domains"],
        {"domains": []},
        "domains",
        # Another user asking for the same domain name sees nothing of the owner's.
        lambda w, r, b: r["code"] == 200 and r["drifts"] == [],
    ),
    Route(
        "/data/config/drift/delete",
        lambda w: {"domains": [saved(w)]},
        lambda w, r, b: r["deleted"] == 1 and kept(w, b["domains"][0]) == [],
        {"domains": ["a/b"]},
        "domains.0",
        lambda w, r, b: refused(w, r, b) and len(kept(w, b["domains"][0])) == 1,
    ),
]
