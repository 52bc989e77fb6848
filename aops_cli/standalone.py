"""`aops standalone`: every service in one process on its documented port, on embedded stores."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from aops_cli import webui

LOG = logging.getLogger("aops.standalone")
DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "aops"


@dataclass
class Running:
    name: str
    url: str
    stop: Callable[[], None]


# The web port of `aops standalone` (the UI and /api); 21.09 had the UI on nginx's port 80.
DEFAULT_WEB_PORT = 11110
# web/dist of the checkout this package runs from (an editable install, as `make run` has).
DEFAULT_WEB_DIR = Path(__file__).resolve().parents[1] / "web" / "dist"
# The manual's default deployment template and task (21.09 section 6.3), from the same checkout;
# copied under its own name, the one `aops-database init` reads in the conf dir.
SHIPPED_DEFAULTS = Path(__file__).resolve().parents[1] / "conf" / "default.json"
PROBE_CONF = "gala-gopher.conf"
# The probe of the local machine (docs/topology.md, "In aops standalone"): its records go to the
# in-process bus that gala_spider reads, whatever kafka_broker says.
PROBE_CONF_TEXT = """# written by `aops standalone` on first start (libconfig, as /etc/aops/gala-gopher.conf)
# The probe of this machine. In standalone its records go to the in-process bus of gala-spider,
# not to kafka_broker; the tcp probe's switch "off" (or `aops standalone --no-probe`) stops it.
ingress = { interval = 5; };
web_server = { port = 8888; bind = "127.0.0.1"; };
kafka = { kafka_topic = "gala_gopher"; switch = "on"; };
extend_probes = ( { name = "tcp"; param = ""; switch = "on"; } );
"""


def write_default_conf(data_dir: Path, host: str) -> Path:
    """First start: ini files that put every store under the data directory (edit them freely)."""
    from aops_utils import private

    # Everything under the data directory is the service account's alone: database.ini may
    # carry a MySQL password, the database holds the vaults, the secret signs tokens.
    conf_dir = private.make_dir(data_dir / "conf")
    files = {
        "system.ini": (
            f"[log]\nlog_dir={data_dir / 'log'}\n\n[auth]\nsecret_file={data_dir / 'secret.key'}\n\n"
            f"[manager]\nip={host}\nport=11111\n\n[database]\nip={host}\nport=11119\n\n"
            f"[check_scheduler]\nip={host}\nport=11112\n\n[diag_scheduler]\nip={host}\nport=11113\n\n"
            f"[gala_ragdoll]\nip={host}\nport=11114\n\n"
            f"[gala_spider]\nip={host}\nport=11115\n"
        ),
        "database.ini": (
            f"[database]\nip={host}\nport=11119\n\n"
            f"[store]\nrelational=sqlite\ndocument=sql\nsqlite_path={data_dir / 'aops.db'}\n\n"
            "[prometheus]\nip=127.0.0.1\nport=9090\n"
        ),
        "manager.ini": (
            f"[manager]\nip={host}\nport=11111\nhost_status_interval=60\n\n"
            f"[deploy]\ndata_dir={data_dir / 'deploy'}\n"
        ),
        "check_scheduler.ini": f"[bus]\nkind=memory\n\n[check_scheduler]\nip={host}\nport=11112\n",
        "check_executor.ini": "[bus]\nkind=memory\n\n[executor]\ndo_check_consumer_num=1\n",
        "diag_scheduler.ini": f"[bus]\nkind=memory\n\n[diag_scheduler]\nip={host}\nport=11113\n",
        "diag_executor.ini": "[bus]\nkind=memory\n\n[executor]\nconsumers=1\n",
        "gala-ragdoll.conf": (
            f"[git]\ngit_dir={data_dir / 'ragdoll'}\n\n[collect]\ncollect_address=http://{host}:11111\n\n"
            f"[ragdoll]\nip={host}\nport=11114\n"
        ),
        # The map is kept in the data center's SQL document store (the same SQLite file).
        "gala-spider.conf": f"[global]\ndata_source=memory\n\n[spider]\nip={host}\nport=11115\n",
    }
    for name, text in files.items():
        private.write_new_text(conf_dir / name, "; written by `aops standalone` on first start\n" + text)
    # libconfig, whose comments start with # (a ; would not parse).
    private.write_new_text(conf_dir / PROBE_CONF, PROBE_CONF_TEXT)
    # Init, which each start runs as the units do, imports what of it does not exist for admin:
    # a default deleted comes back at the next start, as the manual's database restart did;
    # `{}` in the file stops that (docs/deployment.md, "The default task").
    if SHIPPED_DEFAULTS.is_file():
        private.write_new_text(conf_dir / SHIPPED_DEFAULTS.name, SHIPPED_DEFAULTS.read_text(encoding="utf-8"))
    return conf_dir


def start_services(data_dir: Path, apps: dict[str, Any] | None = None, probe: bool = True) -> list[Running]:
    """Start every service from the settings in AOPS_CONF_DIR; `apps` receives the WSGI
    applications by the names of `webui.API_ROUTES`, for the web port. `probe`: the local
    machine's gala-gopher too (unless its gala-gopher.conf switches the tcp probe off)."""
    from aops_database import settings as db_settings
    from aops_database.__main__ import initialise
    from aops_database.app import create_app as create_database
    from aops_manager import settings as manager_settings
    from aops_manager.app import create_app as create_manager
    from aops_utils import log
    from aops_utils import private
    from aops_utils.bus.memory import MemoryBus
    from aops_utils.conf import load_system

    # Logging first, so that warnings about the ini files reach the log.
    log.setup("standalone", load_system().log, to_stderr=False)
    # An older version left the data directory to the umask (a 0644 database): tightened once.
    private.tighten_tree(data_dir)
    system, db_ini = db_settings.load()
    _, man_ini = manager_settings.load()
    initialise()
    apps = {} if apps is None else apps
    running: list[Running] = []
    database_app = create_database(system, db_ini)
    # With [tls] enabled in its system.ini, the services call the data center over HTTPS here too.
    secure = system.tls if system.tls.enabled else None
    running.append(_serve("aops-database", database_app, db_ini.database, secure))
    center = database_app.extensions["aops_database"]
    manager_app = create_manager(system, man_ini)
    state = manager_app.extensions["aops_manager"]
    # Stopped after the manager's routes and before the data center, which a run still going
    # tells that it ended interrupted (their atexit closing comes too late in one process).
    running.append(Running("deployment-runs", "", state.deployer.close))
    running.append(Running("host-facts", "", state.facts.close))
    running.append(_serve("aops-manager", manager_app, man_ini.manager.endpoint))
    apps[webui.MANAGER] = manager_app
    running.append(Running("host-status-prober", "", state.prober.stop))
    # One in-process bus for checks, diagnosis, the topology service and the probe feeding it.
    bus = MemoryBus()
    running.append(Running("message-bus", "", bus.close))
    running += _start_checks(system, bus, apps)
    running += _start_diagnosis(system, bus, apps)
    topology, topic = _start_topology(system, bus, center.docs, apps)
    running += topology
    if probe:
        running += _start_probe(bus, topic)
    running += _start_ragdoll(system, apps)

    def close_stores() -> None:
        center.docs.close()
        center.store.dispose()

    # Stopped last: `running` is stopped in reverse order.
    running.insert(0, Running("stores", "", close_stores))
    return running


def _start_checks(system: Any, bus: Any, apps: dict[str, Any]) -> list[Running]:
    """The check scheduler and one executor on the in-process bus."""
    from adoctor_check_executor import settings as executor_settings
    from adoctor_check_executor.service import build as build_executor
    from adoctor_check_scheduler import settings as scheduler_settings
    from adoctor_check_scheduler.app import create_app as create_scheduler

    _, exec_ini = executor_settings.load()
    sched_ini, scheduler_app = _app(
        apps, webui.CHECK_SCHEDULER, scheduler_settings, create_scheduler, system, bus=bus
    )
    running = [_serve("check-scheduler", scheduler_app, sched_ini.check_scheduler.endpoint)]
    running.append(Running("check-schedule", "", scheduler_app.extensions["adoctor_check_scheduler"].close))
    running.append(_started("check-executor", build_executor(system, exec_ini, bus)))
    return running


def _start_diagnosis(system: Any, bus: Any, apps: dict[str, Any]) -> list[Running]:
    """The diag scheduler and one diag executor on the same in-process bus."""
    from adoctor_diag_executor import settings as diag_executor_settings
    from adoctor_diag_executor.service import build as build_diag_executor
    from adoctor_diag_scheduler import settings as diag_scheduler_settings
    from adoctor_diag_scheduler.app import create_app as create_diag_scheduler

    _, exec_ini = diag_executor_settings.load()
    sched_ini, app = _app(
        apps, webui.DIAG_SCHEDULER, diag_scheduler_settings, create_diag_scheduler, system, bus=bus
    )
    # Its task watch resumes the tasks a killed run left unfinished (their queue died with it);
    # stopped after the routes that publish.
    running = [Running("diag-task-watch", "", app.extensions["adoctor_diag_scheduler"].close)]
    running.append(_serve("diag-scheduler", app, sched_ini.diag_scheduler.endpoint))
    running.append(_started("diag-executor", build_diag_executor(system, exec_ini, bus)))
    return running


def _app(
    apps: dict[str, Any], name: str, settings: Any, create_app: Callable[..., Any], system: Any, **extra: Any
) -> tuple[Any, Any]:
    """A service's settings from its ini file and its app on them, given to the web port as `name`."""
    _, ini = settings.load()
    app = create_app(system, ini, **extra)
    apps[name] = app
    return ini, app


def _started(name: str, worker: Any) -> Running:
    """A background worker (an executor's consumers) started, and how to stop it."""
    worker.start()
    return Running(name, "", worker.close)


def _start_ragdoll(system: Any, apps: dict[str, Any]) -> list[Running]:
    """Configuration tracing, its git repository under the data directory, with its drift check."""
    from gala_ragdoll import settings as ragdoll_settings
    from gala_ragdoll.app import create_app as create_ragdoll

    ini, app = _app(apps, webui.CONFIG_TRACING, ragdoll_settings, create_ragdoll, system)
    return [
        Running("drift-check", "", app.extensions["gala_ragdoll"].close),
        _serve("gala-ragdoll", app, ini.ragdoll.endpoint),
    ]


def _start_topology(system: Any, bus: Any, docs: Any, apps: dict[str, Any]) -> tuple[list[Running], str]:
    """gala_spider: its consumer on the in-process bus, its map in the data center's store; and
    the topic it reads."""
    from gala_spider import settings as spider_settings
    from gala_spider.app import create_app as create_spider

    ini, app = _app(apps, webui.TOPOLOGY, spider_settings, create_spider, system, bus=bus, docs=docs)
    running = [
        Running("topology-consumer", "", app.extensions["gala_spider"].close),
        _serve("gala-spider", app, ini.spider.endpoint),
    ]
    return running, str(ini.kafka.topic)


def _start_probe(bus: Any, spider_topic: str) -> list[Running]:
    """gala-gopher for this machine on its interval, producing to the in-process bus that
    gala_spider reads (its kafka_broker is not used here), with its metrics page."""
    from aops_utils.conf import Endpoint
    from gala_gopher import settings as probe_settings
    from gala_gopher.service import build as build_probe

    system, conf = probe_settings.load()
    if conf.tcp is None:
        LOG.info("gala-gopher not started: the tcp probe is off in %s", probe_settings.FILE_NAME)
        return []
    if conf.kafka.switch == "on" and conf.kafka.kafka_topic != spider_topic:
        LOG.warning(
            "gala-gopher produces to topic %s and gala-spider reads %s: the map stays empty",
            conf.kafka.kafka_topic,
            spider_topic,
        )
    probe = build_probe(system, conf, bus)
    page = Endpoint(ip=conf.web_server.bind, port=conf.web_server.port)
    try:
        probe.start()
    except OSError as exc:
        raise click.ClickException(
            f"gala-gopher cannot listen on {page.url}: {exc.strerror} (set web_server port in "
            f"{probe_settings.FILE_NAME}, or start with --no-probe)"
        ) from None
    return [Running("gala-gopher", page.url, probe.close)]


def start_web(dist: Path, host: str, port: int, apps: dict[str, Any]) -> Running:
    """The web UI and /api on one port of its own, dispatched in-process (no nginx)."""
    from aops_utils.conf import Endpoint

    return _serve("web", webui.WebUI(dist, apps), Endpoint(ip=host, port=port))


def _serve(name: str, app: Any, endpoint: Any, secure: Any = None) -> Running:
    from aops_utils.serving import serve_in_thread

    try:
        server, thread = serve_in_thread(app, endpoint, name, secure)
    except OSError as exc:
        raise click.ClickException(
            f"{name} cannot listen on {endpoint.url}: {exc.strerror} (is another A-Ops running?)"
        ) from None

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=10)

    url = endpoint.url if secure is None else "https" + endpoint.url.removeprefix("http")
    return Running(name, url, stop)


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA_DIR,
    show_default=True,
    help="Where the database, logs, secret and ini files live.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the services bind to.")
@click.option(
    "--web-port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_WEB_PORT,
    show_default=True,
    help="Port of the web UI and its /api routing (the services keep their own ports).",
)
@click.option(
    "--web-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_WEB_DIR,
    envvar="AOPS_WEB_DIR",
    show_default=True,
    help="The built web UI (web/dist; `make install` builds it).",
)
@click.option(
    "--probe/--no-probe",
    default=True,
    show_default=True,
    help="Run gala-gopher for this machine, feeding the topology (gala-gopher.conf can switch it off).",
)
def standalone(data_dir: Path, host: str, web_port: int, web_dir: Path, probe: bool) -> None:
    """Run the whole suite in one process on SQLite and in-process queues (Ctrl-C stops it)."""
    from aops_utils.serving import stop_signal
    from aops_utils.serving import wait_for_stop

    data_dir = data_dir.expanduser().resolve()
    # Everything this process writes is its user's only, also what a library or a child process
    # creates (the configuration tracing's git repository, Ansible's run files).
    os.umask(0o077)
    conf_dir = write_default_conf(data_dir, host)
    os.environ["AOPS_CONF_DIR"] = str(conf_dir)
    stopping = stop_signal()
    apps: dict[str, Any] = {}
    running = start_services(data_dir, apps, probe=probe)
    try:
        web = start_web(web_dir, host, web_port, apps)
    except click.ClickException:
        for item in reversed(running):
            item.stop()
        raise
    running.append(web)
    manager_url = next(r.url for r in running if r.name == "aops-manager")
    click.echo(f"A-Ops is running from {data_dir}")
    for item in running:
        if item.url:
            click.echo(f"  {item.name:<16} {item.url}")
    if not (web_dir / "index.html").is_file():
        click.echo(f"The web UI is not built (no {web_dir / 'index.html'}): {webui.BUILD_HINT}")
        click.echo(f"  then reload {web.url}/ (the /api routes answer there already).")
    if not (conf_dir / SHIPPED_DEFAULTS.name).is_file():
        click.echo(
            f"No default deployment task: no {conf_dir / SHIPPED_DEFAULTS.name} "
            "(copy conf/default.json of the source there and start again)"
        )
    click.echo(f"Log in at {web.url}/ as admin / changeme (web UI)")
    click.echo(f"  or with the CLI:  aops login --username admin   (manager {manager_url})")
    click.echo(f"Settings: {conf_dir}   Logs: {data_dir / 'log'}   Stop: Ctrl-C")
    wait_for_stop(stopping)
    click.echo("stopping A-Ops ...")
    for item in reversed(running):
        item.stop()
    click.echo("stopped")
