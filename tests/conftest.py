"""Addresses of the real test servers that `scripts/testenv.sh start` runs (see its `env` file).

A server that does not answer fails the tests that need it: a missing server is a broken
environment, not a reason to pass.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.aops_manager.deploying import DEPLOY_CONF
from tests.aops_manager.deploying import running_hosts
from tests.sshhosts import SshHosts
from tests.stores import mysql_database
from tests.suite import Suite
from tests.suite import running_suite


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


MYSQL_URL = _env("AOPS_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
ES_URL = _env("AOPS_TEST_ES_URL", "http://127.0.0.1:19200")
KAFKA = _env("AOPS_TEST_KAFKA", "127.0.0.1:19092")
PROMETHEUS_URL = _env("AOPS_TEST_PROMETHEUS_URL", "http://127.0.0.1:19090")
NODE_EXPORTER = _env("AOPS_TEST_NODE_EXPORTER", "127.0.0.1:19100")


def require(address: str) -> None:
    """Fail (not skip) when a real server the test needs does not accept connections."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    host, port = parts.hostname or "127.0.0.1", parts.port
    assert port is not None, address
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        pytest.fail(f"test server {address} is not running ({exc}); run scripts/testenv.sh start")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that read past windows of node_exporter data run last, in their order: on a fresh
    Prometheus (CI) the rest of the suite builds the history they need, so they rarely wait."""
    items.sort(key=lambda item: item.get_closest_marker("prometheus_history") is not None)


def prometheus_history() -> float:
    """Seconds between now and the oldest node_exporter sample Prometheus holds (at most an hour)."""
    reply = requests.get(f"{PROMETHEUS_URL}/api/v1/query", params={"query": 'up{job="node"}[1h]'}, timeout=10)
    reply.raise_for_status()
    oldest = [float(series["values"][0][0]) for series in reply.json()["data"]["result"] if series["values"]]
    return time.time() - min(oldest) if oldest else 0.0


@pytest.fixture(autouse=True)
def _prometheus_history(request: pytest.FixtureRequest) -> None:
    """Wait until Prometheus has the history a `prometheus_history(seconds)` test reads."""
    marker = request.node.get_closest_marker("prometheus_history")
    if marker is None:
        return
    require(PROMETHEUS_URL)
    needed = float(marker.args[0])
    deadline = time.time() + needed + 30
    while (held := prometheus_history()) < needed:
        assert time.time() < deadline, f"Prometheus holds {held:.0f} s of node data, not {needed:.0f} s"
        time.sleep(min(5.0, needed - held))


@pytest.fixture(scope="session")
def mysql_server_url() -> str:
    require("tcp://" + MYSQL_URL.split("@")[-1].split("/")[0])
    return MYSQL_URL


@pytest.fixture
def mysql_url(mysql_server_url: str) -> Iterator[str]:
    """A fresh, empty MariaDB database for one test, dropped afterwards."""
    with mysql_database(mysql_server_url) as url:
        yield url


@pytest.fixture(scope="session")
def es_url() -> str:
    require(ES_URL)
    return ES_URL


@pytest.fixture(scope="session")
def kafka_servers() -> str:
    require(KAFKA)
    return KAFKA


@pytest.fixture(scope="session")
def prometheus_url() -> str:
    require(PROMETHEUS_URL)
    return PROMETHEUS_URL


@pytest.fixture
def unique() -> str:
    """A short random name for test-owned indices, topics and groups."""
    return uuid.uuid4().hex[:10]


@contextmanager
def mariadb_suite(
    conf_dir: Path,
    prometheus_url: str = PROMETHEUS_URL,
    *,
    legacy_http_status: bool = False,
    deploy: str = "",
) -> Iterator[Suite]:
    """A running suite on a fresh MariaDB database (dropped afterwards) and the ES-API server."""
    require(ES_URL)
    require("tcp://" + MYSQL_URL.split("@")[-1])
    # `aops-database init` (in running_suite) creates the database.
    with mysql_database(MYSQL_URL, create=False) as mysql_url, pytest.MonkeyPatch.context() as patch:
        patch.setenv("AOPS_CONF_DIR", str(conf_dir))
        with running_suite(
            conf_dir,
            relational="mysql",
            document="elasticsearch",
            mysql_url=mysql_url,
            es_url=ES_URL,
            prometheus_url=prometheus_url,
            legacy_http_status=legacy_http_status,
            deploy=deploy,
        ) as running:
            yield running


@contextmanager
def suite_on(stores: str, conf_dir: Path) -> Iterator[Suite]:
    """A running suite on the production stores ("mariadb": MariaDB and the ES-API server) or,
    as `aops standalone` runs, on the embedded ones ("sqlite": SQLite and the SQL document store)."""
    if stores == "mariadb":
        with mariadb_suite(conf_dir) as running:
            yield running
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AOPS_CONF_DIR", str(conf_dir))
        with running_suite(conf_dir, relational="sqlite", document="sql") as running:
            yield running


# One running suite (data center + manager) per test module, on MariaDB and the ES-API server.


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with mariadb_suite(tmp_path_factory.mktemp(f"suite{uuid.uuid4().hex[:6]}")) as running:
        yield running


# The deployment tests' (tests/aops_manager) and those of ragdoll on real hosts.


@pytest.fixture(scope="module")
def deploy_hosts() -> Iterator[SshHosts]:
    """Three SSH test hosts of the module's own (deployments write into their roots)."""
    yield from running_hosts(3)


@pytest.fixture(scope="module")
def deploy_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """The suite on MariaDB with the test components (tests/aops_manager/ansible) to deploy."""
    with mariadb_suite(tmp_path_factory.mktemp("deploy"), deploy=DEPLOY_CONF) as running:
        yield running


@pytest.fixture
def user(suite: Suite) -> tuple[str, str]:
    """A fresh user of its own (name, token): tests never see each other's data."""
    return suite.add_user()


@pytest.fixture
def token(user: tuple[str, str]) -> str:
    return user[1]
