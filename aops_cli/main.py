"""Entry point of `aops`: global options, command registry and the last-resort error line."""

from __future__ import annotations

import click

from aops_cli.account import account
from aops_cli.account import certificate
from aops_cli.account import login
from aops_cli.account import logout
from aops_cli.client import MANAGER
from aops_cli.client import run
from aops_cli.conf import conf
from aops_cli.hosts import group
from aops_cli.hosts import host
from aops_cli.hosts import stat
from aops_cli.options import CONTEXT_SETTINGS
from aops_cli.options import global_options
from aops_cli.options import service_url_option
from aops_cli.standalone import standalone
from aops_cli.tasks import task
from aops_cli.templates import template
from aops_cli.topo import topo

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
     one line on stderr: "aops: <detail> (code <code>: <msg>)"; `task --action
     status`: the run failed, was cancelled or interrupted
  2  usage error (unknown option, bad value, option not valid for the --action)
"""


@click.group(context_settings=CONTEXT_SETTINGS, epilog=EPILOG)
@click.version_option(package_name="aops", prog_name="aops", message="%(prog)s %(version)s")
@service_url_option(MANAGER, "http://10.0.0.5:11111")
@global_options
def cli() -> None:
    """A-Ops command line: accounts, hosts, host groups and deployment on the A-Ops manager."""


for command in (
    login,
    logout,
    account,
    certificate,
    host,
    group,
    stat,
    template,
    task,
    conf,
    topo,
    standalone,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Run `aops`."""
    run(cli, "aops", argv)


if __name__ == "__main__":
    main()
