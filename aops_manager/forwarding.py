"""Calls to the data center on behalf of a request, through the manager's read cache."""

from __future__ import annotations

from typing import Any

import orjson

from aops_manager.app import manager
from aops_utils.codes import Code
from aops_utils.errors import AopsError
from aops_utils.restful import Principal, RequestContext


def call(method: str, path: str, body: dict[str, Any], principal: Principal | None) -> dict[str, Any]:
    """Forward with the caller's token; a session the data center refuses leaves the cache."""
    cache = manager().cache
    try:
        reply = manager().data_center.call(method, path, body, principal=principal)
    except AopsError as exc:
        if exc.code is Code.TOKEN_ERROR and principal is not None:
            cache.end_session(principal.token_id)
        raise
    if principal is not None and principal.service is None:
        # The data center just checked this session: later reads may trust it for a while.
        cache.confirm_session(principal.token_id, principal.username)
    return reply


def _body(ctx: RequestContext[Any]) -> dict[str, Any]:
    return ctx.body.model_dump() if ctx.body is not None else {}


def read(path: str, ctx: RequestContext[Any]) -> dict[str, Any]:
    """A listing: served from the cache when this session and this exact question are known."""
    principal = ctx.principal
    assert principal is not None
    body = _body(ctx)
    cache = manager().cache
    key = path + orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode()
    if principal.service is None and cache.session_confirmed(principal.token_id):
        cached = cache.answer(principal.username, key)
        if cached is not None:
            return cached
    generation = cache.generation
    reply = call("POST", path, body, principal)
    if principal.service is None:
        cache.keep_answer(principal.username, key, reply, generation)
    return reply


def write(
    path: str, ctx: RequestContext[Any], method: str = "POST", body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A change of the user's data: their cached answers are dropped, even if the call fails."""
    principal = ctx.principal
    assert principal is not None
    try:
        return call(method, path, _body(ctx) if body is None else body, principal)
    finally:
        manager().cache.forget_user(principal.username)
