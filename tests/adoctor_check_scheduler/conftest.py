"""A check pipeline on real servers: MariaDB, the ES-API server, Kafka (Tansu), Prometheus."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from typing import TypeVar

import pytest
import requests

from adoctor_check_executor import settings as executor_settings
from adoctor_check_executor.service import Executor
from adoctor_check_executor.service import build
from adoctor_check_scheduler import settings as scheduler_settings
from adoctor_check_scheduler.app import create_app
from adoctor_check_scheduler.jobs import CheckSchedule
from aops_utils.bus.loop import consume_in_thread
from aops_utils.bus.settings import bus_from
from aops_utils.contracts.topics import Group
from aops_utils.contracts.topics import Topic
from aops_utils.serving import serve_in_thread
from tests.conftest import KAFKA
from tests.conftest import NODE_EXPORTER
from tests.conftest import PROMETHEUS_URL
from tests.conftest import mariadb_suite
from tests.conftest import require
from tests.suite import Suite
from tests.suite import TcpProxy
from tests.suite import free_port
from tests.suite import private_kafka

E = TypeVar("E")
NODE_IP = NODE_EXPORTER.rsplit(":", 1)[0]


def kafka_ini(servers: str) -> str:
    return (
        f"[consumer]\nkafka_server_list={servers}\nsession_timeout_ms=2000\nheartbeat_interval_ms=500\n"
        f"max_records=5\n[producer]\nkafka_server_list={servers}\n[bus]\nkind=kafka\n"
    )


def start_in_process(conf_dir: Path, settings: Any, build: Callable[..., E], running: list[E]) -> E:
    """Build the executor that `settings` loads from `conf_dir`, start it and add it to `running`."""
    system, ini = settings.load(conf_dir)
    # The diag executor publishes nothing: its ini has no [producer].
    executor = build(system, ini, bus_from(ini.bus, getattr(ini, "producer", None), ini.consumer))
    executor.start()
    running.append(executor)
    return executor


def stop_all(running: list[Any]) -> None:
    """Close the executors of `running`, the last started first, with their buses."""
    while running:
        executor = running.pop()
        executor.close()
        executor.bus.close()


@dataclass
class Checks:
    suite: Suite
    url: str
    token: str
    host_id: str
    schedule: CheckSchedule
    prometheus: TcpProxy
    executors: list[Executor] = field(default_factory=list)

    def post(self, path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        reply = requests.request(
            method, self.url + path, json=body, headers={"access_token": self.token}, timeout=60
        )
        return dict(reply.json())

    def start_executor(self) -> Executor:
        return start_in_process(self.suite.conf_dir, executor_settings, build, self.executors)

    def stop_executors(self) -> None:
        stop_all(self.executors)

    def start_process(self, module: str, log: Path) -> subprocess.Popen[bytes]:
        """`python -m <module> start` on this suite's conf dir alone (no AOPS_* overrides)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AOPS_")}
        env["AOPS_CONF_DIR"] = str(self.suite.conf_dir)
        with log.open("wb") as out:
            return subprocess.Popen(
                [sys.executable, "-m", module, "start"], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def results(self, **filters: Any) -> list[dict[str, Any]]:
        return list(self.post("/check/result/get", filters)["check_result"])

    def wait_for(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 45, **filters: Any
    ) -> list[dict[str, Any]]:
        deadline = time.time() + timeout
        while True:
            found = self.results(**filters)
            if predicate(found):
                return found
            assert time.time() < deadline, f"results never matched; last: {found[:3]}"
            time.sleep(0.5)


def plugin_keys(request: pytest.FixtureRequest) -> str:
    """`[executor]` plugin keys from the test module's `plugin_keys` fixture, if it has one."""
    try:
        return str(request.getfixturevalue("plugin_keys"))
    except pytest.FixtureLookupError:
        return ""


@pytest.fixture(scope="module")
def checks(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Checks]:
    for address in (KAFKA, PROMETHEUS_URL):
        require(address)
    plugins = plugin_keys(request)
    prom_host, prom_port = PROMETHEUS_URL.removeprefix("http://").split(":")
    proxy = TcpProxy((prom_host, int(prom_port)))
    conf_dir = tmp_path_factory.mktemp("checks")
    scheduler_port = free_port()
    try:
        with private_kafka() as kafka, mariadb_suite(conf_dir, f"http://{proxy.address}") as suite:
            (conf_dir / "check_scheduler.ini").write_text(
                kafka_ini(kafka)
                + f"[check_scheduler]\nport={scheduler_port}\nrun_jobs=False\ncool_down_time=0\n"
                + "forward_lag=0\n"
                + f"[executor]\n{plugins}"
            )
            (conf_dir / "check_executor.ini").write_text(
                kafka_ini(kafka)
                + "[executor]\ndo_check_consumer_num=1\nsample_period=2\nrule_cache_seconds=0\n"
                + plugins
            )
            system, ini = scheduler_settings.load(conf_dir)
            bus = bus_from(ini.bus, ini.producer, ini.consumer)
            bus.ensure_topics([t.value for t in Topic])
            app = create_app(system, ini, bus=bus, start_jobs=False)
            server, _ = serve_in_thread(app, ini.check_scheduler.endpoint, "test-check-scheduler")
            service = app.extensions["adoctor_check_scheduler"]
            # The schedule is driven by the tests; only the retry consumer runs by itself.
            retries = consume_in_thread(
                bus,
                [Topic.RETRY_CHECK.value],
                Group.RETRY_CHECK.value,
                service.schedule.on_retry_message,
                service.loop.stop,
                name="retry-consumer",
            )
            token = suite.admin_token()
            checks = Checks(
                suite,
                f"http://127.0.0.1:{scheduler_port}",
                token,
                suite.add_host(token, ip=NODE_IP),
                service.schedule,
                proxy,
            )
            checks.start_executor()
            try:
                yield checks
            finally:
                checks.stop_executors()
                server.shutdown()
                service.close()
                retries.join(timeout=10)
                bus.close()
    finally:
        proxy.stop()
