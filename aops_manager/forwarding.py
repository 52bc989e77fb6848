"""Calls to the data center on behalf of a request, through the manager's read cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import TypeVar
from typing import cast

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
from aops_utils.restful.routes import Encoded
from aops_utils.restful.routes import RouteMaker
from aops_utils.restful.routes import encoded
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
    return _kept(route, ctx, "", lambda reply: reply)


def read_encoded(route: Route, ctx: RequestContext[Any]) -> Encoded:
    """read() of a listing passed on as it is: kept as the bytes of the answer, so that the same
    question again is sent without encoding it again (a tenth of a cached answer's CPU)."""
    return _kept(route, ctx, "encoded:", lambda reply: encoded(reply_of(reply)))


def _kept(route: Route, ctx: RequestContext[Any], form: str, make: Callable[[Envelope], T]) -> T:
    """make() of the data center's answer, or what it made for this question before."""
    principal = ctx.caller
    cache = manager().cache
    # The validated body in its model's field order: the same question whatever the order of
    # the keys sent, and dumped as JSON by pydantic's core at a third of model_dump + orjson.
    key = form + route.__name__ + (ctx.body.model_dump_json() if ctx.body is not None else "{}")
    if principal.service is None and cache.session_confirmed(principal.token_id):
        cached = cache.answer(principal.username, key)
        if cached is not None:
            # Kept under a key of this form: what make() made.
            return cast(T, cached)
    generation = cache.generation
    answer = make(call(principal, lambda: route(ctx.body, principal)))
    if principal.service is None:
        cache.keep_answer(principal.username, key, answer, generation)
    return answer


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
        def handler(ctx: RequestContext[Any]) -> Encoded:
            return read_encoded(route.bind(self._source()), ctx)

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
