"""Entry point of `adoctor`: the A-Doctor command line, talking to the check scheduler."""

from __future__ import annotations

import click

from aops_cli.adoctor_checks import check
from aops_cli.adoctor_checks import checkrule
from aops_cli.adoctor_checks import stat
from aops_cli.adoctor_diag import diag
from aops_cli.adoctor_diag import report
from aops_cli.adoctor_diag import task
from aops_cli.adoctor_trees import faultree
from aops_cli.client import CHECK_SCHEDULER
from aops_cli.client import DIAG_SCHEDULER
from aops_cli.client import MANAGER
from aops_cli.client import run
from aops_cli.context import State
from aops_cli.options import CONTEXT_SETTINGS
from aops_cli.options import global_options
from aops_cli.options import service_url_option

EPILOG = """\b
Addresses: --check-scheduler URL, else $AOPS_CHECK_SCHEDULER_URL, else system.ini
[check_scheduler] ip/port in $AOPS_CONF_DIR (default /etc/aops); faultree, diag, report and
task go to the diag scheduler: --diag-scheduler URL, else $AOPS_DIAG_SCHEDULER_URL, else
system.ini [diag_scheduler] (default port 11113). The manager (--manager,
$AOPS_MANAGER_URL, system.ini [manager]) is only used to find the stored session.

\b
Sessions: the manager issues the tokens every service accepts, so log in with `aops login`;
adoctor then uses the token stored for that manager and needs no --access_token (an explicit
one wins).

\b
Times (--start, --end): YYYYmmdd-HH:MM:SS in local time as in 21.09, ISO 8601
(2021-09-30T08:00:00, a zone such as +08:00 or Z is honoured, none means local time), or
epoch seconds. `check` looks at every result up to now unless told otherwise, newest first;
`checkrule --action test` and `diag` look at the last hour unless told otherwise (test: at most
7 days); `report` looks at every report up to now unless told otherwise.

\b
Output: tables and one-line confirmations; --json (before or after the command) prints the
service's JSON reply instead, also for errors.

\b
Exit status:
  0  success: every item was done
  1  some item failed (code 206: the rest was done), the service refused (any other code) or
     could not be reached (code 1001). Each failed item is one line on stderr, "adoctor:
     failed: <name>: <reason>", followed, for a rule or tree of a --conf file, by its place in
     the file and its condition with a caret under the error; a refused request ends with
     "adoctor: <detail> (code <code>: <msg>)". `diag` also exits 1 when the progress stops
     moving for 10 polls
  2  usage error (unknown option, bad value, option not valid for the --action)
"""


@click.group(context_settings=CONTEXT_SETTINGS, epilog=EPILOG)
@click.version_option(package_name="aops", prog_name="adoctor", message="%(prog)s %(version)s")
@service_url_option(CHECK_SCHEDULER, "http://10.0.0.5:11112")
@service_url_option(DIAG_SCHEDULER, "http://10.0.0.5:11113")
@service_url_option(MANAGER, "http://10.0.0.5:11111")
@global_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """A-Doctor command line: check rules and results, fault trees and diagnoses."""
    ctx.ensure_object(State).service = CHECK_SCHEDULER


for command in (checkrule, check, stat, faultree, diag, report, task):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Run `adoctor`."""
    run(cli, "adoctor", argv)


if __name__ == "__main__":
    main()
