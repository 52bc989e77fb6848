"""Where each ini key takes effect, seen from the code that uses it (for test_ini_2109.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adoctor_check_executor.settings import CheckExecutorIni
from adoctor_check_scheduler.settings import CheckSchedulerIni
from adoctor_diag_executor.settings import DiagExecutorIni
from adoctor_diag_scheduler.settings import DiagSchedulerIni
from aops_cli.client import Service
from aops_cli.session import url_from_settings
from aops_database.app import open_stores
from aops_database.settings import DatabaseIni
from aops_manager.settings import ManagerIni
from aops_utils import conf
from aops_utils import log
from aops_utils.auth import load_secret
from aops_utils.bus.kafka import KafkaBus
from aops_utils.bus.memory import MemoryBus
from aops_utils.bus.settings import bus_from
from aops_utils.conf import Section
from aops_utils.conf import SystemIni
from aops_utils.serving import uwsgi_argv

MANUAL = Path(__file__).with_name("ini_2109")
SHIPPED = Path(__file__).resolve().parents[2] / "conf"
MODELS: dict[str, type[Section]] = {
    "system.ini": SystemIni,
    "manager.ini": ManagerIni,
    "database.ini": DatabaseIni,
    "check_scheduler.ini": CheckSchedulerIni,
    "check_executor.ini": CheckExecutorIni,
    "diag_scheduler.ini": DiagSchedulerIni,
    "diag_executor.ini": DiagExecutorIni,
}
Observe = Callable[[Path], Any]
EXECUTORS = ("check_executor.ini", "diag_executor.ini")


def ini(name: str, directory: Path) -> Any:
    return conf.load(MODELS[name], name, directory)


def argv(name: str) -> Observe:
    """The uWSGI command line `serve` runs for the service of this file."""

    def observe(directory: Path) -> str:
        loaded = ini(name, directory)
        endpoint = {
            "manager.ini": lambda: loaded.manager.endpoint,
            "database.ini": lambda: loaded.database,
            "check_scheduler.ini": lambda: loaded.check_scheduler.endpoint,
            "diag_scheduler.ini": lambda: loaded.diag_scheduler.endpoint,
        }[name]()
        return " ".join(uwsgi_argv("m.wsgi:app", endpoint, loaded.uwsgi))

    return observe


def bus(name: str, read: Callable[[KafkaBus], Any]) -> Observe:
    """What the Kafka bus the service builds from this file was configured with."""

    def observe(directory: Path) -> Any:
        loaded = ini(name, directory)
        made = bus_from(
            loaded.bus, producer=getattr(loaded, "producer", None), consumer=getattr(loaded, "consumer", None)
        )
        assert isinstance(made, KafkaBus)
        try:
            return read(made)
        finally:
            made.close()

    return observe


def section(name: str, path: str) -> Observe:
    """A value of the typed settings the service hands to the code that uses it."""

    def observe(directory: Path) -> Any:
        value = ini(name, directory)
        for part in path.split("."):
            value = getattr(value, part)
        return value

    return observe


def built(name: str, read: Callable[[Any], Any]) -> Observe:
    """The executor service `build` makes from this file (on an in-process bus)."""

    def observe(directory: Path) -> Any:
        from adoctor_check_executor.service import build as build_check
        from adoctor_diag_executor.service import build as build_diag

        secret = directory / "secret.key"
        load_secret(secret, create=True)
        make = {"check_executor.ini": build_check, "diag_executor.ini": build_diag}[name]
        bus = MemoryBus()
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AOPS_SYSTEM__AUTH__SECRET_FILE", str(secret))
            system = conf.load_system(directory)
        try:
            return read(make(system, ini(name, directory), bus))
        finally:
            bus.close()

    return observe


def logging_setup(read: Callable[[logging.Handler], Any]) -> Observe:
    def observe(directory: Path) -> Any:
        root = logging.getLogger()
        before = list(root.handlers)
        level = root.level
        log.setup("probe", ini("system.ini", directory).log, to_stderr=False)
        try:
            (handler,) = [h for h in root.handlers if h not in before]
            return read(handler)
        finally:
            for added in [h for h in root.handlers if h not in before]:
                root.removeHandler(added)
                added.close()
            root.setLevel(level)

    return observe


def stores(read: Callable[[Any, Any], Any]) -> Observe:
    def observe(directory: Path) -> Any:
        relational, documents = open_stores(ini("database.ini", directory))
        try:
            return read(relational, documents)
        finally:
            documents.close()
            relational.dispose()

    return observe


def cli_url(service: Service) -> Observe:
    def observe(directory: Path) -> str:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AOPS_CONF_DIR", str(directory))
            return url_from_settings(service)

    return observe


def plugin_module(directory: Path) -> str:
    registry = ini("check_executor.ini", directory).executor.registry()
    return str(registry.plugin("expression_rule_plugin").__module__)
