"""tcp_link records through the real Kafka-protocol broker, byte for byte as 21.09 produced them,
read back with a raw client and with the bus consumer a gala_spider uses."""

from __future__ import annotations

import json
import re
import time
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # kafka-python 3.0's schema loading
    from kafka import KafkaConsumer

from aops_utils.bus.kafka import KafkaBus
from gala_gopher.records import NAMES
from gala_gopher.service import Probe
from gala_gopher.service import tcp_links
from gala_gopher.settings import GopherConf
from gala_gopher.settings import KafkaSection
from gala_gopher.settings import WebServerSection
from tests.aops_utils.test_bus_contract import DELIVERY
from tests.aops_utils.test_bus_contract import KAFKA_OPTIONS
from tests.aops_utils.test_bus_contract import drain
from tests.gala_gopher.peers import clients
from tests.gala_gopher.peers import server
from tests.suite import free_port

pytestmark = pytest.mark.kafka

# 21.09 section 3.4: the exact text, fields in meta order, every value a quoted string.
MESSAGE = re.compile(
    r'^\{"timestamp": \d+000, "hostname": "[^"]+", "table_name": "tcp_link", '
    + ", ".join(f'"{name}": "[^"]+"' for name in NAMES)
    + r"\}$"
)


def test_a_cycle_reaches_kafka_in_the_2109_format(kafka_servers: str, unique: str, tmp_path: Path) -> None:
    topic = f"gala_gopher-{unique}"
    conf = GopherConf(
        kafka=KafkaSection(kafka_broker=kafka_servers, kafka_topic=topic),
        web_server=WebServerSection(port=free_port()),
    )
    bus = KafkaBus(kafka_servers, **KAFKA_OPTIONS)
    try:
        bus.ensure_topics([topic], partitions=1)
        probe = Probe(conf, tcp_links(), bus.producer(), hostname=lambda: "node1")
        with server("gop-kafka") as srv, clients("127.0.0.1", srv, 2):
            cycle = probe.cycle()
        sent = [r for r in cycle.records if r.field("server_port") == str(srv.port)]
        assert len(sent) == 2

        raw = KafkaConsumer(
            topic, bootstrap_servers=kafka_servers, auto_offset_reset="earliest", consumer_timeout_ms=3000
        )
        values: list[bytes] = []
        deadline = time.monotonic() + DELIVERY
        while len(values) < len(cycle.records) and time.monotonic() < deadline:
            values += [m.value for m in raw]
        raw.close()
        assert len(values) == len(cycle.records)
        for value in values:
            assert MESSAGE.match(value.decode("ascii")), value
        # As 21.09's gala-spider read them (json.loads of the value, section 2.4).
        ours = [json.loads(v) for v in values if json.loads(v)["server_port"] == str(srv.port)]
        by_role = {m["role"]: m for m in ours}
        assert by_role["0"]["process_name"] == "gop-kafka" and by_role["0"]["pid"] == str(srv.pid)
        assert by_role["1"]["link_count"] == "2" and by_role["0"]["rx_bytes"] == str(2 * srv.request)
        assert {m["hostname"] for m in ours} == {"node1"}
        assert [list(m)[3:] for m in ours] == [list(NAMES)] * 2

        # The bus consumer gala_spider will use (a consumer group, commit after handling).
        consumer = bus.consumer([topic], f"spider-{unique}")
        received = drain(consumer, len(values))
        consumer.commit()
        consumer.close()
        assert sorted(json.dumps(m.value) for m in received) == sorted(v.decode() for v in values)
    finally:
        bus.close()
