"""`aops topo`: the map gala_spider keeps (entities, the links of a host, what changed between two
times), read from the topology service over HTTP."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import click

from aops_cli.adoctor_input import shown_time
from aops_cli.client import SPIDER
from aops_cli.context import get_state
from aops_cli.options import service_url_option
from aops_cli.options import session_options
from aops_cli.output import plural
from aops_cli.output import table

V2 = "/gala-spider/api/v2"
LINK_COLUMNS = (
    ("client", "client"),
    ("server", "server"),
    ("rx_bytes", "rx bytes"),
    ("tx_bytes", "tx bytes"),
    ("retran_packets", "retrans"),
    ("rtt", "rtt us"),
    ("last_seen", "last seen"),
)


class When(click.ParamType[float]):
    """A time: POSIX seconds, `now`, `-10m`/`-2h`/`-1d` (ago), or an ISO 8601 date-time."""

    name = "TIME"
    _UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        text = str(value).strip()
        if text == "now":
            return time.time()
        if text.startswith("-") and text[-1:] in self._UNITS and text[1:-1].isdigit():
            return time.time() - int(text[1:-1]) * self._UNITS[text[-1]]
        try:
            return float(text)
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"{value!r} is not seconds, now, -10m/-2h/-1d or an ISO 8601 time", param, ctx)
        return moment.timestamp()


def _end(end: dict[str, Any]) -> str:
    where = end.get("host") or end["ip"]
    name = f"{end['name']}[{end['pid']}]" if end.get("name") else "?"
    port = f":{end['port']}" if "port" in end else ""
    return f"{where}/{name}{port}"


def _rows(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "client": _end(link["client"]),
            "server": _end(link["server"]),
            **link["metrics"],
            "last_seen": shown_time(link["last_seen"]),
        }
        for link in links
    ]


def _get(path: str, access_token: str | None, **params: Any) -> dict[str, Any] | None:
    """The reply, or None once --json printed it."""
    state = get_state()
    state.service = SPIDER
    query = urlencode({k: v for k, v in params.items() if v not in (None, ())}, doseq=True)
    reply = state.call("GET", f"{path}?{query}" if query else path, access_token=access_token)
    return None if state.printed_json(reply) else reply


@click.group()
@service_url_option(SPIDER, "http://10.0.0.5:11115")
def topo() -> None:
    """The topology gala_spider builds from gala_gopher records (processes and their links)."""


def _at(at: float | None) -> dict[str, Any]:
    return {"timestamp": int(at)} if at is not None else {}


@topo.command()
@click.option("--at", type=When(), help="The map as it was then (default now).")
@click.option("--host", "hosts", multiple=True, help="Only links touching this host (repeatable).")
@click.option(
    "--process", "processes", multiple=True, help="Only links of processes of this name (repeatable)."
)
@session_options
def entities(
    at: float | None, hosts: tuple[str, ...], processes: tuple[str, ...], access_token: str | None
) -> None:
    """Hosts, processes and links on the map."""
    reply = _get(f"{V2}/entities", access_token, **_at(at), host=hosts, process=processes)
    if reply is None:
        return
    click.echo(
        f"{plural(len(reply['hosts']), 'host')}, {plural(len(reply['processes']), 'process')}, "
        f"{plural(len(reply['links']), 'link')}, {plural(len(reply['balancers']), 'balancer link')} "
        f"at {shown_time(reply['end'])}"
    )
    if reply["links"]:
        click.echo(table(_rows(reply["links"]), LINK_COLUMNS))


@topo.command()
@click.argument("host")
@click.option("--at", type=When(), help="The links as they were then (default now).")
@session_options
def links(host: str, at: float | None, access_token: str | None) -> None:
    """The links of HOST (as the probe names it: its hostname)."""
    reply = _get(f"{V2}/entities", access_token, **_at(at), host=[host])
    if reply is None:
        return
    if not reply["links"]:
        click.echo(f"no links of {host} at {shown_time(reply['end'])}")
        return
    click.echo(table(_rows(reply["links"]), LINK_COLUMNS))


@topo.command()
@click.option("--before", type=When(), required=True, help="The first time.")
@click.option("--after", type=When(), default="now", show_default=True, help="The second time.")
@click.option("--host", "hosts", multiple=True, help="Only links touching this host (repeatable).")
@session_options
def diff(before: float, after: float, hosts: tuple[str, ...], access_token: str | None) -> None:
    """The links that appeared and disappeared between two times."""
    reply = _get(f"{V2}/diff", access_token, before=int(before), after=int(after), host=hosts)
    if reply is None:
        return
    for change in ("appeared", "disappeared"):
        found = reply[change]
        click.echo(
            f"{plural(len(found), 'link')} {change} between {shown_time(before)} and {shown_time(after)}"
        )
        if found:
            click.echo(table(_rows(found), LINK_COLUMNS))
