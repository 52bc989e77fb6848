"""The command lines of the services: `serve` for HTTP services, `start` for bus workers."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from typing import Any
from typing import Protocol

import click

from aops_utils import log
from aops_utils.bus.protocol import MessageBus
from aops_utils.conf import Endpoint
from aops_utils.conf import SystemIni
from aops_utils.conf import UwsgiSection
from aops_utils.conf import load_system
from aops_utils.serving import exec_uwsgi
from aops_utils.serving import stop_signal
from aops_utils.serving import threaded_server
from aops_utils.serving import wait_for_stop


class Worker(Protocol):
    def start(self) -> None: ...

    def close(self) -> None: ...


def _load_logged(load: Callable[[], tuple[SystemIni, Any]], log_name: str) -> tuple[SystemIni, Any]:
    """Logging first, from system.ini alone, so that the warnings about retired keys of the
    service's own ini file reach its log file."""
    log.setup(log_name, load_system().log)
    return load()


def _group(description: str, default: str) -> click.Group:
    """A command group that runs its command `default` when called without one."""

    @click.group(invoke_without_command=True, help=description)
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        if ctx.invoked_subcommand is None:
            ctx.invoke(cli.commands[default])

    return cli


def http_service(
    *,
    description: str,
    log_name: str,
    load: Callable[[], tuple[SystemIni, Any]],
    endpoint: Callable[[Any], Endpoint],
    uwsgi: Callable[[Any], UwsgiSection],
    wsgi: str,
    create_app: Callable[[SystemIni, Any], Any],
    ready: Callable[[Any], None] | None = None,
    serves_services: bool = False,
) -> click.Group:
    """A command group whose default command serves the app (uWSGI, or threaded with --dev);
    `ready` may refuse to serve (a ConfigError) before anything listens. A service that other
    services call (`serves_services`: the data center) serves HTTPS when `[tls]` is enabled."""
    cli = _group(description, "serve")

    @cli.command()
    @click.option("--dev", is_flag=True, help="Threaded development server instead of uWSGI.")
    def serve(dev: bool) -> None:
        """Serve on the address of the service's ini file."""
        system, ini = _load_logged(load, log_name)
        if ready is not None:
            ready(ini)
        secure = system.tls if serves_services and system.tls.enabled else None
        if not dev:
            exec_uwsgi(wsgi, endpoint(ini), uwsgi(ini), secure)
        threaded_server(create_app(system, ini), endpoint(ini), secure).serve_forever()

    return cli


def bus_worker(
    *,
    description: str,
    log_name: str,
    load: Callable[[], tuple[SystemIni, Any]],
    open_bus: Callable[[Any], MessageBus],
    topics: Callable[[Any], Sequence[str]],
    build: Callable[[SystemIni, Any, MessageBus], Worker],
) -> click.Group:
    """A command group whose default command consumes from the bus until SIGTERM or Ctrl-C."""
    cli = _group(description, "start")

    @cli.command()
    def start() -> None:
        """Consume until SIGTERM or Ctrl-C, then finish the batch in hand and stop."""
        system, ini = _load_logged(load, log_name)
        bus = open_bus(ini)
        bus.ensure_topics(list(topics(ini)))
        worker = build(system, ini, bus)
        stopping = stop_signal()
        worker.start()
        wait_for_stop(stopping)
        worker.close()
        bus.close()

    return cli
