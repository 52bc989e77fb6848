"""`adoctor-check-scheduler` / `python -m adoctor_check_scheduler`: serve rules, results, schedule."""

from __future__ import annotations

import click

from adoctor_check_scheduler import settings
from adoctor_check_scheduler.app import create_app
from aops_utils import log
from aops_utils.serving import exec_uwsgi, run_main, threaded_server


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """The A-Ops check scheduler (port 11112)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@cli.command()
@click.option("--dev", is_flag=True, help="Threaded development server instead of uWSGI.")
def serve(dev: bool) -> None:
    """Serve on check_scheduler.ini [check_scheduler] ip:port and run the schedule."""
    system, ini = settings.load()
    log.setup("check_scheduler", system.log)
    if not dev:
        # One process: the schedule thread must run once, not once per worker.
        exec_uwsgi(
            "adoctor_check_scheduler.wsgi:app",
            ini.check_scheduler.endpoint,
            ini.uwsgi.model_copy(update={"processes": 1}),
        )
    threaded_server(create_app(system, ini), ini.check_scheduler.endpoint).serve_forever()


def main() -> None:
    run_main(cli, "adoctor-check-scheduler")


if __name__ == "__main__":
    main()
