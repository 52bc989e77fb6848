"""Entry point of `aops`: global options, command registry and the last-resort error line."""

from __future__ import annotations

import sys

import click

from aops_cli.account import account, certificate, login, logout
from aops_cli.client import DEFAULT_TIMEOUT
from aops_cli.context import State
from aops_cli.hosts import group, host, stat
from aops_cli.options import ManagerUrl
from aops_cli.standalone import standalone

EPILOG = """\b
Manager address: --manager URL, else $AOPS_MANAGER_URL, else system.ini [manager] ip/port
in $AOPS_CONF_DIR (default /etc/aops).

\b
Sessions: `aops login` (and `aops account --action login`) stores the token, mode 0600, in
$AOPS_CLI_HOME/sessions.json (default ~/.config/aops), one per manager URL; commands then need
no --access_token (an explicit one wins). `aops logout` ends the session and forgets it.

\b
Output: tables and one-line confirmations; --json (before or after the command) prints the
manager's JSON reply instead, also for errors. Tokens are printed only by `login --json` or
`login --print-token`.

\b
Exit status:
  0  success, including partial success (code 206): the failed items are listed
     on the confirmation line ("added 1 host, 1 failed: h3 (reason)") or in fail_list
  1  the manager refused (any other code) or could not be reached (code 1001);
     one line on stderr: "aops: <detail> (code <code>: <msg>)"
  2  usage error (unknown option, bad value, option not valid for the --action)
"""


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
@click.version_option(package_name="aops", prog_name="aops", message="%(prog)s %(version)s")
@click.option(
    "--manager",
    type=ManagerUrl(),
    envvar="AOPS_MANAGER_URL",
    help="Manager URL, e.g. http://10.0.0.5:11111 (env AOPS_MANAGER_URL).",
)
@click.option("--json", "json_output", is_flag=True, help="Print the JSON replies instead of text.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds to wait for each reply.",
)
@click.pass_context
def cli(ctx: click.Context, manager: str | None, json_output: bool, timeout: float) -> None:
    """A-Ops command line: accounts, hosts and host groups on the A-Ops manager."""
    state = ctx.ensure_object(State)
    state.manager_option = manager
    state.json = state.json or json_output
    state.timeout = timeout


for command in (login, logout, account, certificate, host, group, stat, standalone):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Run `aops`; whatever goes wrong ends as one line on stderr, never a traceback."""
    try:
        cli.main(args=argv, prog_name="aops")
    except Exception as exc:
        click.echo(f"aops: unexpected error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
