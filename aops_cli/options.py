"""Option types and shared options with the 21.09 spellings (`--host_name`, `--per_page`, ...)."""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

F = TypeVar("F", bound=Callable[..., Any])

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


class ManagerUrl(click.ParamType[str]):
    name = "URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from aops_cli.session import normalise_url

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


def action_option(*choices: str) -> Callable[[F], F]:
    return click.option("--action", type=click.Choice(choices), required=True, help="What to do.")


def access_token_option(func: F) -> F:
    return click.option(
        "--access_token",
        metavar="TOKEN",
        help="Session token (default: the one stored by `aops login` for this manager).",
    )(func)


def json_option(func: F) -> F:
    def turn_on(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            from aops_cli.context import State

            ctx.ensure_object(State).json = True

    return click.option(
        "--json",
        is_flag=True,
        expose_value=False,
        callback=turn_on,
        help="Print the manager's JSON reply instead of text.",
    )(func)


def paging_options(sort_choices: tuple[str, ...]) -> Callable[[F], F]:
    """21.09 paging defaults: page 1, 20 per page, ascending, unsorted."""

    def apply(func: F) -> F:
        for option in reversed(
            [
                click.option("--sort", type=click.Choice(sort_choices), help="Sort column (default: none)."),
                click.option(
                    "--direction", type=click.Choice(("asc", "desc")), default="asc", show_default=True
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
