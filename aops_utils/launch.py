"""The command lines of the services: `serve` for HTTP services, `start` for bus workers.

A service's command is named after its package (`aops_manager` is `aops-manager`), and logs to
the file named after its ini file (manager.ini, manager.log).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any
from typing import Protocol

import click

from aops_utils import log
from aops_utils.bus.protocol import MessageBus
from aops_utils.conf import ServiceLoader
from aops_utils.conf import SystemIni
from aops_utils.conf import UwsgiSection
from aops_utils.conf import load_system
from aops_utils.errors import AopsError
from aops_utils.errors import ConfigError
from aops_utils.serving import exec_uwsgi
from aops_utils.serving import stop_signal
from aops_utils.serving import threaded_server
from aops_utils.serving import wait_for_stop


class Worker(Protocol):
    def start(self) -> None: ...

    def close(self) -> None: ...


class ServiceCommand(click.Group):
    """A service's command group: a configuration or service error ends in one plain line and
    exit status 2, not a traceback."""

    def __init__(self, *args: Any, prog: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prog = prog

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except (ConfigError, AopsError) as exc:
            click.echo(f"{self.prog}: {exc}", err=True)
            sys.exit(2)


def _load_logged(load: ServiceLoader[Any]) -> tuple[SystemIni, Any]:
    """Logging first, from system.ini alone, so that the warnings about retired keys of the
    service's own ini file reach its log file."""
    log.setup(load.name, load_system().log)
    return load()


def _group(package: str, description: str, default: str) -> ServiceCommand:
    """A command group that runs its command `default` when called without one."""

    @click.group(
        cls=ServiceCommand, prog=package.replace("_", "-"), invoke_without_command=True, help=description
    )
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        if ctx.invoked_subcommand is None:
            ctx.invoke(cli.commands[default])

    return cli


def one_process(ini: Any) -> UwsgiSection:
    """The service's [uwsgi] section with one process: for a service whose background thread
    (a schedule, a drift check) must run once, not once per worker."""
    section: UwsgiSection = ini.uwsgi.model_copy(update={"processes": 1})
    return section


def http_service(
    package: str,
    description: str,
    load: ServiceLoader[Any],
    create_app: Callable[[SystemIni, Any], Any],
    *,
    uwsgi: Callable[[Any], UwsgiSection] = lambda ini: ini.uwsgi,
    ready: Callable[[Any], None] | None = None,
    serves_services: bool = False,
) -> ServiceCommand:
    """A command group whose default command serves the app (uWSGI with `<package>.wsgi:app`, or
    threaded with --dev) where `load.endpoint` says; `ready` may refuse to serve (a ConfigError)
    before anything listens. A service that other services call (`serves_services`: the data
    center) serves HTTPS when `[tls]` is enabled."""
    cli = _group(package, description, "serve")

    @cli.command()
    @click.option("--dev", is_flag=True, help="Threaded development server instead of uWSGI.")
    def serve(dev: bool) -> None:
        """Serve on the address of the service's ini file."""
        system, ini = _load_logged(load)
        if ready is not None:
            ready(ini)
        secure = system.tls if serves_services and system.tls.enabled else None
        endpoint = load.endpoint(ini)
        if not dev:
            exec_uwsgi(f"{package}.wsgi:app", endpoint, uwsgi(ini), secure)
        threaded_server(create_app(system, ini), endpoint, secure).serve_forever()

    return cli


def wsgi_app(load: ServiceLoader[Any], create_app: Callable[[SystemIni, Any], Any]) -> Any:
    """The app a uWSGI worker serves. Logging is set up here, in the worker: uWSGI replaced the
    process that read the settings."""
    system, ini = load()
    log.setup(load.name, system.log)
    app = create_app(system, ini)
    # What the worker holds from here on (modules, the app, its stores: over 100,000 objects)
    # is moved out of the collector's generations, so that a full collection, which the many
    # temporary objects of a bulk request (a 2,760-result save) set off, walks only what came
    # after. In a process holding 130,000 objects a full collection took ~80 ms, ~13 ms after.
    gc.collect()
    gc.freeze()
    return app


def bus_worker(
    package: str,
    description: str,
    load: ServiceLoader[Any],
    build: Callable[[SystemIni, Any, MessageBus], Worker],
    *,
    open_bus: Callable[[Any], MessageBus],
    topics: Callable[[Any], Sequence[str]],
) -> ServiceCommand:
    """A command group whose default command consumes from the bus until SIGTERM or Ctrl-C."""
    cli = _group(package, description, "start")

    @cli.command()
    def start() -> None:
        """Consume until SIGTERM or Ctrl-C, then finish the batch in hand and stop."""
        system, ini = _load_logged(load)
        bus = open_bus(ini)
        bus.ensure_topics(list(topics(ini)))
        worker = build(system, ini, bus)
        stopping = stop_signal()
        worker.start()
        wait_for_stop(stopping)
        worker.close()
        bus.close()

    return cli
