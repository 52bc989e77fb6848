"""gala_spider in this process on the real Kafka-protocol broker and the ES-API server, over the
module's data center (tests/conftest.py), fed 21.09 gala_gopher messages."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from kafka import KafkaProducer

from aops_utils.serving import serve_in_thread
from gala_spider import settings
from gala_spider.app import create_app
from tests.suite import Suite
from tests.suite import free_port


@dataclass
class Spider:
    url: str
    topic: str
    app: Any
    producer: KafkaProducer

    def send(self, *messages: bytes) -> None:
        for value in messages:
            self.producer.send(self.topic, value)
        self.producer.flush()

    def get(self, path: str, token: str | None, **params: Any) -> tuple[int, dict[str, Any]]:
        headers = {"access_token": token} if token else {}
        reply = requests.get(self.url + path, params=params, headers=headers, timeout=60)
        return reply.status_code, reply.json()

    def entities(self, token: str, **params: Any) -> list[dict[str, Any]]:
        status, reply = self.get("/gala-spider/api/v1/get_entities", token, **params)
        assert status == 200, reply
        return list(reply["entities"])

    def v2(self, token: str, **params: Any) -> dict[str, Any]:
        status, reply = self.get("/gala-spider/api/v2/entities", token, **params)
        assert status == 200, reply
        return reply

    def status(self, token: str) -> dict[str, Any]:
        status, reply = self.get("/gala-spider/api/v1/get_status", token)
        assert status == 200, reply
        return reply

    def wait_used(self, token: str, count: int, timeout: float = 30) -> dict[str, Any]:
        """Until `count` records were consumed and the map stored since."""
        deadline = time.time() + timeout
        while True:
            consumer = self.status(token)["consumer"]
            if consumer["records"] >= count and (consumer["last_stored_at"] or 0) > (
                consumer["last_record_at"] or 0
            ):
                return consumer
            assert time.time() < deadline, consumer
            time.sleep(0.2)


def write_conf(
    directory: Path, suite: Suite, kafka: str, es_url: str, topic: str, prefix: str, **spider: Any
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(suite.conf_dir / "system.ini", directory / "system.ini")
    host, port = es_url.removeprefix("http://").split(":")
    keys = {"port": free_port(), "flush_interval": 0.3, "metrics_interval": 5, **spider}
    option = keys.pop("exclude_addr", None)
    lines = [
        f'[kafka]\ntopic = {topic}\nbroker = ["{kafka}"]\ngroup_id = g{prefix}\ntimeout_ms = 200\n',
        f"[elasticsearch]\nip = {host}\nport = {port}\nindex_prefix = {prefix}_\n",
        "[spider]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items()),
    ]
    if option:
        lines.append(f"[option]\nexclude_addr = {option}\n")
    (directory / settings.FILE_NAME).write_text("\n".join(lines))


StartSpider = Callable[..., Spider]


@contextmanager
def running(directory: Path) -> Iterator[tuple[str, Any]]:
    system, ini = settings.load(directory)
    app = create_app(system, ini)
    server, _ = serve_in_thread(app, ini.spider.endpoint, "test-spider")
    try:
        yield ini.spider.endpoint.url, app
    finally:
        server.shutdown()
        app.extensions["gala_spider"].close()


@pytest.fixture
def start_spider(
    suite: Suite, kafka_servers: str, es_url: str, unique: str, tmp_path: Path
) -> Iterator[StartSpider]:
    """Starts gala_spider (again, on the same topic and indices) with [spider] keys given."""
    topic = f"gala_gopher_{unique}"
    with ExitStack() as stack:
        producer = KafkaProducer(bootstrap_servers=kafka_servers, linger_ms=5)
        stack.callback(producer.close)  # last: after every service started here stopped
        started = 0

        def start(**spider: Any) -> Spider:
            nonlocal started
            directory = tmp_path / f"conf{started}"
            started += 1
            write_conf(directory, suite, kafka_servers, es_url, topic, unique, **spider)
            url, app = stack.enter_context(running(directory))
            return Spider(url, topic, app, producer)

        yield start


@pytest.fixture
def spider(start_spider: StartSpider) -> Spider:
    """gala_spider started with the default [spider] keys."""
    return start_spider()


def stop(spider: Spider) -> None:
    spider.app.extensions["gala_spider"].close()
