"""`aops conf`: configuration tracing (gala-ragdoll): domains, their hosts and managed files,
the sync status, sync, and the change log; every route of the service, `--json` for scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from aops_cli.adoctor_input import shown_time
from aops_cli.client import CONFIG_TRACING
from aops_cli.client import JsonBody
from aops_cli.context import get_state
from aops_cli.options import F
from aops_cli.options import service_url_option
from aops_cli.options import session_options
from aops_cli.output import columns
from aops_cli.output import listing
from aops_cli.output import plural

FILE_COLUMNS = columns(("filePath", "file"), "mode", "owner", "group")
STATUS_COLUMNS = columns(("hostId", "host"), ("filePath", "file"), ("isSynced", "status"), "detail")
SYNC_COLUMNS = columns(("hostId", "host"), ("filePath", "file"), "result", "detail")


def _done(reply: dict[str, Any], verb: str, noun: str) -> str:
    """`created 2 domains, 1 failed: web (domain 'web' exists)`."""
    line = f"{verb} {plural(len(reply.get('succeed_list') or []), noun)}"
    fails = reply.get("fail_list") or []
    reasons = reply.get("fail_reasons") or {}
    if fails:
        line += f", {len(fails)} failed: " + "; ".join(f"{f} ({reasons.get(f, '?')})" for f in fails)
    return line


def _call(method: str, path: str, body: JsonBody | None, token: str | None) -> dict[str, Any]:
    state = get_state()
    state.service = CONFIG_TRACING
    return state.call(method, path, body, access_token=token)


def _respond(reply: dict[str, Any], text: str) -> None:
    get_state().respond(reply, text)


@click.group()
@service_url_option(CONFIG_TRACING, "http://10.0.0.5:11114")
def conf() -> None:
    """Configuration tracing: domains of hosts sharing expected files, drift and sync."""


@conf.group()
def domain() -> None:
    """Create, list and delete domains."""


@domain.command("create")
@click.argument("names", nargs=-1, required=True)
@click.option("--priority", type=int, default=0, show_default=True)
@session_options
def domain_create(names: tuple[str, ...], priority: int, access_token: str | None) -> None:
    """Create domains (each one git commit)."""
    body = [{"domainName": name, "priority": priority} for name in names]
    reply = _call("POST", "/domain/createDomain", body, access_token)
    _respond(reply, _done(reply, "created", "domain"))


@domain.command("list")
@session_options
def domain_list(access_token: str | None) -> None:
    """List your domains."""
    reply = _call("POST", "/domain/queryDomain", None, access_token)
    if not get_state().printed_json(reply):
        rows = reply.get("domains") or []
        listing(rows, columns(("domainName", "domain"), "priority"), plural(len(rows), "domain"))


@domain.command("delete")
@click.argument("names", nargs=-1, required=True)
@session_options
def domain_delete(names: tuple[str, ...], access_token: str | None) -> None:
    """Delete domains with their hosts and expected files (kept in git history)."""
    reply = _call("DELETE", "/domain/deleteDomain", {"domainName": list(names)}, access_token)
    _respond(reply, _done(reply, "deleted", "domain"))


def _domain_hosts(func: F) -> F:
    """DOMAIN_NAME HOST_IDS...: what `host add` and `host delete` take."""
    return click.argument("domain_name")(click.argument("host_ids", nargs=-1, required=True)(func))


@conf.group()
def host() -> None:
    """Add, list and remove a domain's hosts (the manager's host ids)."""


@host.command("add")
@_domain_hosts
@session_options
def host_add(domain_name: str, host_ids: tuple[str, ...], access_token: str | None) -> None:
    """Add hosts to a domain."""
    _change_hosts(("POST", "/host/addHost", "added"), domain_name, host_ids, access_token)


@host.command("list")
@click.argument("domain_name")
@session_options
def host_list(domain_name: str, access_token: str | None) -> None:
    """A domain's hosts."""
    reply = _call("POST", "/host/getHost", {"domainName": domain_name}, access_token)
    if not get_state().printed_json(reply):
        rows = reply.get("hosts") or []
        listing(rows, columns(("hostId", "host"), "ip", "ipv6"), plural(len(rows), "host"))


@host.command("delete")
@_domain_hosts
@session_options
def host_delete(domain_name: str, host_ids: tuple[str, ...], access_token: str | None) -> None:
    """Remove hosts from a domain."""
    _change_hosts(("DELETE", "/host/deleteHost", "removed"), domain_name, host_ids, access_token)


def _change_hosts(
    route: tuple[str, str, str], domain_name: str, host_ids: tuple[str, ...], access_token: str | None
) -> None:
    """Add or remove a domain's hosts (`route`: method, path, and what the outcome calls done):
    the same body, the outcome per host."""
    body = {"domainName": domain_name, "hostInfos": [{"hostId": h} for h in host_ids]}
    method, path, done = route
    reply = _call(method, path, body, access_token)
    _respond(reply, _done(reply, done, "host"))


@conf.group("file")
def file_() -> None:
    """Manage files in a domain: their expected content, mode, owner and group."""


@file_.command("add")
@click.argument("domain_name")
@click.argument("path")
@click.option(
    "--from-file", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Local file."
)
@click.option("--from-host", "host_id", help="Take the file as this host holds it now.")
@click.option("--mode", help="Octal mode sync sets, e.g. 0644.")
@click.option("--owner")
@click.option("--group")
@click.option("--reason", default="", help="Why: kept in the change log.")
@session_options
def file_add(domain_name: str, path: str, source: Path | None, host_id: str | None, **opts: Any) -> None:
    """Set a file's expected content, from a local file or from a host (managed from now on)."""
    if (source is None) == (host_id is None):
        raise click.UsageError("give one of --from-file and --from-host")
    item: dict[str, Any] = {"filePath": path}
    if source is not None:
        item["contents"] = source.read_text(encoding="utf-8")
    else:
        item["hostId"] = host_id
    item.update({k: opts[k] for k in ("mode", "owner", "group") if opts[k]})
    body = {"domainName": domain_name, "confFiles": [item], "changeReason": opts["reason"]}
    reply = _call("POST", "/management/addManagementConf", body, opts["access_token"])
    _respond(reply, _done(reply, "set", "file"))


@file_.command("list")
@click.argument("domain_name")
@click.option("--show", "show", help="Print this file's expected content instead.")
@session_options
def file_list(domain_name: str, show: str | None, access_token: str | None) -> None:
    """A domain's managed files (or one file's expected content)."""
    reply = _call("POST", "/management/getManagementConf", {"domainName": domain_name}, access_token)
    if get_state().printed_json(reply):
        return
    rows = reply.get("confFiles") or []
    if show is None:
        listing(rows, FILE_COLUMNS, plural(len(rows), "file"))
        return
    found = [r for r in rows if r["filePath"] == show]
    if not found:
        raise click.ClickException(f"{show} is not managed in domain {domain_name}")
    click.echo(found[0]["contents"], nl=False)


@file_.command("delete")
@click.argument("domain_name")
@click.argument("paths", nargs=-1, required=True)
@click.option("--reason", default="")
@session_options
def file_delete(domain_name: str, paths: tuple[str, ...], reason: str, access_token: str | None) -> None:
    """Stop managing files (their history stays in git)."""
    body = {"domainName": domain_name, "confFiles": [{"filePath": p} for p in paths], "changeReason": reason}
    reply = _call("DELETE", "/management/deleteManagementConf", body, access_token)
    _respond(reply, _done(reply, "stopped managing", "file"))


def _status_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for host_ in report.get("hostStatus") or []:
        for item in host_.get("syncStatus") or []:
            detail = [f"{k['key']}: {k['expected']} -> {k['real']}" for k in item.get("diffKeys", [])]
            detail += [f"{a['name']}: {a['expected']} -> {a['real']}" for a in item.get("diffAttributes", [])]
            if item.get("reason"):
                detail.append(item["reason"])
            rows.append({**item, "hostId": host_["hostId"], "detail": "; ".join(detail)})
    return rows


@conf.command()
@click.argument("domain_name")
@click.option("--kept", is_flag=True, help="The last kept check (periodic or not), without checking now.")
@session_options
def status(domain_name: str, kept: bool, access_token: str | None) -> None:
    """Check every host of a domain: SYNCHRONIZED, NOT SYNCHRONIZE (keys, attributes) or NOT FOUND."""
    path = "/confs/getDriftRecord" if kept else "/confs/getDomainStatus"
    reply = _call("POST", path, {"domainName": domain_name}, access_token)
    if not get_state().printed_json(reply):
        rows = _status_rows(reply)
        listing(
            rows,
            STATUS_COLUMNS,
            f"{plural(len(rows), 'file')}, checked at {shown_time(reply.get('checkedAt'))}",
        )


@conf.command()
@click.argument("domain_name")
@click.option("--host", "hosts", multiple=True, help="Only this host (repeat; default all).")
@session_options
def real(domain_name: str, hosts: tuple[str, ...], access_token: str | None) -> None:
    """The managed files as the hosts hold them now."""
    body = {"domainName": domain_name, "hostIds": [{"hostId": h} for h in hosts]}
    reply = _call("POST", "/confs/queryRealConfs", body, access_token)
    if not get_state().printed_json(reply):
        rows = [
            {**info, "hostID": item["hostID"]}
            for item in reply.get("realConfs") or []
            for info in item["confBaseInfos"]
        ]
        shown = columns(
            ("hostID", "host"), ("filePath", "file"), ("fileAttr", "mode"), ("fileOwner", "owner")
        )
        listing(rows, shown, plural(len(rows), "file"))


@conf.command()
@session_options
def expected(access_token: str | None) -> None:
    """Every domain's expected files."""
    reply = _call("POST", "/confs/queryExpectedConfs", None, access_token)
    if not get_state().printed_json(reply):
        rows = [
            {"domainName": d["domainName"], "filePath": f["filePath"], "changes": len(f["changeLog"])}
            for d in reply.get("expectedConfs") or []
            for f in d["confBaseInfos"]
        ]
        listing(
            rows,
            columns(("domainName", "domain"), ("filePath", "file"), "changes"),
            plural(len(rows), "file"),
        )


@conf.command()
@click.argument("domain_name")
@click.option("--host", "hosts", multiple=True, help="Only this host (repeat; default all).")
@click.option("--file", "files", multiple=True, help="Only this file (repeat; default all).")
@click.option("--dry-run", is_flag=True, help="Write nothing: show each host's diff and attribute changes.")
@session_options
def sync(
    domain_name: str, hosts: tuple[str, ...], files: tuple[str, ...], dry_run: bool, **opts: Any
) -> None:
    """Write the expected files to the hosts (a backup of each replaced file stays on the host)."""
    body = {
        "domainName": domain_name,
        "hostIds": [{"hostId": h} for h in hosts],
        "filePaths": list(files),
        "dryRun": dry_run,
    }
    reply = _call("PUT", "/confs/syncConf", body, opts["access_token"])
    if get_state().printed_json(reply):
        return
    rows = []
    for item in reply.get("syncResults") or []:
        for result in item["syncResult"]:
            detail = result.get("reason") or result.get("backup") or ""
            rows.append({**result, "hostId": item["hostId"], "detail": detail})
            if dry_run and result.get("diff"):
                click.echo(result["diff"], nl=False)
    listing(rows, SYNC_COLUMNS, ("would change " if dry_run else "synced ") + plural(len(rows), "file"))


@conf.command()
@click.argument("domain_name")
@click.argument("paths", nargs=-1)
@session_options
def log(domain_name: str, paths: tuple[str, ...], access_token: str | None) -> None:
    """The change log of managed files (all by default): who, when, why, and the diff."""
    body = {"domainName": domain_name, "confFiles": [{"filePath": p} for p in paths]}
    reply = _call("POST", "/management/queryManageConfChange", body, access_token)
    if get_state().printed_json(reply):
        return
    for info in reply.get("confBaseInfos") or []:
        click.echo(f"== {info['filePath']}")
        for change in info["changeLog"]:
            click.echo(f"{change['changeId'][:12]}  {change['date']}  {change['author']}")
            click.echo(f"    {change['changeReason'].splitlines()[0] if change['changeReason'] else ''}")
            click.echo(change["diff"], nl=False)
