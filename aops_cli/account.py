"""Account commands: `login`, `logout`, the 21.09 `account` and `certificate`."""

from __future__ import annotations

from typing import Any

import click

from aops_cli.client import ApiError
from aops_cli.client import prog_name
from aops_cli.context import State
from aops_cli.context import get_state
from aops_cli.options import action_option
from aops_cli.options import json_option
from aops_cli.options import reject_unused
from aops_cli.options import secret
from aops_cli.options import session_options
from aops_cli.output import emit_json
from aops_cli.output import warn
from aops_utils.codes import Code

DEFAULT_USER = "admin"


def do_login(state: State, username: str, password: str | None, print_token: bool) -> None:
    password = secret(password, f"Password for {username}")
    reply = state.post("/manage/account/login", {"username": username, "password": password}, anonymous=True)
    token = reply.get("access_token")
    if not isinstance(token, str) or not token:
        raise ApiError(int(Code.SERVER_ERROR), "the manager accepted the login but sent no token", reply)
    path = state.store.save(state.manager_url, username, token)
    if state.json:
        emit_json(reply)
    elif print_token:
        click.echo(token)
    else:
        click.echo(f"logged in to {state.manager_url} as {username}; token stored in {path}")
    if reply["code"] == Code.CHANGE_PASSWORD:
        warn(f"the default password is still in use; change it with `{prog_name()} account --action change`")


def do_logout(state: State, access_token: str | None) -> None:
    token = state.token(access_token)
    if token is None:
        # Logging out twice is not an error: the goal, no usable session here, is reached.
        state.respond(
            {"code": int(Code.SUCCEED), "msg": Code.SUCCEED.label}, f"not logged in to {state.manager_url}"
        )
        return
    try:
        reply: dict[str, Any] = state.post("/manage/account/logout", access_token=token)
        message = f"logged out of {state.manager_url}"
    except ApiError as exc:
        if exc.code != Code.TOKEN_ERROR or exc.reply is None:
            raise
        # The session already ended (expired, password changed): logging out has nothing left to do.
        reply = exc.reply
        message = f"the session at {state.manager_url} had already ended"
    # An explicit token that is not the stored one leaves the stored session alone.
    state.store.remove(state.manager_url, token)
    if state.json:
        if reply["code"] != Code.TOKEN_ERROR:
            emit_json(reply)
    else:
        click.echo(message)


def do_change(state: State, password: str | None, old_password: str | None, access_token: str | None) -> None:
    password = secret(password, "New password", confirm=True)
    body = {"password": password}
    if old_password:
        body["old_password"] = old_password
    reply = state.post("/manage/account/change", body, access_token=access_token)
    # The manager ends every session of the user, so the stored token is now useless.
    state.store.remove(state.manager_url)
    state.respond(
        reply, f"password changed; every session has ended, log in again with `{prog_name()} login`"
    )


@click.command()
@click.option("--username", default=DEFAULT_USER, show_default=True)
@click.option("--password", help="Prompted for (hidden) when not given.")
@click.option("--print-token", is_flag=True, help="Print the token on stdout (for scripts).")
@json_option
def login(username: str, password: str | None, print_token: bool) -> None:
    """Log in and keep the token for later commands."""
    do_login(get_state(), username, password, print_token)


@click.command()
@session_options
def logout(access_token: str | None) -> None:
    """End the session and forget the stored token."""
    do_logout(get_state(), access_token)


@click.command()
@action_option("login", "change", "logout")
@click.option("--username", help=f"login: user name (default {DEFAULT_USER}).")
@click.option(
    "--password",
    help="login: the password; change: the NEW password, at least 8 characters unless the "
    "server's system.ini [auth] password_min_length says otherwise (prompted when not given).",
)
@click.option(
    "--old_password",
    help="change: the current password; needed unless this session was opened within the last "
    "5 minutes (log in, then change).",
)
@click.option("--print-token", "print_token", is_flag=True, help="login: print the token on stdout.")
@session_options
@click.pass_context
def account(
    ctx: click.Context,
    *,
    action: str,
    username: str | None,
    password: str | None,
    old_password: str | None,
    print_token: bool,
    access_token: str | None,
) -> None:
    """Log in, change the password, or log out.

    A session opened with the default password can only change it (code 1204 on anything else):
    log in, change the password, log in again."""
    state = get_state()
    if action == "login":
        reject_unused(ctx, action, ("username", "password", "print_token"))
        if access_token:
            raise click.UsageError("--access_token does not apply to --action login", ctx)
        do_login(state, username or DEFAULT_USER, password, print_token)
    elif action == "change":
        reject_unused(ctx, action, ("password", "old_password"))
        do_change(state, password, old_password, access_token)
    else:
        reject_unused(ctx, action, ())
        do_logout(state, access_token)


@click.command()
@click.option(
    "--key",
    help="The vault key the host credentials were added with, at least 12 characters "
    "(prompted when not given). It stays in the manager's memory for an hour (manager.ini "
    "[manager] vault_key_ttl) and is dropped at logout and password change.",
)
@session_options
def certificate(key: str | None, access_token: str | None) -> None:
    """Give the manager the hosts' vault key."""
    state = get_state()
    reply = state.post(
        "/manage/account/certificate", {"key": secret(key, "Vault key")}, access_token=access_token
    )
    state.respond(reply, "vault key accepted")
