"""Option types and shared options with the 21.09 spellings (`--host_name`, `--per_page`, ...)."""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from typing import TypeVar

import click
from click.core import ParameterSource

from aops_cli.client import DEFAULT_TIMEOUT
from aops_cli.client import Service
from aops_cli.context import State
from aops_cli.session import normalise_url

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})
MAX_PER_PAGE = 50  # the manager's limit


class BoolText(click.ParamType[bool]):
    """21.09 wrote booleans as words: `--management True`."""

    name = "True|False"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> bool:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        hint = "use True or False (true/false, yes/no, 1/0 also work)"
        self.fail(f"{value!r} is not a boolean; {hint}", param, ctx)


class CommaList(click.ParamType[list[str]]):
    """`a,b,c` as a list; an empty element is an error, as in 21.09's `str_split`."""

    name = "list"

    def __init__(self, item: str = "NAME") -> None:
        self.item = item

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return f"{self.item}[,{self.item}...]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> list[str]:
        if isinstance(value, list):
            return value
        items = [part.strip() for part in str(value).split(",")]
        if items == [""]:
            self.fail("must not be empty", param, ctx)
        for position, item in enumerate(items, 1):
            if not item:
                self.fail(
                    f"{value!r} has an empty element at position {position}; "
                    "separate names with single commas, e.g. a,b",
                    param,
                    ctx,
                )
        return items


class ServiceUrl(click.ParamType[str]):
    name = "URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        url = normalise_url(str(value))
        if not url.startswith(("http://", "https://")) or url.endswith("://"):
            self.fail(f"{value!r} is not an http:// or https:// URL", param, ctx)
        return url


def ip_address(text: str, option: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an IPv4 or IPv6 address", param_hint=option) from None


def one(values: list[str] | None, option: str, action: str) -> str | None:
    """The single name of an option that 21.09 split on commas but wanted exactly once."""
    if values is None:
        return None
    if len(values) != 1:
        raise click.UsageError(f"--action {action} takes exactly one {option}, got {len(values)}")
    return values[0]


def require(ctx: click.Context, action: str, **values: Any) -> None:
    missing = [f"--{name}" for name, value in values.items() if value is None]
    if missing:
        raise click.UsageError(f"--action {action} needs {', '.join(missing)}", ctx)


def reject_unused(ctx: click.Context, action: str, allowed: Iterable[str]) -> None:
    """Refuse options given for another action, so `--host_name` never silently does nothing."""
    keep = {"action", "access_token", *allowed}
    given = [
        name
        for name in ctx.params
        if name not in keep
        and ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
    ]
    if given:
        names = ", ".join(f"--{name}" for name in given)
        raise click.UsageError(f"{names} does not apply to --action {action}", ctx)


def only(ctx: click.Context, action: str, allowed: Iterable[str] = (), **required: Any) -> None:
    """The options of `action`: refuse any other one given, then insist on those of `required`."""
    reject_unused(ctx, action, (*allowed, *required))
    require(ctx, action, **required)


def ids_option(name: str, help: str, **attrs: Any) -> Callable[[F], F]:
    """`--<name> ID,ID,...`: hosts, tasks or reports by id."""
    return click.option(f"--{name}", type=CommaList("ID"), help=help, **attrs)


def export_option(noun: str, note: str = "") -> Callable[[F], F]:
    """`--export FILE`: where `--action get` writes the `noun` as `--action add` reads them."""
    return click.option(
        "--export",
        type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
        help=f"get: write the {noun} to this file (- for stdout) as `--action add` reads them{note}.",
    )


def action_option(*choices: str) -> Callable[[F], F]:
    return click.option("--action", type=click.Choice(choices), required=True, help="What to do.")


def access_token_option(func: F) -> F:
    return click.option(
        "--access_token",
        metavar="TOKEN",
        help="Session token (default: the one stored by `aops login` for this manager).",
    )(func)


def _turn_on_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(State).json = True


def _json_flag(help_text: str) -> Callable[[F], F]:
    return click.option("--json", is_flag=True, expose_value=False, callback=_turn_on_json, help=help_text)


def json_option(func: F) -> F:
    return _json_flag("Print the JSON reply instead of text.")(func)


def session_options(func: F) -> F:
    """`--access_token` and `--json`: what every command that calls a service with a session takes."""
    return access_token_option(json_option(func))


def service_url_option(service: Service, example: str) -> Callable[[F], F]:
    """`--manager URL` (env AOPS_MANAGER_URL) and its like for the other services."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        if value:
            ctx.ensure_object(State).url_options[service.section] = value

    return click.option(
        service.option,
        type=ServiceUrl(),
        envvar=service.envvar,
        expose_value=False,
        callback=remember,
        help=f"{service.name.capitalize()} URL, e.g. {example} (env {service.envvar}).",
    )


def global_options(func: F) -> F:
    """`--json` and `--timeout` of a CLI's top-level group."""

    def set_timeout(ctx: click.Context, _param: click.Parameter, value: float) -> None:
        ctx.ensure_object(State).timeout = value

    func = click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        expose_value=False,
        callback=set_timeout,
        help="Seconds to wait for each reply.",
    )(func)
    return _json_flag("Print the JSON replies instead of text.")(func)


def paging_options(sort_choices: tuple[str, ...], newest_first: str | None = None) -> Callable[[F], F]:
    """21.09 paging defaults: page 1, 20 per page, ascending, unsorted.

    With `newest_first` (a time column), an unsorted listing is sorted by it, descending; the
    command resolves that with `sort_order`.
    """
    if newest_first is None:
        sort_help, direction_help, direction_default = "Sort column (default: none).", None, "asc"
    else:
        sort_help = f"Sort column (default: {newest_first}, newest first)."
        direction_help = "asc or desc (default: asc; desc when --sort is not given)."
        direction_default = None

    def apply(func: F) -> F:
        for option in reversed(
            [
                click.option("--sort", type=click.Choice(sort_choices), help=sort_help),
                click.option(
                    "--direction",
                    type=click.Choice(("asc", "desc")),
                    default=direction_default,
                    show_default=direction_default is not None,
                    help=direction_help,
                ),
                click.option("--page", type=click.IntRange(min=1), default=1, show_default=True),
                click.option(
                    "--per_page", type=click.IntRange(1, MAX_PER_PAGE), default=20, show_default=True
                ),
            ]
        ):
            func = option(func)
        return func

    return apply


def paging_fields(opts: Mapping[str, Any], newest_first: str | None = None) -> dict[str, Any]:
    """The 21.09 paging fields of a listing's body, from the `paging_options` among `opts`:
    without --sort the service leaves the rows unsorted, or, given the `newest_first` of
    `paging_options`, sorts them by that column, newest first."""
    sort, direction = opts["sort"] or "", opts["direction"]
    if newest_first is not None:
        sort, direction = sort_order(opts["sort"], opts["direction"], newest_first)
    return {"sort": sort, "direction": direction, "page": opts["page"], "per_page": opts["per_page"]}


def sort_order(sort: str | None, direction: str | None, newest_first: str) -> tuple[str, str]:
    """`--sort`/`--direction` of `paging_options(..., newest_first=...)` as sent to the service."""
    if sort is None:
        return newest_first, direction or "desc"
    # An explicit --sort keeps the 21.09 default direction, so old scripts get the same order.
    return sort, direction or "asc"


def secret(value: str | None, prompt: str, *, confirm: bool = False) -> str:
    """The option's value, else a hidden prompt, else (piped stdin) the first line of stdin."""
    if value:
        return value
    if not sys.stdin.isatty():
        # `echo "$PW" | aops login`: getpass would warn that it cannot hide the input.
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.UsageError(f"{prompt.lower()} is needed: pass it as an option or on stdin")
        return line
    # Prompts go to stderr so that `aops login --print-token` leaves only the token on stdout.
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True))
