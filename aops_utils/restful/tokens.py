"""Turning an access token into the calling principal; shared by every service."""

from __future__ import annotations

import time
from collections.abc import Callable

from aops_utils.auth import CLOCK_SKEW
from aops_utils.auth import Claims
from aops_utils.auth import TokenCodec
from aops_utils.auth import TokenType
from aops_utils.codes import Code
from aops_utils.errors import AopsError
from aops_utils.errors import TokenError
from aops_utils.restful.routes import Authenticator
from aops_utils.restful.routes import Principal

# (session id, username) -> whether that session of that user is still open.
SessionCheck = Callable[[str, str], bool]


def token_authenticator(codec: TokenCodec, audience: str, service_ttl: int) -> Authenticator:
    """A user-facing service's check: a user's token (signature and expiry; revocation is the
    data center's, checked on the call this service makes for it), or a service token for
    `audience`, this service."""

    def authenticate(token: str) -> Principal:
        claims = codec.decode(token)
        if claims.type is TokenType.SERVICE:
            return service_principal(claims, token, audience, service_ttl)
        return Principal(claims.subject, token, claims.token_id, default_password=claims.default_password)

    return authenticate


def service_authenticator(
    codec: TokenCodec, audience: str, service_ttl: int, session_alive: SessionCheck
) -> Authenticator:
    """The data center's check: service tokens only, and the user's session they name open.

    A user's token is refused (403) on every route, whatever the route's access: the user-facing
    checks (passwords hashed, rules compiled, trees validated) live in the services in front.
    """

    def authenticate(token: str) -> Principal:
        claims = codec.decode(token)
        if claims.type is not TokenType.SERVICE:
            raise AopsError(
                "the data center serves A-Ops services only, not a user's token: "
                "call the manager or the schedulers",
                code=Code.TOKEN_ERROR,
                http_status=403,
            )
        principal = service_principal(claims, token, audience, service_ttl)
        if claims.session and not session_alive(claims.session, claims.acting):
            raise TokenError("the session has ended (logged out or password changed); log in again")
        return principal

    return authenticate


def service_principal(claims: Claims, token: str, audience: str, service_ttl: int) -> Principal:
    """The user a service token acts for (its signed `act`), in their session (`sid`), if the
    token is meant for `audience` and short-lived as `[auth] service_token_ttl` says."""
    if claims.audience != audience:
        raise TokenError(f"the service token of {claims.subject} is for {claims.audience!r}, not {audience}")
    if claims.expires_at - claims.issued_at > service_ttl:
        raise TokenError(
            f"the service token of {claims.subject} lives longer than "
            f"[auth] service_token_ttl ({service_ttl} s)"
        )
    if claims.issued_at > time.time() + CLOCK_SKEW:
        raise TokenError(f"the service token of {claims.subject} is issued in the future; check the clocks")
    if claims.session and not claims.acting:
        raise TokenError("the service token names a session but no user")
    return Principal(claims.acting, token, claims.session, service=claims.subject)
