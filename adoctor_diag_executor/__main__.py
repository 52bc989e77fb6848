"""`adoctor-diag-executor` / `python -m adoctor_diag_executor`: diagnose until stopped."""

from __future__ import annotations

import signal
import threading

import click

from adoctor_diag_executor import settings
from adoctor_diag_executor.service import build
from aops_utils import log
from aops_utils.bus.settings import bus_from
from aops_utils.serving import run_main


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """The A-Ops diag executor (no port: it works from the message bus)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(start)


@cli.command()
def start() -> None:
    """Consume DIAGNOSE_EXECUTE_REQ until SIGTERM or Ctrl-C."""
    system, ini = settings.load()
    log.setup("diag_executor", system.log)
    bus = bus_from(ini.bus, ini.producer, ini.consumer)
    bus.ensure_topics([ini.topic.name])
    executor = build(system, ini, bus)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    executor.start()
    stopping.wait()
    executor.close()
    bus.close()


def main() -> None:
    run_main(cli, "adoctor-diag-executor")


if __name__ == "__main__":
    main()
