"""Account routes for the manager: login, logout, password change, session check.

Users are administered only on the database host (`aops-database user ...`): no route creates,
lists or deletes them, so that no service token reaches account administration.
"""

from __future__ import annotations

from typing import Any

from aops_database.api import api
from aops_database.app import center
from aops_utils.codes import Code
from aops_utils.contracts.data_center.hosts import ChangePasswordBody
from aops_utils.contracts.data_center.hosts import LoginBody
from aops_utils.errors import AopsError
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


def _session(ctx: RequestContext[Any]) -> str:
    """The user's session the service acts in: only a user's own request may end it or change
    the password, never a service's work for the user."""
    session = ctx.caller.token_id
    if not session:
        raise AopsError(
            "only a user's own request may do this: the service token names no session",
            code=Code.TOKEN_ERROR,
            http_status=403,
        )
    return session


@api.route("/data/account/logout", default_password_ok=True)
def logout(ctx: RequestContext[None]) -> dict[str, Any]:
    """End the user's session: its token stops working at once."""
    center().accounts.logout(_session(ctx), ctx.username, ctx.address)
    return {}


@api.route(
    "/data/account/change",
    body=ChangePasswordBody,
    aliases=("/data/acount/change",),
    default_password_ok=True,
)
def change_password(ctx: RequestContext[ChangePasswordBody]) -> dict[str, Any]:
    """Change the user's password and end all of the user's sessions; the old password is
    needed unless the user's session is a few minutes young."""
    center().accounts.change_password(
        ctx.username,
        ctx.body.password,
        ctx.body.old_password,
        session_id=_session(ctx),
        address=ctx.address,
    )
    return {}


@api.route("/data/account/verify")
def verify(ctx: RequestContext[None]) -> dict[str, Any]:
    """Tell whether the user's session the service acts in is live, and whose it is."""
    return {"username": ctx.username}
