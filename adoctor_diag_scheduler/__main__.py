"""`adoctor-diag-scheduler` / `python -m adoctor_diag_scheduler`: serve trees, tasks and reports."""

from __future__ import annotations

import click

from adoctor_diag_scheduler import settings
from adoctor_diag_scheduler.app import create_app
from aops_utils import log
from aops_utils.serving import exec_uwsgi, run_main, threaded_server


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """The A-Ops diag scheduler (port 11113)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@cli.command()
@click.option("--dev", is_flag=True, help="Threaded development server instead of uWSGI.")
def serve(dev: bool) -> None:
    """Serve on diag_scheduler.ini [diag_scheduler] ip:port."""
    system, ini = settings.load()
    log.setup("diag_scheduler", system.log)
    if not dev:
        exec_uwsgi("adoctor_diag_scheduler.wsgi:app", ini.diag_scheduler.endpoint, ini.uwsgi)
    threaded_server(create_app(system, ini), ini.diag_scheduler.endpoint).serve_forever()


def main() -> None:
    run_main(cli, "adoctor-diag-scheduler")


if __name__ == "__main__":
    main()
