"""The 21.09 `[producer]`/`[consumer]` sections on real brokers: each side uses its own list."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adoctor_check_executor.settings import CheckExecutorIni
from adoctor_diag_scheduler import settings as diag_scheduler_settings
from adoctor_diag_scheduler.app import create_app as create_diag_scheduler
from aops_utils import conf
from aops_utils.auth import load_secret
from aops_utils.bus import MessageBus
from aops_utils.bus.kafka import KafkaBus
from aops_utils.bus.settings import bus_from
from tests.aops_utils.test_bus_contract import KAFKA_OPTIONS
from tests.aops_utils.test_bus_contract import drain
from tests.aops_utils.test_bus_contract import numbers
from tests.suite import private_kafka

pytestmark = pytest.mark.kafka
QUICK_GROUPS = "session_timeout_ms=2000\nheartbeat_interval_ms=500\n"


def executor_bus(conf_dir: Path, producers: str, consumers: str = "", consumer_keys: str = "") -> MessageBus:
    """The bus of a check executor whose check_executor.ini lists `producers` under [producer] and
    `consumers` (`producers` when empty) under [consumer], with quick group timeouts."""
    (conf_dir / "check_executor.ini").write_text(
        f"[producer]\nkafka_server_list={producers}\n"
        f"[consumer]\nkafka_server_list={consumers or producers}\n{consumer_keys}{QUICK_GROUPS}"
    )
    ini = conf.load(CheckExecutorIni, "check_executor.ini", conf_dir)
    return bus_from(ini.bus, ini.producer, ini.consumer)


@pytest.fixture(scope="module")
def brokers() -> Iterator[tuple[str, str]]:
    """Two brokers of this module alone: what reaches one never shows on the other."""
    with private_kafka() as first, private_kafka() as second:
        yield first, second


def test_producers_use_the_producer_list_and_consumers_the_consumer_list(
    brokers: tuple[str, str], tmp_path: Path, unique: str
) -> None:
    producer_side, consumer_side = brokers
    bus = executor_bus(tmp_path, producer_side, consumer_side)
    only_producer_side = KafkaBus(producer_side, **KAFKA_OPTIONS)
    only_consumer_side = KafkaBus(consumer_side, **KAFKA_OPTIONS)
    topic = f"lists-{unique}"
    try:
        bus.ensure_topics([topic])  # on both brokers
        producer = bus.producer()
        producer.send(topic, {"n": 1})
        producer.flush(10)
        assert numbers(drain(only_producer_side.consumer([topic], f"p-{unique}"), 1)) == [1]
        assert drain(only_consumer_side.consumer([topic], f"c-{unique}"), 1, within=3) == []

        elsewhere = only_consumer_side.producer()
        elsewhere.send(topic, {"n": 2})
        elsewhere.flush(10)
        assert numbers(drain(bus.consumer([topic], f"bus-{unique}"), 1)) == [2]
    finally:
        for opened in (bus, only_producer_side, only_consumer_side):
            opened.close()


def test_the_diag_scheduler_publishes_to_its_producer_list(
    brokers: tuple[str, str], tmp_path: Path, unique: str
) -> None:
    # 21.09's diag_scheduler.ini has only [producer]; its list used to be ignored for
    # 127.0.0.1:9092, where no broker listens here.
    broker = brokers[1]
    topic = f"diag-{unique}"
    (tmp_path / "system.ini").write_text(f"[auth]\nsecret_file={tmp_path / 'secret.key'}\n")
    (tmp_path / "diag_scheduler.ini").write_text(
        f"[producer]\nkafka_server_list={broker}\napi_version=0.11.5\n[topic]\nname={topic}\n"
    )
    load_secret(tmp_path / "secret.key", create=True)
    system, ini = diag_scheduler_settings.load(tmp_path)
    app = create_diag_scheduler(system, ini)
    service = app.extensions["adoctor_diag_scheduler"]
    reader = KafkaBus(broker, **KAFKA_OPTIONS)
    try:
        service.producer.send(topic, {"n": 3})
        service.producer.flush(10)
        assert numbers(drain(reader.consumer([topic], f"r-{unique}"), 1)) == [3]
    finally:
        service.close()
        reader.close()


def test_latest_offset_reset_skips_what_was_published_before_the_group_existed(
    brokers: tuple[str, str], tmp_path: Path, unique: str
) -> None:
    topic = f"reset-{unique}"
    bus = executor_bus(tmp_path, brokers[0], consumer_keys="auto_offset_reset=latest\n")
    try:
        bus.ensure_topics([topic], partitions=1)
        producer = bus.producer()
        producer.send(topic, {"n": 1})
        producer.flush(10)
        consumer = bus.consumer([topic], f"late-{unique}")
        # Joined and positioned at the end before the second message goes out.
        assert drain(consumer, 1, within=6) == []
        producer.send(topic, {"n": 2})
        producer.flush(10)
        assert numbers(drain(consumer, 1)) == [2]
    finally:
        bus.close()


def _start(module: str, conf_dir: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AOPS_")}
    env["AOPS_CONF_DIR"] = str(conf_dir)
    return subprocess.Popen(
        [sys.executable, "-m", module, "start"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def test_a_worker_started_on_2109_files_logs_each_ignored_key_and_refuses_an_unknown_one(
    brokers: tuple[str, str], tmp_path: Path
) -> None:
    manual = Path(__file__).with_name("ini_2109")
    text = (manual / "diag_executor.ini").read_text(encoding="utf-8").replace("127.0.0.1:9092", brokers[0])
    (tmp_path / "system.ini").write_text(
        f"[log]\nlog_dir={tmp_path / 'log'}\n[auth]\nsecret_file={tmp_path / 'secret.key'}\n"
    )
    load_secret(tmp_path / "secret.key", create=True)
    # A [producer] section as this project's earlier diag_executor.ini had: the executor publishes nothing.
    (tmp_path / "diag_executor.ini").write_text(text + f"\n[producer]\nkafka_server_list={brokers[0]}\n")
    worker = _start("adoctor_diag_executor", tmp_path)
    log_file = tmp_path / "log" / "diag_executor.log"
    try:
        deadline = time.monotonic() + 30
        while "[producer]: ignored" not in (log_file.read_text() if log_file.exists() else ""):
            assert worker.poll() is None, worker.communicate()[0].decode()
            assert time.monotonic() < deadline, "no warning in the log"
            time.sleep(0.2)
        assert "this service publishes nothing" in log_file.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    (tmp_path / "diag_executor.ini").write_text(text + "\n[executor]\nconsumer=3\n")
    refused = _start("adoctor_diag_executor", tmp_path)
    output, _ = refused.communicate(timeout=60)
    assert refused.returncode == 2
    assert "diag_executor.ini [executor] consumer: unknown key" in output.decode()
