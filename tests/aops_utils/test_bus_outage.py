"""A Kafka consumer whose brokers are all down says so (ServiceUnavailable) instead of polling
nothing for ever, and polls again once a broker is back: what a service's status reports."""

from __future__ import annotations

import time

import pytest

from aops_utils.bus import Consumer
from aops_utils.bus.kafka import KafkaBus
from aops_utils.errors import ServiceUnavailable
from tests.suite import free_port
from tests.suite import tansu

pytestmark = pytest.mark.kafka


def _polls_until(consumer: Consumer, raising: bool, seconds: float) -> float:
    """Seconds until a poll raises ServiceUnavailable (`raising`) or comes back without."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            consumer.poll(0.5, 10)
            if not raising:
                return time.monotonic() - started
        except ServiceUnavailable as exc:
            assert "unreachable" in exc.detail
            if raising:
                return time.monotonic() - started
    raise AssertionError(f"no poll {'raised' if raising else 'came back'} within {seconds} s")


def test_a_consumer_says_its_brokers_are_down_and_polls_again_when_one_is_back() -> None:
    port = free_port()
    broker = tansu(port)
    bus = KafkaBus(f"127.0.0.1:{port}")
    try:
        bus.ensure_topics(["outage"], partitions=1)
        consumer = bus.consumer(["outage"], "outage-group")
        assert consumer.poll(0.5, 10) == []
        broker.terminate()
        broker.wait(timeout=10)
        _polls_until(consumer, raising=True, seconds=30)
        _polls_until(consumer, raising=True, seconds=5)  # and keeps saying it while they are
        broker = tansu(port)
        _polls_until(consumer, raising=False, seconds=30)
    finally:
        bus.close()
        broker.terminate()
        broker.wait(timeout=10)
