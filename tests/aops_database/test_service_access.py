"""The data center serves the services only: a user's own token, a service token for another
service, an expired or too long-lived one, a forged acting user or an ended session are refused on
every route; the acting user comes from the signed claims; no route administers accounts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from unittest import mock

import pytest

from aops_database.api import api
from aops_utils.restful import Access
from tests.suite import Suite
from tests.suite import data_call

# Every path the data center answers (aliases too), with the method it takes.
EVERY_ROUTE = sorted(
    (path, endpoint.methods[0]) for endpoint in api.endpoints for path in (endpoint.path, *endpoint.aliases)
)
# Routes for a service acting for a user; logout and password change also need the user's session.
SESSION_ROUTES = {"/data/account/logout", "/data/account/change", "/data/acount/change"}
USER_ROUTES = [
    (path, endpoint.methods[0])
    for endpoint in api.endpoints
    if endpoint.access is Access.USER
    for path in (endpoint.path, *endpoint.aliases)
    if path not in SESSION_ROUTES
]


def refusals(
    suite: Suite, token: str, routes: list[tuple[str, str]]
) -> Iterator[tuple[str, int, dict[str, object]]]:
    for path, method in routes:
        status, reply = data_call(suite, path, {}, token=token, method=method, as_is=True, timeout=30)
        yield path, status, reply


def refused_everywhere(suite: Suite, token: str, status: int, detail: str) -> None:
    """Every route answers `token` with `status` and code 1201, in words that contain `detail`."""
    for path, got, reply in refusals(suite, token, EVERY_ROUTE):
        assert (got, reply["code"]) == (status, 1201), (path, reply)
        assert detail in str(reply["detail"]), (path, reply)


def test_a_users_own_token_is_refused_on_every_route_with_403_naming_why(suite: Suite, token: str) -> None:
    assert len(EVERY_ROUTE) >= 48
    refused_everywhere(suite, token, 403, "serves A-Ops services only")


@pytest.mark.parametrize("audience", ["aops-manager", "adoctor-check-scheduler", ""])
def test_a_service_token_for_another_service_is_refused_on_every_route(
    suite: Suite, user: tuple[str, str], audience: str
) -> None:
    refused_everywhere(suite, suite.service_token(user[0], audience=audience), 401, "not aops-database")


def test_an_expired_service_token_is_refused_on_every_route(suite: Suite, user: tuple[str, str]) -> None:
    expired = suite.service_token(user[0], ttl=-1)
    refused_everywhere(suite, expired, 401, "service token of tests has expired")


def test_a_service_token_living_longer_than_service_token_ttl_is_refused(
    suite: Suite, user: tuple[str, str]
) -> None:
    # The suite runs with the default [auth] service_token_ttl of 300 s.
    assert data_call(suite, "/data/host/count", token=suite.service_token(user[0], ttl=300))[0] == 200
    long_lived = suite.service_token(user[0], ttl=301)
    refused_everywhere(suite, long_lived, 401, "service_token_ttl")


def test_a_service_token_issued_in_the_future_is_refused(suite: Suite, user: tuple[str, str]) -> None:
    # Issued by a host whose clock runs an hour ahead: its 300 s would start in an hour.
    with mock.patch("aops_utils.auth.time.time", return_value=time.time() + 3600):
        ahead = suite.service_token(user[0])
    status, reply = data_call(suite, "/data/host/count", token=ahead)
    assert (status, reply["code"]) == (401, 1201) and "in the future" in str(reply["detail"]), reply


def test_the_acting_user_is_the_signed_one_and_a_header_cannot_swap_it(suite: Suite) -> None:
    owner, owner_token = suite.add_user()
    stranger, _ = suite.add_user()
    suite.add_host(owner_token)
    for_stranger = suite.service_token(stranger)
    # The 21.09-era header naming the acting user is ignored: the token says whom it acts for.
    status, reply = data_call(suite, "/data/host/count", token=for_stranger, headers={"X-Aops-User": owner})
    assert (status, reply["host_count"]) == (200, 0), reply
    assert data_call(suite, "/data/host/count", token=suite.service_token(owner))[1]["host_count"] == 1
    # Rewriting the signed claims breaks the signature.
    payload, _, signature = for_stranger.partition(".")
    swapped = suite.service_token(owner).partition(".")[0] + "." + signature
    status, reply = data_call(suite, "/data/host/count", token=swapped)
    assert (status, reply["code"]) == (401, 1201) and "signature" in str(reply["detail"]), reply
    assert payload != swapped.partition(".")[0]


def test_a_service_token_naming_another_users_session_is_refused(suite: Suite) -> None:
    owner, _ = suite.add_user()
    _, stranger_token = suite.add_user()
    stranger_session = suite.codec().decode(stranger_token).token_id
    status, reply = data_call(suite, "/data/host/count", token=suite.service_token(owner, stranger_session))
    assert (status, reply["code"]) == (401, 1201), reply
    status, reply = data_call(suite, "/data/host/count", token=suite.service_token("", stranger_session))
    assert (status, reply["code"]) == (401, 1201) and "no user" in str(reply["detail"]), reply


def test_an_ended_session_is_refused_at_once_on_every_route(suite: Suite, user: tuple[str, str]) -> None:
    acting = suite.session_token(user[1])
    assert data_call(suite, "/data/account/verify", token=acting)[1]["username"] == user[0]
    assert data_call(suite, "/data/account/logout", token=acting)[0] == 200
    refused_everywhere(suite, acting, 401, "session has ended")


def test_logout_and_password_change_need_the_users_own_session(suite: Suite) -> None:
    name, token = suite.add_user(password="Passw0rd!")
    without_session = suite.service_token(name)
    for path, body in (("/data/account/change", {"password": "Taken-over1"}), ("/data/account/logout", {})):
        status, reply = data_call(suite, path, body, token=without_session)
        assert (status, reply["code"]) == (403, 1201), (path, reply)
        assert "names no session" in str(reply["detail"]), reply
    # Nothing happened: the password and the session are the user's still.
    assert suite.call("POST", "/manage/host/count", token=token)[1]["code"] == 200
    login = {"username": name, "password": "Passw0rd!"}
    assert suite.call("POST", "/manage/account/login", login)[1]["code"] == 200


@pytest.mark.parametrize("path", ["/data/account/add", "/data/acount/add", "/data/account/delete"])
def test_no_route_administers_accounts(suite: Suite, path: str) -> None:
    body = {"username": "intruder", "password": "Passw0rd!"}
    status, reply = data_call(suite, path, body, token=suite.service_token())
    assert (status, reply["code"]) == (404, 1000), reply
    assert "/data/account/add" not in {endpoint.path for endpoint in api.endpoints}
    login = {"username": "intruder", "password": "Passw0rd!"}
    assert suite.call("POST", "/manage/account/login", login)[1]["code"] == 1200


def test_a_service_acting_for_a_user_reaches_every_user_route(suite: Suite, user: tuple[str, str]) -> None:
    """The other side of the refusals: the same routes answer a service acting for the user (a
    4xx for an empty body is the route's own validation, never the token's)."""
    acting = suite.service_token(user[0])
    for path, status, reply in refusals(suite, acting, USER_ROUTES):
        assert reply["code"] != 1201 and status < 500, (path, reply)
