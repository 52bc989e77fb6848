"""Account routes: login (for the manager), logout, password change, session check, users."""

from __future__ import annotations

from typing import Any

from aops_database.api import api
from aops_database.app import center
from aops_utils.codes import Code
from aops_utils.contracts.data_center.hosts import AddUserBody
from aops_utils.contracts.data_center.hosts import ChangePasswordBody
from aops_utils.contracts.data_center.hosts import LoginBody
from aops_utils.restful import Access
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext


@api.route("/data/account/login", body=LoginBody, access=Access.SERVICE)
def login(ctx: RequestContext[LoginBody]) -> Reply:
    """Check a password and open a session; 1204 while the default password is in use."""
    body = ctx.body
    # The manager passes on its client's address; a caller that sends none counts as its own.
    result = center().accounts.login(body.username, body.password, body.address or ctx.address)
    code = Code.CHANGE_PASSWORD if result.default_password else Code.SUCCEED
    return Reply(code, {"access_token": result.token})


@api.route("/data/account/logout", default_password_ok=True)
def logout(ctx: RequestContext[None]) -> dict[str, Any]:
    """End the caller's session: its token stops working at once."""
    assert ctx.principal is not None
    center().accounts.logout(ctx.principal.token_id, ctx.username, ctx.address)
    return {}


@api.route(
    "/data/account/change",
    body=ChangePasswordBody,
    aliases=("/data/acount/change",),
    default_password_ok=True,
)
def change_password(ctx: RequestContext[ChangePasswordBody]) -> dict[str, Any]:
    """Change the caller's password and end all of the user's sessions; the old password is
    needed unless the caller's session is a few minutes young."""
    assert ctx.principal is not None
    center().accounts.change_password(
        ctx.username,
        ctx.body.password,
        ctx.body.old_password,
        session_id=ctx.principal.token_id,
        address=ctx.address,
    )
    return {}


@api.route("/data/account/verify")
def verify(ctx: RequestContext[None]) -> dict[str, Any]:
    """Tell whether the caller's token is live, and whose it is."""
    return {"username": ctx.username}


@api.route("/data/account/add", body=AddUserBody, access=Access.SERVICE)
def add_user(ctx: RequestContext[AddUserBody]) -> dict[str, Any]:
    """Create a user (administration; there is no self-registration)."""
    center().accounts.add_user(ctx.body.username, ctx.body.password)
    return {}
