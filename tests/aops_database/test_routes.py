"""Every data-center route over HTTP: a user's own token refused, one success, one bad input (a 4xx
naming the field, never a 5xx), and one attempt on another user's data (not visible, not changed).

The table (route_table_*.py) must list every route of the app's registry and of its OpenAPI
document: a new route fails `test_every_route_is_in_the_table` until it has a row there.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from aops_database.api import api
from aops_utils.codes import LABELS
from aops_utils.restful import Access
from tests.aops_database import route_table_checks
from tests.aops_database import route_table_configs
from tests.aops_database import route_table_deploy
from tests.aops_database import route_table_hosts
from tests.aops_database import route_table_runs
from tests.aops_database.route_world import Reply
from tests.aops_database.route_world import Route
from tests.aops_database.route_world import World
from tests.suite import Suite
from tests.suite import data_call

ROUTES = [
    *route_table_checks.ROUTES,
    *route_table_hosts.ROUTES,
    *route_table_deploy.ROUTES,
    *route_table_runs.ROUTES,
    *route_table_configs.ROUTES,
]
BY_PATH = {route.path: route for route in ROUTES}
ENDPOINTS = {endpoint.path: endpoint for endpoint in api.endpoints}


def test_every_route_is_in_the_table(suite: Suite) -> None:
    assert len(BY_PATH) == len(ROUTES), "a route is in the table twice"
    assert sorted(BY_PATH) == sorted(ENDPOINTS)
    document = requests.get(f"{suite.database_url}/openapi.json", timeout=30).json()
    aliases = {alias for endpoint in api.endpoints for alias in endpoint.aliases}
    assert sorted(set(document["paths"]) - aliases) == sorted(BY_PATH)


def _as_other(w: World, route: Route, body: Any) -> tuple[int, Reply]:
    endpoint = ENDPOINTS[route.path]
    # A service-wide route has no user to keep apart: the other user tries with their own token.
    # Elsewhere a service acts for the other user, as the manager does for their requests.
    own = endpoint.access is Access.SERVICE
    return data_call(w.suite, route.path, body, token=w.other[1], method=endpoint.methods[0], as_is=own)


def _as_owner(w: World, route: Route, body: Any) -> tuple[int, Reply]:
    endpoint = ENDPOINTS[route.path]
    method = endpoint.methods[0]
    if endpoint.access is Access.SERVICE:
        return data_call(w.suite, route.path, body, token=w.suite.service_token(w.owner[0]), method=method)
    return w.owner_call(route.path, body, method)


@pytest.mark.parametrize("path", sorted(BY_PATH))
def test_a_route_succeeds_refuses_bad_input_and_keeps_users_apart(suite: Suite, path: str) -> None:
    route = BY_PATH[path]
    w = World(suite, suite.add_user(), suite.add_user())
    body = route.scene(w)

    status, reply = _as_other(w, route, body)
    # A batch whose every item failed answers its 21.09 code with a 4xx; a 5xx is never right.
    assert status < 500, reply
    assert reply["code"] != 500 and "Traceback" not in str(reply), reply
    assert route.other(w, reply, body), ("another user", reply)
    if ENDPOINTS[path].access is Access.SERVICE:
        assert status == 403, reply

    # The owner's own token, with the very body that succeeds below: refused before anything is
    # read, whatever the route (the success check then sees the data as the scene left it).
    status, reply = data_call(
        w.suite, path, body, token=w.owner[1], method=ENDPOINTS[path].methods[0], as_is=True
    )
    assert (status, reply["code"]) == (403, 1201), reply
    assert "services only" in reply["detail"], reply

    # Bad input before the success: a logout or a password change ends the owner's session.
    status, reply = _as_owner(w, route, route.bad)
    assert 400 <= status < 500 and reply["code"] in LABELS, reply
    assert route.field in (reply.get("field", ""), *(e["field"] for e in reply.get("errors", []))), reply

    status, reply = _as_owner(w, route, body)
    assert status == 200 and reply["code"] in (200, 1204), reply
    assert route.ok(w, reply, body), ("success", reply)
