"""The A-Ops stack as shipped: `aops-database serve` and `aops-manager serve` under uWSGI."""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from support.conf import DATABASE_UWSGI_MYSQL
from support.conf import DATABASE_UWSGI_SQLITE
from support.conf import MANAGER_UWSGI
from support.conf import Conf
from support.conf import effective_read_cache_seconds
from support.conf import service_env
from support.conf import uwsgi_conf
from support.conf import write_manager_ini
from support.env import VENV_BIN
from support.env import testenv
from support.procs import Service
from support.procs import run_cli
from support.procs import start_process
from support.procs import wait_ready
from support.stores import drop_es_indices
from tests.stores import mysql_database
from tests.suite import write_conf

DATABASE_ARGV = [str(VENV_BIN / "aops-database"), "serve"]
MANAGER_ARGV = [str(VENV_BIN / "aops-manager"), "serve"]


@dataclass
class Stack:
    conf: Conf
    database: Service
    manager: Service
    relational: str
    document: str
    database_uwsgi: dict[str, int]
    manager_uwsgi: dict[str, int]
    mysql_url: str = ""  # the run's own MariaDB database (relational=mysql)
    extra: list[Service] = field(default_factory=list)
    # Every process started for this stack, stopped on the way out (restarts included).
    started: list[Service] = field(default_factory=list)

    @property
    def manager_url(self) -> str:
        return self.conf.manager_url

    @property
    def read_cache_seconds(self) -> float:
        """The manager's [manager] read_cache_seconds in this run's manager.ini."""
        return effective_read_cache_seconds(self.conf.conf_dir)

    def describe(self) -> str:
        return (
            f"stores {self.relational}/{self.document}; data center uWSGI "
            f"processes={self.database_uwsgi['processes']} threads={self.database_uwsgi['threads']}; "
            f"manager uWSGI processes={self.manager_uwsgi['processes']} "
            f"threads={self.manager_uwsgi['threads']}, read cache {self.read_cache_seconds:g} s"
        )

    def start(self, name: str, argv: Sequence[str], env: dict[str, str], url: str = "") -> Service:
        """One more process of this run: logged beside the services, stopped with them."""
        service = start_process(name, argv, env, self.conf.conf_dir / "log", url)
        self.started.append(service)
        self.extra.append(service)
        return service

    def serve(self, name: str, command: str, env: dict[str, str], port: int) -> Service:
        """One more web service of this run, `<command> serve` as its unit starts it, once it answers."""
        service = self.start(name, [str(VENV_BIN / command), "serve"], env, f"http://127.0.0.1:{port}")
        wait_ready(service)
        return service

    def restart_manager(self, read_cache_seconds: float | None) -> None:
        """Stop the manager, rewrite its manager.ini (same port) and start it again.

        `read_cache_seconds=0` disables the manager's read cache; None is the shipped default.
        The data center and its data stay as they are.
        """
        self.manager.stop()
        write_manager_ini(self.conf, self.manager_uwsgi, read_cache_seconds)
        env = service_env(self.conf.conf_dir)
        self.manager = start_process(
            "manager", MANAGER_ARGV, env, self.conf.conf_dir / "log", self.conf.manager_url
        )
        self.started.append(self.manager)
        wait_ready(self.manager)


_FAILURE = re.compile(r"\(HTTP/1\.\d 5\d\d\)|Traceback|Error|error|answered|WARNING|CRITICAL")


def service_errors(stack: Stack) -> list[str]:
    """Failure lines the services wrote so far (uWSGI 5xx request lines, warnings, tracebacks).

    Under uWSGI the services' Python warnings reach uWSGI's output (the .out files), since
    `serve` configures logging in the process that then execs uWSGI.
    """
    found = []
    for service in (stack.manager, stack.database, *stack.extra):
        lines = service.tail(100_000).splitlines()
        found += [
            f"{service.name}: {ln.strip()}"
            for ln in lines
            if _FAILURE.search(ln) and "*** WARNING" not in ln  # uWSGI start-up notices
        ]
    for path in sorted((stack.conf.conf_dir / "log").glob("*.log")):
        text = path.read_text(errors="replace").splitlines()
        found += [f"{path.name}: {ln.strip()}" for ln in text if _FAILURE.search(ln)]
    return found


@contextlib.contextmanager
def aops_stack(
    relational: str = "mysql",
    document: str = "elasticsearch",
    *,
    database_uwsgi: dict[str, int] | None = None,
    manager_uwsgi: dict[str, int] | None = None,
    read_cache_seconds: float | None = None,
    prometheus_url: str = "",
    deploy: str = "",
) -> Iterator[Stack]:
    """`aops-database init`, then `aops-database serve` and `aops-manager serve` under uWSGI.

    Fresh MariaDB database and ES index prefix (for the mysql/elasticsearch stores), temp conf
    dir with the test suite's ini files (tests/suite.py), logging warnings only; everything is
    stopped and removed on the way out. `read_cache_seconds` goes into manager.ini when given (0
    disables the manager's read cache); otherwise the shipped default. `prometheus_url` is the
    Prometheus the data center reads samples from (default: the test servers' Prometheus);
    `deploy`: more keys of manager.ini's [deploy] section.
    """
    env_vars = testenv()
    if database_uwsgi is None:
        database_uwsgi = DATABASE_UWSGI_MYSQL if relational == "mysql" else DATABASE_UWSGI_SQLITE
    manager_uwsgi = manager_uwsgi or MANAGER_UWSGI
    tmp = Path(tempfile.mkdtemp(prefix="aops-bench-"))
    conf_dir = tmp / f"aops_bench_{secrets.token_hex(4)}"
    es_url = env_vars["AOPS_TEST_ES_URL"] if document == "elasticsearch" else ""
    started: list[Service] = []
    try:
        with contextlib.ExitStack() as resources:
            mysql_url = ""
            if relational == "mysql":
                mysql_url = resources.enter_context(
                    mysql_database(env_vars["AOPS_TEST_MYSQL_URL"], "aops_bench_")
                )
            write_conf(
                conf_dir,
                relational=relational,
                document=document,
                mysql_url=mysql_url,
                es_url=es_url,
                prometheus_url=prometheus_url or env_vars["AOPS_TEST_PROMETHEUS_URL"],
                log_level="WARNING",
            )
            conf = uwsgi_conf(conf_dir, database_uwsgi, manager_uwsgi, read_cache_seconds, deploy)
            if es_url:
                resources.callback(drop_es_indices, es_url, conf.es_prefix)
            env = service_env(conf_dir)
            run_cli([str(VENV_BIN / "aops-database"), "init"], env)
            log_dir = conf_dir / "log"
            database = start_process("database", DATABASE_ARGV, env, log_dir, conf.database_url)
            started.append(database)
            manager = start_process("manager", MANAGER_ARGV, env, log_dir, conf.manager_url)
            started.append(manager)
            wait_ready(database)
            wait_ready(manager)
            stack = Stack(
                conf,
                database,
                manager,
                relational,
                document,
                database_uwsgi,
                manager_uwsgi,
                mysql_url,
                started=started,
            )
            try:
                yield stack
            finally:
                for service in reversed(started):
                    service.stop()
    finally:
        for service in started:
            with contextlib.suppress(Exception):
                service.stop()
        shutil.rmtree(tmp, ignore_errors=True)
