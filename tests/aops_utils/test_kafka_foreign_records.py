"""Records another producer wrote to a topic that are not JSON objects are skipped, not fatal."""

from __future__ import annotations

import time
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # kafka-python 3.0's schema loading
    from kafka import KafkaProducer

from aops_utils.bus import Message
from aops_utils.bus.kafka import KafkaBus
from tests.aops_utils.test_bus_contract import DELIVERY
from tests.aops_utils.test_bus_contract import KAFKA_OPTIONS

pytestmark = pytest.mark.kafka

FOREIGN = [
    b"not json at all",
    b"[1, 2, 3]",  # JSON, but not an object
    b"\xff\xfe",  # not UTF-8
    b"[" * 2000,  # nested past orjson's limit and unterminated: the deep decoder's error
    b'{"a": ' * 2000,  # the same for objects
]


def test_foreign_records_are_skipped_and_the_next_message_arrives(kafka_servers: str, unique: str) -> None:
    topic = f"foreign-{unique}"
    bus = KafkaBus(kafka_servers, **KAFKA_OPTIONS)
    try:
        bus.ensure_topics([topic], partitions=1)
        raw = KafkaProducer(bootstrap_servers=kafka_servers)
        for value in FOREIGN:
            raw.send(topic, value)
        raw.flush(10)
        raw.close()
        producer = bus.producer()
        producer.send(topic, {"n": 1})
        producer.flush(10)
        consumer = bus.consumer([topic], f"g-{unique}")
        received: list[Message] = []
        deadline = time.monotonic() + DELIVERY
        while not received and time.monotonic() < deadline:
            received = consumer.poll(0.5)  # raised on the deep ones before the fix
        assert [m.value for m in received] == [{"n": 1}]
        consumer.commit()
        consumer.close()
    finally:
        bus.close()
