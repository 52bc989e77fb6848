"""Calls to the data center on behalf of a request, through the manager's read cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar

import orjson

from aops_manager.app import manager
from aops_utils.clients import forward
from aops_utils.clients import reply_of
from aops_utils.codes import Code
from aops_utils.data_center import DataCenter
from aops_utils.data_center import Envelope
from aops_utils.data_center import Relay
from aops_utils.errors import AopsError
from aops_utils.restful import Principal
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext
from aops_utils.restful.routes import Declaration
from aops_utils.restful.routes import RouteMaker
from aops_utils.restful.validation import Body

T = TypeVar("T")
# A data-center route relayed for a request: a DataCenter method taking the body and who acts.
Route = Callable[[Any, Principal], Envelope]


def call(principal: Principal, send: Callable[[], T]) -> T:
    """Run a call made for the caller's session; a session the data center refuses leaves the cache."""
    cache = manager().cache
    try:
        reply = send()
    except AopsError as exc:
        if exc.code is Code.TOKEN_ERROR:
            cache.end_session(principal.token_id)
        raise
    if principal.service is None:
        # The data center just checked this session: later reads may trust it for a while.
        cache.confirm_session(principal.token_id, principal.username)
    return reply


def read(route: Route, ctx: RequestContext[Any]) -> Envelope:
    """A listing: served from the cache when this session and this exact question are known."""
    principal = ctx.caller
    body = ctx.body.model_dump() if ctx.body is not None else {}
    cache = manager().cache
    key = route.__name__ + orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode()
    if principal.service is None and cache.session_confirmed(principal.token_id):
        cached = cache.answer(principal.username, key)
        if cached is not None:
            return cached
    generation = cache.generation
    reply = call(principal, lambda: route(ctx.body, principal))
    if principal.service is None:
        cache.keep_answer(principal.username, key, reply, generation)
    return reply


def write(principal: Principal, send: Callable[[], T]) -> T:
    """A change of the user's data: their cached answers are dropped, even if the call fails."""
    try:
        return call(principal, send)
    finally:
        manager().cache.forget_user(principal.username)


class CachedRelays(RouteMaker[DataCenter]):
    """The manager's routes that the data center answers, through the read cache: a listing is
    answered from it when this session asked the same (`read`); a change drops the user's
    cached answers (`change`). Declared as Relays declares them, the method the data center's."""

    def read(self, path: str, body: type[Body] | None, route: Relay[Any]) -> Declaration:
        def handler(ctx: RequestContext[Any]) -> Reply:
            return reply_of(read(route.bind(self._source()), ctx))

        return self._api.declared(path, handler, methods=(route.method,), body=body)

    def change(self, path: str, body: type[Body] | None, route: Relay[Any]) -> Declaration:
        def handler(ctx: RequestContext[Any]) -> Reply:
            return forward(changes(route.bind(self._source())), ctx.body, ctx)

        return self._api.declared(path, handler, methods=(route.method,), body=body)


def changes(route: Route) -> Route:
    """The route as a change of the user's data, for `forward`: their cached answers are dropped."""

    def send(body: Any, principal: Principal) -> Envelope:
        return write(principal, lambda: route(body, principal))

    return send
