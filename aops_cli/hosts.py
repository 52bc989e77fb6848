"""Host, host-group and statistics commands, with the 21.09 `--action` interface."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import click

from aops_cli.client import ApiError
from aops_cli.client import failed_suffix
from aops_cli.context import get_state
from aops_cli.options import BoolText
from aops_cli.options import CommaList
from aops_cli.options import action_option
from aops_cli.options import ids_option
from aops_cli.options import ip_address
from aops_cli.options import one
from aops_cli.options import only
from aops_cli.options import paging_fields
from aops_cli.options import paging_options
from aops_cli.options import reject_unused
from aops_cli.options import require
from aops_cli.options import secret
from aops_cli.options import session_options
from aops_cli.output import columns
from aops_cli.output import listing
from aops_cli.output import page_summary
from aops_cli.output import plural

HOST_COLUMNS = columns(
    "host_id", "host_name", "host_group_name", "public_ip", "ssh_port", "management", "status"
)
DETAIL_COLUMNS = columns("os", "cpu", "memory")
GROUP_COLUMNS = columns("host_group_name", "description", "host_count")
STATUS_COLUMNS = columns("host_id", "host_name", "public_ip", "status")
DEFAULT_GROUP_DESCRIPTION = "This is a host group."
HOST_ADD_OPTIONS = (
    "host_name", "host_group_name", "public_ip", "ssh_port", "management",
    "username", "password", "private_key", "sudo_password", "key",
)  # fmt: skip
HOST_ENTRY_FIELD = "host_list.0."  # where the manager reports a bad field of the one host added
HOST_QUERY_OPTIONS = ("host_group_name", "management", "sort", "direction", "page", "per_page", "verbose")


def _outcome(verb: str, reply: dict[str, Any], noun: str) -> str:
    """`added 2 hosts, 1 failed: h3 (host group nog does not exist)`."""
    done = len(reply.get("succeed_list") or [])
    return f"{verb} {plural(done, noun)}" + failed_suffix(reply)


def _as_option_error(exc: ApiError) -> ApiError:
    """`host_list.0.host_name: too long` names the option instead: `--host_name: too long`."""
    field = str((exc.reply or {}).get("field") or "")
    if not field.startswith(HOST_ENTRY_FIELD) or not exc.detail.startswith(f"{field}:"):
        return exc
    option = "--" + field.removeprefix(HOST_ENTRY_FIELD)
    return ApiError(exc.code, option + exc.detail.removeprefix(field), exc.reply)


def _read_private_key(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--private_key") from None


@click.command()
@action_option("add", "delete", "query", "status")
@click.option("--host_name", type=CommaList(), metavar="NAME", help="add: the host's name.")
@click.option(
    "--host_group_name", type=CommaList(), help="add: its group; query: groups to list (default all)."
)
@click.option("--public_ip", help="add: the address the manager reaches it at.")
@click.option("--ssh_port", type=click.IntRange(1, 65535), default=22, show_default=True, help="add.")
@click.option("--management", type=BoolText(), help="add: management node (default False); query: filter.")
@click.option("--username", help="add: SSH login user.")
@click.option("--password", help="add: SSH password.")
@click.option(
    "--private_key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="add: SSH private key file (instead of or with --password).",
)
@click.option("--sudo_password", help="add: password for privilege escalation (optional).")
@click.option(
    "--key",
    help="add: vault key that encrypts the credentials, at least 12 characters (prompted when not given).",
)
@ids_option("host_list", help="delete/status: host ids (status default: all).")
@paging_options(("host_name", "host_group_name"))
@click.option("--verbose", type=BoolText(), default=False, help="query: add each host's details.")
@session_options
@click.pass_context
def host(ctx: click.Context, /, action: str, access_token: str | None, **opts: Any) -> None:
    """Add, delete or list hosts, or check which are reachable."""
    if action == "add":
        reject_unused(ctx, action, HOST_ADD_OPTIONS)
        _add_host(ctx, access_token, **{name: opts[name] for name in HOST_ADD_OPTIONS})
    elif action == "delete":
        only(ctx, action, host_list=opts["host_list"])
        _delete_hosts(opts["host_list"], access_token)
    elif action == "query":
        reject_unused(ctx, action, HOST_QUERY_OPTIONS)
        _query_hosts(access_token, **{name: opts[name] for name in HOST_QUERY_OPTIONS})
    else:
        reject_unused(ctx, action, ("host_list",))
        _host_status(opts["host_list"] or [], access_token)


def _add_host(
    ctx: click.Context,
    access_token: str | None,
    *,
    host_name: list[str] | None,
    host_group_name: list[str] | None,
    public_ip: str | None,
    ssh_port: int,
    management: bool | None,
    username: str | None,
    password: str | None,
    private_key: Path | None,
    sudo_password: str | None,
    key: str | None,
) -> None:
    require(
        ctx,
        "add",
        host_name=host_name,
        host_group_name=host_group_name,
        public_ip=public_ip,
        username=username,
    )
    assert public_ip is not None
    entry: dict[str, Any] = {
        "host_name": one(host_name, "--host_name", "add"),
        "host_group_name": one(host_group_name, "--host_group_name", "add"),
        "public_ip": ip_address(public_ip, "--public_ip"),
        "ssh_port": ssh_port,
        "management": bool(management),
        "username": username,
    }
    if password is None and private_key is None:
        raise click.UsageError("--action add needs --password or --private_key to log in to the host", ctx)
    if password is not None:
        entry["password"] = password
    if private_key is not None:
        entry["private_key"] = _read_private_key(private_key)
    if sudo_password is not None:
        entry["sudo_password"] = sudo_password
    key = secret(key, "Vault key for the host credentials")
    state = get_state()
    try:
        reply = state.post("/manage/host/add", {"key": key, "host_list": [entry]}, access_token=access_token)
    except ApiError as exc:
        raise _as_option_error(exc) from None
    line = _outcome("added", reply, "host")
    ids = [f"{h.get('host_name')} {h.get('host_id')}" for h in reply.get("succeed_list") or []]
    state.respond(reply, f"{line} ({'; '.join(ids)})" if ids else line)


def _delete_hosts(host_list: list[str], access_token: str | None) -> None:
    state = get_state()
    reply = state.delete("/manage/host/delete", {"host_list": host_list}, access_token=access_token)
    state.respond(reply, _outcome("deleted", reply, "host"))


def _query_hosts(
    access_token: str | None,
    *,
    host_group_name: list[str] | None,
    management: bool | None,
    sort: str | None,
    direction: str,
    page: int,
    per_page: int,
    verbose: bool,
) -> None:
    state = get_state()
    body: dict[str, Any] = {
        "host_group_list": host_group_name or [],
        "sort": sort or "",
        "direction": direction,
        "page": page,
        "per_page": per_page,
    }
    if management is not None:
        body["management"] = management
    reply = state.post("/manage/host/get", body, access_token=access_token)
    rows: list[dict[str, Any]] = reply.get("host_infos") or []
    columns: tuple[tuple[str, str], ...] = HOST_COLUMNS
    if verbose and rows:
        # As in 21.09: the details document's `infos` is attached to each host.
        details = state.post(
            "/manage/host/info/query", {"host_list": [r["host_id"] for r in rows]}, access_token=access_token
        )
        infos = {d.get("host_id"): d.get("infos") or {} for d in details.get("host_infos") or []}
        for row in rows:
            row["infos"] = infos.get(row["host_id"], {})
        columns = HOST_COLUMNS + DETAIL_COLUMNS
    if state.printed_json(reply):
        return
    flat = [{**row, **(row.get("infos") or {})} for row in rows]
    listing(flat, columns, page_summary(reply, len(rows), "host", page))


def _host_status(host_list: list[str], access_token: str | None) -> None:
    state = get_state()
    statuses = state.rows("/manage/host/status/refresh", {"host_list": host_list}, "host_infos", access_token)
    if statuses is None:
        return
    basic = state.post(
        "/manage/host/info/query", {"host_list": host_list, "basic": True}, access_token=access_token
    )
    known = {row.get("host_id"): row for row in basic.get("host_infos") or []}
    rows = [{**known.get(s.get("host_id"), {}), **s} for s in statuses]
    rows.sort(key=lambda r: (str(r.get("host_name") or ""), str(r.get("host_id"))))
    counts = Counter(str(row.get("status") or "unknown") for row in rows)
    tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    listing(rows, STATUS_COLUMNS, f"{plural(len(rows), 'host')}: {tally}" if rows else "no hosts")


@click.command()
@action_option("add", "delete", "query")
@click.option("--host_group_name", type=CommaList(), metavar="NAME", help="add: the group's name.")
@click.option("--description", default=DEFAULT_GROUP_DESCRIPTION, show_default=True, help="add.")
@click.option("--host_group_list", type=CommaList(), help="delete: group names.")
@paging_options(("host_count", "host_group_name"))
@session_options
@click.pass_context
def group(
    ctx: click.Context,
    *,
    action: str,
    host_group_name: list[str] | None,
    description: str,
    host_group_list: list[str] | None,
    sort: str | None,
    direction: str,
    page: int,
    per_page: int,
    access_token: str | None,
) -> None:
    """Add, delete or list host groups."""
    state = get_state()
    if action == "add":
        only(ctx, action, ("description",), host_group_name=host_group_name)
        name = one(host_group_name, "--host_group_name", action)
        body: dict[str, Any] = {"host_group_name": name, "description": description}
        reply = state.post("/manage/host/group/add", body, access_token=access_token)
        state.respond(reply, f"added host group {name}")
    elif action == "delete":
        only(ctx, action, host_group_list=host_group_list)
        body = {"host_group_list": host_group_list}
        reply = state.delete("/manage/host/group/delete", body, access_token=access_token)
        deleted = reply.get("deleted") or []
        names = f": {', '.join(deleted)}" if deleted else ""
        # A partial delete names what was kept and why (the reply's detail).
        why = f"; {reply['detail']}" if reply.get("fail_list") and reply.get("detail") else ""
        state.respond(reply, f"deleted {plural(len(deleted), 'host group')}{names}{why}")
    else:
        reject_unused(ctx, action, ("sort", "direction", "page", "per_page"))
        body = paging_fields(ctx.params)
        reply = state.post("/manage/host/group/get", body, access_token=access_token)
        if state.printed_json(reply):
            return
        rows = reply.get("host_group_infos") or []
        listing(rows, GROUP_COLUMNS, page_summary(reply, len(rows), "host group", page))


@click.command()
@action_option("count")
@click.option("--field", type=click.Choice(("host",)), required=True, help="What to count.")
@session_options
def stat(action: str, field: str, access_token: str | None) -> None:
    """Statistics: the number of hosts."""
    state = get_state()
    reply = state.post("/manage/host/count", {}, access_token=access_token)
    state.respond(reply, plural(int(reply.get("host_count") or 0), field))
