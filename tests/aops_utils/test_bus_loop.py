"""The consumer loop on the in-process bus: batches, poison, outages, commits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

import pytest

from aops_utils.bus import Message
from aops_utils.bus.loop import consume
from aops_utils.bus.memory import MemoryBus
from aops_utils.errors import ServiceUnavailable

TOPIC, GROUP = "loop-topic", "loop-group"


@pytest.fixture
def bus() -> MemoryBus:
    bus = MemoryBus(partitions=1)
    bus.ensure_topics([TOPIC], partitions=1)
    return bus


def publish(bus: MemoryBus, count: int) -> None:
    producer = bus.producer()
    for n in range(count):
        producer.send(TOPIC, {"n": n}, key="k")
    producer.flush()


def run_until(
    bus: MemoryBus,
    done: Callable[[], bool],
    handle: Callable[[Message], Any],
    handle_batch: Callable[[Sequence[Message]], Any] | None = None,
    *,
    timeout: float = 10.0,
) -> None:
    stop = threading.Event()
    thread = threading.Thread(
        target=consume,
        args=(bus, [TOPIC], GROUP, handle, stop),
        kwargs={"handle_batch": handle_batch, "max_records": 100, "poll_seconds": 0.1, "backoff": 0.05},
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # one more poll: the batch is committed after it is handled
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert done(), "the loop never finished its work"


def uncommitted(bus: MemoryBus) -> list[int]:
    consumer = bus.consumer([TOPIC], GROUP)
    try:
        return [m.value["n"] for m in consumer.poll(0.3, 100)]
    finally:
        consumer.close()


def test_a_batch_handler_gets_the_polled_messages_together_and_they_are_committed(bus: MemoryBus) -> None:
    publish(bus, 20)
    batches: list[list[int]] = []
    singles: list[int] = []
    run_until(
        bus,
        lambda: sum(map(len, batches)) + len(singles) == 20,
        lambda m: singles.append(m.value["n"]),
        lambda ms: batches.append([m.value["n"] for m in ms]),
    )
    assert [n for batch in batches for n in batch] + singles == list(range(20))
    assert any(len(batch) > 1 for batch in batches)
    assert uncommitted(bus) == []


def test_a_poison_message_in_a_batch_sends_it_one_by_one_and_only_the_poison_is_skipped(
    bus: MemoryBus,
) -> None:
    publish(bus, 10)
    handled: list[int] = []

    def one(message: Message) -> None:
        if message.value["n"] == 4:
            raise ValueError("poison")
        handled.append(message.value["n"])

    def whole(messages: Sequence[Message]) -> None:
        for message in messages:
            one(message)  # fails part way: what it did is redone one by one (handlers are idempotent)

    run_until(bus, lambda: 9 in handled, one, whole)
    assert sorted(set(handled)) == [n for n in range(10) if n != 4]
    assert uncommitted(bus) == []


def test_an_outage_retries_the_whole_batch_without_splitting_it(bus: MemoryBus) -> None:
    publish(bus, 5)
    attempts: list[int] = []
    singles: list[int] = []

    def whole(messages: Sequence[Message]) -> None:
        attempts.append(len(messages))
        if len(attempts) < 3:
            raise ServiceUnavailable("data center away")

    run_until(bus, lambda: len(attempts) >= 3, lambda m: singles.append(m.value["n"]), whole)
    assert attempts == [5, 5, 5] and singles == []
    assert uncommitted(bus) == []


def test_stopping_during_an_outage_commits_nothing(bus: MemoryBus) -> None:
    publish(bus, 3)
    stop = threading.Event()
    tried = threading.Event()

    def whole(messages: Sequence[Message]) -> None:
        tried.set()
        raise ServiceUnavailable("data center away")

    thread = threading.Thread(
        target=consume,
        args=(bus, [TOPIC], GROUP, lambda m: None, stop),
        kwargs={"handle_batch": whole, "max_records": 100, "poll_seconds": 0.1, "backoff": 0.05},
        daemon=True,
    )
    thread.start()
    assert tried.wait(5)
    stop.set()
    thread.join(timeout=5)
    assert uncommitted(bus) == [0, 1, 2]


def test_messages_that_arrive_in_quick_succession_are_handled_as_one_batch(bus: MemoryBus) -> None:
    """A publisher sending 60 requests in bursts of 10 (as a scheduler publishing a diagnosis):
    the batch handler gets them in one or two batches, not one per burst."""
    batches: list[int] = []

    def dribble() -> None:
        for _ in range(6):
            publish(bus, 10)
            time.sleep(0.01)

    publisher = threading.Thread(target=dribble, daemon=True)
    publisher.start()
    run_until(
        bus, lambda: sum(batches) == 60, lambda m: batches.append(1), lambda ms: batches.append(len(ms))
    )
    publisher.join(timeout=5)
    assert len(batches) <= 2, batches
