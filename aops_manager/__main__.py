"""`aops-manager` / `python -m aops_manager`: serve the management center."""

from __future__ import annotations

import click

from aops_manager import settings as manager_settings
from aops_manager.app import create_app
from aops_utils import log
from aops_utils.serving import exec_uwsgi, run_main, threaded_server


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """The A-Ops management center (port 11111)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@cli.command()
@click.option("--dev", is_flag=True, help="Threaded development server instead of uWSGI.")
def serve(dev: bool) -> None:
    """Serve the manager on manager.ini [manager] ip:port."""
    system, ini = manager_settings.load()
    log.setup("manager", system.log)
    if not dev:
        exec_uwsgi("aops_manager.wsgi:app", ini.manager.endpoint, ini.uwsgi)
    threaded_server(create_app(system, ini), ini.manager.endpoint).serve_forever()


def main() -> None:
    run_main(cli, "aops-manager")


if __name__ == "__main__":
    main()
