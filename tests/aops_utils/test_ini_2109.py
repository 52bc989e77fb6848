"""Every key of the 21.09 manual's seven ini files: honoured (its effect seen where it is used)
or warned about with the reason (ini_2109/ holds the files exactly as the manual prints them)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aops_cli.client import CHECK_SCHEDULER
from aops_cli.client import DIAG_SCHEDULER
from aops_cli.client import MANAGER
from aops_utils import conf
from tests.aops_utils.ini_probes import EXECUTORS
from tests.aops_utils.ini_probes import MANUAL
from tests.aops_utils.ini_probes import MODELS
from tests.aops_utils.ini_probes import SHIPPED
from tests.aops_utils.ini_probes import Observe
from tests.aops_utils.ini_probes import argv
from tests.aops_utils.ini_probes import built
from tests.aops_utils.ini_probes import bus
from tests.aops_utils.ini_probes import cli_url
from tests.aops_utils.ini_probes import ini
from tests.aops_utils.ini_probes import logging_setup
from tests.aops_utils.ini_probes import plugin_module
from tests.aops_utils.ini_probes import section
from tests.aops_utils.ini_probes import stores


@dataclass(frozen=True)
class Honoured:
    """Written with `value` instead of the manual's, the key's user sees `expect` (and, unless
    `only_changed`, did not see it with the manual's value)."""

    value: str
    observe: Observe
    expect: Any
    only_changed: bool = False


@dataclass(frozen=True)
class Warned:
    """Dropped with a warning that names it and gives the reason."""


def _manual_keys() -> Iterator[tuple[str, str, str]]:
    for name in MODELS:
        for sec, values in conf.read_ini(MANUAL / name).items():
            for key in values:
                yield name, sec, key


def _endpoints(file: str, sec: str) -> dict[tuple[str, str, str], Honoured | Warned]:
    return {
        (file, sec, "ip"): Honoured("127.0.0.2", argv(file), "--http 127.0.0.2:"),
        (file, sec, "port"): Honoured("12345", argv(file), ":12345 "),
    }


def _uwsgi(file: str) -> dict[tuple[str, str, str], Honoured | Warned]:
    return {
        (file, "uwsgi", "wsgi-file"): Warned(),
        (file, "uwsgi", "daemonize"): Honoured(
            "/tmp/aops-uwsgi-x.log", argv(file), "--logto /tmp/aops-uwsgi-x.log"
        ),
        (file, "uwsgi", "http-timeout"): Honoured("77", argv(file), "--http-timeout 77 "),
        (file, "uwsgi", "harakiri"): Honoured("78", argv(file), "--harakiri 78 "),
    }


def _producer(file: str) -> dict[tuple[str, str, str], Honoured | Warned]:
    return {
        (file, "producer", "kafka_server_list"): Honoured(
            "10.9.9.9:9092", bus(file, lambda b: b.servers), "10.9.9.9:9092"
        ),
        (file, "producer", "api_version"): Honoured(
            "2.0.1", bus(file, lambda b: b._producer_config["api_version"]), (2, 0, 1)
        ),
        (file, "producer", "acks"): Honoured("all", bus(file, lambda b: b._producer_config["acks"]), "all"),
        (file, "producer", "retries"): Honoured("7", bus(file, lambda b: b._producer_config["retries"]), 7),
        (file, "producer", "retry_backoff_ms"): Honoured(
            "250", bus(file, lambda b: b._common["retry_backoff_ms"]), 250
        ),
    }


def _consumer(file: str) -> dict[tuple[str, str, str], Honoured | Warned]:
    return {
        (file, "consumer", "kafka_server_list"): Honoured(
            "10.8.8.8:9092", bus(file, lambda b: b.consumer_servers), "10.8.8.8:9092"
        ),
        # The only value allowed: True is refused (test_auto_commit_cannot_be_switched_on).
        (file, "consumer", "enable_auto_commit"): Honoured(
            "False", bus(file, lambda b: b._consumer_config["enable_auto_commit"]), False, True
        ),
        (file, "consumer", "auto_offset_reset"): Honoured(
            "latest", bus(file, lambda b: b._consumer_config["auto_offset_reset"]), "latest"
        ),
        (file, "consumer", "timeout_ms"): Honoured(
            "250",
            # The executors' consume loops wait this long per idle poll.
            built(file, lambda e: e.poll_seconds)
            if file in EXECUTORS
            else section(file, "consumer.poll_seconds"),
            0.25,
        ),
        (file, "consumer", "max_records"): Honoured(
            "9", bus(file, lambda b: b._consumer_config["max_poll_records"]), 9
        ),
    }


def _table() -> dict[tuple[str, str, str], Honoured | Warned]:
    table: dict[tuple[str, str, str], Honoured | Warned] = {
        ("system.ini", "log", "log_level"): Honoured(
            "DEBUG", logging_setup(lambda h: logging.getLogger().level), 10
        ),
        # Only the changed directory is written to: the manual's is /var/log/aops.
        ("system.ini", "log", "log_dir"): Honoured(
            "/tmp/aops-log-x",
            logging_setup(lambda h: h.baseFilename),
            "/tmp/aops-log-x/probe.log",
            True,  # type: ignore[attr-defined]
        ),
        ("system.ini", "log", "max_bytes"): Honoured("4096", logging_setup(lambda h: h.maxBytes), 4096),  # type: ignore[attr-defined]
        ("system.ini", "log", "backup_count"): Honoured("3", logging_setup(lambda h: h.backupCount), 3),  # type: ignore[attr-defined]
        ("system.ini", "database", "ip"): Honoured(
            "127.0.0.3", section("system.ini", "database.url"), "http://127.0.0.3:11119"
        ),
        ("system.ini", "database", "port"): Honoured(
            "12346", section("system.ini", "database.url"), "http://127.0.0.1:12346"
        ),
        **_endpoints("manager.ini", "manager"),
        ("manager.ini", "manager", "host_vault_dir"): Warned(),
        ("manager.ini", "manager", "host_vars"): Warned(),
        ("manager.ini", "database", "ip"): Warned(),
        ("manager.ini", "database", "port"): Warned(),
        **_uwsgi("manager.ini"),
        **_endpoints("database.ini", "database"),
        ("database.ini", "elasticsearch", "ip"): Honoured(
            "127.0.0.4", stores(lambda r, d: d._shown_hosts), "http://127.0.0.4:9200"
        ),
        ("database.ini", "elasticsearch", "port"): Honoured(
            "9201", stores(lambda r, d: d._shown_hosts), "http://127.0.0.1:9201"
        ),
        ("database.ini", "elasticsearch", "max_es_query_num"): Warned(),
        ("database.ini", "mysql", "ip"): Honoured(
            "127.0.0.5", stores(lambda r, d: r.engine.url.host), "127.0.0.5"
        ),
        ("database.ini", "mysql", "port"): Honoured("3307", stores(lambda r, d: r.engine.url.port), 3307),
        ("database.ini", "mysql", "database_name"): Honoured(
            "ops2", stores(lambda r, d: r.engine.url.database), "ops2"
        ),
        ("database.ini", "mysql", "engine_format"): Honoured(
            "mysql+pymysql://reader@%s:%s/%s", stores(lambda r, d: r.engine.url.username), "reader"
        ),
        ("database.ini", "mysql", "pool_size"): Honoured("12", stores(lambda r, d: r.engine.pool.size()), 12),
        ("database.ini", "mysql", "pool_recycle"): Honoured(
            "99", stores(lambda r, d: r.engine.pool._recycle), 99
        ),
        ("database.ini", "prometheus", "ip"): Honoured(
            "127.0.0.6", section("database.ini", "prometheus.url"), "http://127.0.0.6:9090"
        ),
        ("database.ini", "prometheus", "port"): Honoured(
            "9091", section("database.ini", "prometheus.url"), "http://127.0.0.1:9091"
        ),
        ("database.ini", "prometheus", "disable_ssl"): Honoured(
            "False", section("database.ini", "prometheus.url"), "https://127.0.0.1:9090"
        ),
        **_uwsgi("database.ini"),
        **_producer("check_scheduler.ini"),
        **_consumer("check_scheduler.ini"),
        ("check_scheduler.ini", "consumer", "group_id"): Warned(),
        **_endpoints("check_scheduler.ini", "check_scheduler"),
        **_uwsgi("check_scheduler.ini"),
        **_consumer("check_executor.ini"),
        **_producer("check_executor.ini"),
        ("check_executor.ini", "executor", "plugin_path"): Honoured(
            "probe_plugins", plugin_module, "probe_plugins.expression_rule"
        ),
        ("check_executor.ini", "executor", "do_check_consumer_num"): Honoured(
            "3", built("check_executor.ini", lambda e: e.consumers), 3
        ),
        ("check_executor.ini", "executor", "sample_period"): Honoured(
            "30", built("check_executor.ini", lambda e: e.worker.sample_period), 30
        ),
        **_producer("diag_scheduler.ini"),
        ("diag_scheduler.ini", "topic", "name"): Honoured(
            "DIAG_X", section("diag_scheduler.ini", "topic.name"), "DIAG_X"
        ),
        **_endpoints("diag_scheduler.ini", "diag_scheduler"),
        **_uwsgi("diag_scheduler.ini"),
        **_consumer("diag_executor.ini"),
        ("diag_executor.ini", "consumer", "group_id"): Honoured(
            "DiagGroup2", built("diag_executor.ini", lambda e: e.group), "DiagGroup2"
        ),
        ("diag_executor.ini", "topic", "name"): Honoured(
            "DIAG_X", built("diag_executor.ini", lambda e: e.topic), "DIAG_X"
        ),
    }
    for service, port in ((MANAGER, 11111), (CHECK_SCHEDULER, 11112), (DIAG_SCHEDULER, 11113)):
        sec = service.section
        table[("system.ini", sec, "ip")] = Honoured("127.0.0.7", cli_url(service), f"http://127.0.0.7:{port}")
        table[("system.ini", sec, "port")] = Honoured("12347", cli_url(service), "http://127.0.0.1:12347")
    for key in (
        "max_retry_num", "cool_down_time", "max_dead_retry_task", "backward_task_step",
        "backward_task_interval", "backward_min_timestamp", "forward_task_interval", "forward_max_task_step",
    ):  # fmt: skip
        table[("check_scheduler.ini", "check_scheduler", key)] = Honoured(
            "41", section("check_scheduler.ini", f"check_scheduler.{key}"), 41
        )
    table[("check_scheduler.ini", "check_scheduler", "dead_retry_task_discount")] = Honoured(
        "0.25", section("check_scheduler.ini", "check_scheduler.dead_retry_task_discount"), 0.25
    )
    return table


TABLE = _table()
CASES = sorted(TABLE)


def test_the_table_names_every_key_of_the_manuals_seven_files_and_no_other() -> None:
    assert sorted(set(_manual_keys())) == CASES


def _write(directory: Path, change: tuple[str, str, str, str] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in MODELS:
        text = (MANUAL / name).read_text(encoding="utf-8")
        if change and change[0] == name:
            raw = conf.read_ini(MANUAL / name)
            raw[change[1]][change[2]] = change[3]
            text = "".join(
                f"[{sec}]\n" + "".join(f"{k}={v}\n" for k, v in values.items()) for sec, values in raw.items()
            )
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def probe_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin package `probe_plugins` whose expression_rule module re-exports the built-in."""
    package = tmp_path / "path" / "probe_plugins"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "expression_rule.py").write_text(
        "from aops_utils.rules.plugins.expression_rule import ExpressionCheckRule as Base\n\n\n"
        "class ExpressionCheckRule(Base):\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(package.parent))
    # uwsgi_argv looks uWSGI up on PATH: the one installed beside this interpreter.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{Path(sys.executable).resolve().parent}")


@pytest.mark.usefixtures("probe_plugins")
@pytest.mark.parametrize("where", CASES, ids=["/".join(c) for c in CASES])
def test_each_2109_key_is_honoured_or_warned_about(
    where: tuple[str, str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    name, sec, key = where
    treatment = TABLE[where]
    if isinstance(treatment, Warned):
        with caplog.at_level(logging.WARNING, logger="aops_utils.conf"):
            ini(name, _write(tmp_path / "manual"))
        named = [
            r.getMessage()
            for r in caplog.records
            if f"{name} [{sec}] {key}:" in r.getMessage() or f"{name} [{sec}]:" in r.getMessage()
        ]
        assert named and "no effect" in named[0], caplog.text
        return
    changed = treatment.observe(_write(tmp_path / "changed", (name, sec, key, treatment.value)))
    if isinstance(treatment.expect, str):
        assert treatment.expect in str(changed), changed
    else:
        assert changed == treatment.expect, changed
    if not treatment.only_changed:
        default = treatment.observe(_write(tmp_path / "manual"))
        assert str(treatment.expect) not in str(default), default


def test_the_shipped_files_load_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="aops_utils.conf"):
        for name in MODELS:
            ini(name, SHIPPED)
    assert not caplog.records, caplog.text


def test_the_2109_plugin_package_means_the_built_in_one(tmp_path: Path) -> None:
    assert plugin_module(_write(tmp_path)) == "aops_utils.rules.plugins.expression_rule"
