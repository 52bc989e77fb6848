"""Two diag executors in one consumer group on a Kafka-protocol broker (Tansu) share a diagnosis:
both do some of it, and every report is written exactly once."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from kafka.partitioner.default import murmur2

from adoctor_diag_executor import settings as executor_settings
from adoctor_diag_executor.service import DiagExecutor
from adoctor_diag_executor.service import build
from adoctor_diag_scheduler import settings as scheduler_settings
from adoctor_diag_scheduler.app import create_app
from aops_utils.bus.protocol import Message
from aops_utils.bus.settings import bus_from
from aops_utils.serving import serve_in_thread
from tests.adoctor_check_scheduler.conftest import kafka_ini
from tests.adoctor_check_scheduler.test_pipeline import CANARY
from tests.conftest import mariadb_suite
from tests.suite import Suite
from tests.suite import data_call
from tests.suite import free_port
from tests.suite import private_kafka

PARTITIONS = 4  # what the bus creates the topic with
# A tree over the canary rule (every sample abnormal), whose leaf is evaluated for any slice.
CANARY_TREE = {
    "node name": "load",
    "condition": "canary",
    "children": [{"node name": "canary", "check item": "canary"}],
}


@dataclass
class Shared:
    suite: Suite
    url: str
    kafka: str
    group: str


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    conf_dir = tmp_path_factory.mktemp("shared")
    port = free_port()
    with private_kafka() as kafka, mariadb_suite(conf_dir) as suite:
        (conf_dir / "diag_scheduler.ini").write_text(kafka_ini(kafka) + f"[diag_scheduler]\nport={port}\n")
        (conf_dir / "diag_executor.ini").write_text(
            kafka_ini(kafka) + "[executor]\nconsumers=1\nsample_period=2\n"
        )
        system, ini = scheduler_settings.load(conf_dir)
        bus = bus_from(ini.bus, producer=ini.producer)
        bus.ensure_topics([ini.topic.name], PARTITIONS)
        app = create_app(system, ini, bus=bus)
        server, _ = serve_in_thread(app, ini.diag_scheduler.endpoint, "test-diag-scheduler")
        _, executor_ini = executor_settings.load(conf_dir)
        try:
            yield Shared(suite, f"http://127.0.0.1:{port}", kafka, executor_ini.consumer.group_id)
        finally:
            server.shutdown()
            app.extensions["adoctor_diag_scheduler"].close()
            bus.close()


def counting(executor: DiagExecutor, seen: Counter[str], name: str) -> None:
    """Count the requests each executor handles (batches, and one by one after a bad batch)."""
    on_batch: Callable[[Sequence[Message]], None] = executor.on_batch
    on_request: Callable[[Message], None] = executor.on_request

    def batch(messages: Sequence[Message]) -> None:
        on_batch(messages)
        seen[name] += len(messages)

    def one(message: Message) -> None:
        on_request(message)
        seen[name] += 1

    executor.on_batch = batch  # type: ignore[method-assign]
    executor.on_request = one  # type: ignore[method-assign]


def hosts_on_every_partition(shared: Shared, token: str) -> list[str]:
    """Hosts added until their ids (the message keys) land on every partition of the topic."""
    everything = set(range(PARTITIONS))
    shared.suite.call("POST", "/manage/host/group/add", {"host_group_name": "g", "description": ""}, token)
    ids: list[str] = []
    covered: set[int] = set()
    while covered != everything or len(ids) < 6:
        n = len(ids)
        entry = {"host_name": f"h{n}", "host_group_name": "g", "public_ip": f"10.77.0.{n + 1}"}
        entry |= {"ssh_port": 22, "username": "root", "password": "pw"}
        status, reply = shared.suite.call(
            "POST", "/manage/host/add", {"key": "vault-key-0123", "host_list": [entry]}, token
        )
        assert status == 200, reply
        host_id = str(reply["host_list"][0])  # type: ignore[index]
        ids.append(host_id)
        covered.add((murmur2(host_id.encode()) & 0x7FFFFFFF) % PARTITIONS)  # the producer's partitioner
        assert n < 64, "host ids never covered every partition"
    return ids


def post(shared: Shared, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = requests.post(shared.url + path, json=body, headers={"access_token": token}, timeout=60)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def diagnose(shared: Shared, token: str, hosts: list[str], start: int, slices: int) -> tuple[str, int]:
    """Run a diagnosis of `slices` 10 s slices per host to its end; (task id, reports expected)."""
    body = {
        "host_list": hosts,
        "tree_list": ["load"],
        "time_range": [start, start + 10 * slices],
        "interval": 10,
    }
    task = post(shared, token, "/diag/execute", body)
    deadline = time.time() + 90
    while True:
        (row,) = post(shared, token, "/diag/progress/get", {"task_list": [task["task_id"]]})["result"]
        if row["finished"]:
            return str(task["task_id"]), int(task["expected_report_num"])
        assert time.time() < deadline, row
        time.sleep(0.5)


def reports_of(shared: Shared, token: str, task_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page, pages = 1, 1
    while page <= pages:
        body = {"task_id": task_id, "per_page": 50, "page": page}
        listed = post(shared, token, "/diag/report/get_list", body)
        found += listed["result"]
        page, pages = page + 1, listed["total_page"]
    assert len(found) == listed["total_count"]
    return found


def test_two_executors_in_one_group_share_a_diagnosis_and_write_each_report_once(shared: Shared) -> None:
    _, token = shared.suite.add_user()
    status, added = data_call(shared.suite, "/data/check/rule/add", {"check_items": [CANARY]}, token=token)
    assert (status, added["code"]) == (200, 200), added
    trees = {"trees": [{"tree_name": "load", "tree_content": CANARY_TREE}]}
    post(shared, token, "/diag/tree/import", trees)
    hosts = hosts_on_every_partition(shared, token)
    old = int(time.time()) - 7200  # before any check: every slice is evaluated now

    seen: Counter[str] = Counter()
    executors = []
    for name in ("first", "second"):
        system, ini = executor_settings.load(shared.suite.conf_dir)
        executor = build(system, ini, bus_from(ini.bus, consumer=ini.consumer))
        counting(executor, seen, name)
        executor.start()
        executors.append(executor)
    try:
        # Warm-up rounds until both members hold partitions (each round reaches every partition).
        deadline = time.time() + 60
        while not (seen["first"] and seen["second"]):
            assert time.time() < deadline, f"one executor never got work: {seen}"
            diagnose(shared, token, hosts, old - 3600, 1)
        before = Counter(seen)
        task_id, expected = diagnose(shared, token, hosts, old, 6)
        time.sleep(2)  # a late duplicate would show up now
    finally:
        for executor in executors:
            executor.close()
            executor.bus.close()

    done = seen - before
    assert expected == len(hosts) * 6
    assert done["first"] > 0 and done["second"] > 0, done
    assert done["first"] + done["second"] == expected, done
    reports = reports_of(shared, token, task_id)
    assert len(reports) == expected
    assert len({(r["host_id"], r["start"]) for r in reports}) == expected
    assert {r["host_id"] for r in reports} == set(hosts)
