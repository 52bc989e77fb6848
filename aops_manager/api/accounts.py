"""Account routes: login, logout, password change and the vault-key certificate."""

from __future__ import annotations

from typing import Any

from aops_manager import service
from aops_manager.api import api
from aops_manager.app import manager
from aops_manager.forwarding import call
from aops_manager.schemas import CertificateBody
from aops_manager.schemas import ChangePasswordBody
from aops_manager.schemas import LoginBody
from aops_utils.audit import Event
from aops_utils.codes import Code
from aops_utils.errors import AopsError
from aops_utils.restful import Access
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext
from aops_utils.restful import auditing


@api.route("/manage/account/login", body=LoginBody, access=Access.PUBLIC)
def login(ctx: RequestContext[LoginBody]) -> Reply:
    """Log in; answers 1204 (with a token) while the default password is still in use."""
    reply = manager().data_center.login(ctx.body.username, ctx.body.password, ctx.address)
    return Reply(Code(reply["code"]), {"access_token": reply["access_token"]})


@api.route(
    "/manage/account/logout", aliases=("/manage/logout",), access=Access.OPTIONAL, default_password_ok=True
)
def logout(ctx: RequestContext[None]) -> dict[str, Any]:
    """End this session; the token stops working at once.

    Without a valid session (no token, an expired or unknown one) there is nothing left to end,
    and the answer is success: the 21.09 web logs out that way.
    """
    principal = ctx.principal
    if principal is None:
        return {}
    manager().cache.end_session(principal.token_id)
    # The key goes with the session: a logout leaves nothing of the user's usable in memory.
    service.drop_key(manager(), principal.username, "logout")
    auditing.record(Event.LOGOUT, user=principal.username)
    try:
        call(principal, lambda: manager().data_center.logout(principal))
    except AopsError as exc:
        # Signed and unexpired, but the data center has already ended it.
        if exc.code is not Code.TOKEN_ERROR:
            raise
    manager().cache.end_session(principal.token_id)
    return {}


@api.route("/manage/account/change", body=ChangePasswordBody, default_password_ok=True)
def change_password(ctx: RequestContext[ChangePasswordBody]) -> dict[str, Any]:
    """Change the password; all sessions end. `old_password` may be left out (as in 21.09) only
    within a few minutes of logging in."""
    principal = ctx.caller
    try:
        call(principal, lambda: manager().data_center.change_password(ctx.body, principal))
    except AopsError as exc:
        auditing.record(
            Event.PASSWORD_CHANGE_REFUSED, user=ctx.username, code=int(exc.code), reason=exc.detail
        )
        raise
    finally:
        manager().cache.end_sessions_of(ctx.username)
    auditing.record(Event.PASSWORD_CHANGED, user=ctx.username)
    service.drop_key(manager(), ctx.username, "password changed")
    return {}


@api.route("/manage/account/certificate", body=CertificateBody)
def certificate(ctx: RequestContext[CertificateBody]) -> dict[str, Any]:
    """Check the vault key against the user's stored credentials and keep it in memory."""
    service.certify(manager(), ctx.caller, ctx.body.key)
    return {}
