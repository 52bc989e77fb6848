"""Turning an access token into the calling principal; shared by every service."""

from __future__ import annotations

from collections.abc import Callable

from flask import request

from aops_utils.auth import TokenCodec
from aops_utils.auth import TokenType
from aops_utils.errors import TokenError
from aops_utils.restful.routes import Authenticator
from aops_utils.restful.routes import Principal

ACTING_USER_HEADER = "X-Aops-User"


def token_authenticator(
    codec: TokenCodec, session_alive: Callable[[str], bool] | None = None
) -> Authenticator:
    """Check signature and expiry; `session_alive` (the data center's) also checks revocation.

    Services that forward every call to the data center pass no `session_alive`: the data
    center checks the same token on that call, so a revoked token fails without a round trip.
    """

    def authenticate(token: str) -> Principal:
        claims = codec.decode(token)
        if claims.type is TokenType.SERVICE:
            # A service acts for the user whose request it serves, named in a header.
            acting = request.headers.get(ACTING_USER_HEADER, "")
            return Principal(acting, token, claims.token_id, service=claims.subject)
        if session_alive is not None and not session_alive(claims.token_id):
            raise TokenError("the session has ended (logged out or password changed); log in again")
        return Principal(claims.subject, token, claims.token_id, default_password=claims.default_password)

    return authenticate
