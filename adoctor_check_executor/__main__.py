"""`adoctor-check-executor` / `python -m adoctor_check_executor`: consume check tasks until stopped."""

from __future__ import annotations

import signal
import threading

import click

from adoctor_check_executor import settings
from adoctor_check_executor.service import build
from aops_utils import log
from aops_utils.bus.settings import bus_from
from aops_utils.bus.topics import Topic
from aops_utils.serving import run_main


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """The A-Ops check executor (no port: it works from the message bus)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(start)


@cli.command()
def start() -> None:
    """Consume DO_CHECK_TOPIC until SIGTERM or Ctrl-C."""
    system, ini = settings.load()
    log.setup("check_executor", system.log)
    bus = bus_from(ini.bus, ini.producer, ini.consumer)
    bus.ensure_topics([t.value for t in Topic])
    executor = build(system, ini, bus)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    executor.start()
    stopping.wait()
    executor.close()
    bus.close()


def main() -> None:
    run_main(cli, "adoctor-check-executor")


if __name__ == "__main__":
    main()
