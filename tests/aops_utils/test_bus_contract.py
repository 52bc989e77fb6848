"""One contract for both message buses: MemoryBus in-process and KafkaBus on the test broker."""

from __future__ import annotations

import select
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from collections import defaultdict
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any

import pytest

with warnings.catch_warnings():
    # kafka-python 3.0 reads its protocol schemas with importlib.resources.open_text (deprecated
    # since 3.11) while importing; pyproject only ignores warnings raised from kafka.* modules.
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaAdminClient

from aops_utils import jsonio
from aops_utils.bus import Consumer
from aops_utils.bus import Message
from aops_utils.bus import MessageBus
from aops_utils.bus import RawMessage
from aops_utils.bus.factory import open_bus
from aops_utils.bus.kafka import KafkaBus
from aops_utils.bus.memory import MemoryBus
from aops_utils.errors import AopsError
from aops_utils.errors import ConfigError
from aops_utils.errors import ServiceUnavailable

# The test broker (Tansu) holds a new group's join for about half the session timeout, so short
# timeouts keep each join near one second.
KAFKA_OPTIONS: dict[str, Any] = {
    "session_timeout_ms": 2000,
    "heartbeat_interval_ms": 500,
    "request_timeout_ms": 5000,
    "max_block_ms": 5000,
}
# Upper bound for messages that should arrive, covering group joins and rebalances.
DELIVERY = 15.0


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.kafka)])
def bus(request: pytest.FixtureRequest) -> Iterator[MessageBus]:
    instance: MessageBus
    if request.param == "memory":
        instance = MemoryBus()
    else:
        instance = KafkaBus(request.getfixturevalue("kafka_servers"), **KAFKA_OPTIONS)
    yield instance
    instance.close()


@pytest.fixture
def topic(bus: MessageBus, unique: str) -> str:
    name = f"contract-{unique}"
    bus.ensure_topics([name], partitions=4)
    return name


def publish(
    bus: MessageBus,
    topic: str,
    values: list[dict[str, Any]],
    key: str | None = None,
    keys: Sequence[str] = (),
) -> None:
    """Send `values` in order, each with `key` or, when `keys` is given, its own key; then flush."""
    producer = bus.producer()
    try:
        for n, value in enumerate(values):
            producer.send(topic, value, key=keys[n] if keys else key)
        producer.flush(10)
    finally:
        producer.close()


def drain(consumer: Consumer, count: int, within: float = DELIVERY) -> list[Message]:
    """Poll until `count` messages arrived, then once more to catch any extra delivery."""
    received: list[Message] = []
    deadline = time.monotonic() + within
    while len(received) < count and time.monotonic() < deadline:
        received.extend(consumer.poll(0.5))
    received.extend(consumer.poll(0.5))
    return received


def numbers(messages: list[Message]) -> list[int]:
    return [m.value["n"] for m in messages]


def committed_member(bus: MessageBus, topic: str, group: str, count: int) -> Consumer:
    """A member of `group` that polled the `count` messages sent now ({"n": 0..count-1}) and
    committed them."""
    publish(bus, topic, [{"n": n} for n in range(count)])
    member = bus.consumer([topic], group)
    assert sorted(numbers(drain(member, count))) == list(range(count))
    member.commit()
    return member


class Worker(threading.Thread):
    """Polls and commits in its own thread, like a service's consumer loop."""

    def __init__(self, consumer: Consumer) -> None:
        super().__init__(daemon=True)
        self.consumer = consumer
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._received: list[Message] = []

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                batch = self.consumer.poll(0.2)
                if batch:
                    with self._lock:
                        self._received.extend(batch)
                    self.consumer.commit()
        except BaseException as exc:
            self.error = exc

    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._received)

    def numbers(self, kind: str) -> list[int]:
        return [m.value["n"] for m in self.messages() if m.value["kind"] == kind]

    def finish(self) -> None:
        self.stopping.set()
        self.join(10)
        # Closed here, after the thread stopped: a consumer belongs to one thread at a time.
        self.consumer.close()
        assert self.error is None, self.error


def test_an_encoded_object_arrives_as_its_object_and_anything_else_is_refused(
    bus: MessageBus, topic: str, unique: str
) -> None:
    producer = bus.producer()
    try:
        producer.send_encoded(topic, b'{"n": 1, "text": "a, b"}')
        for bad in (b"[1, 2]", b"not json", b'"text"'):
            with pytest.raises(ValueError):
                producer.send_encoded(topic, bad)
        producer.flush(10)
    finally:
        producer.close()
    consumer = bus.consumer([topic], f"g-{unique}")
    assert [m.value for m in drain(consumer, 1)] == [{"n": 1, "text": "a, b"}]
    consumer.close()


def test_poll_raw_gives_each_value_as_its_bytes_were_sent(bus: MessageBus, topic: str, unique: str) -> None:
    sent = [b'{"timestamp": 1, "hostname": "h\\u00fc"}', b'{"n":1}', b'{ "spaced" : [1, 2] }']
    producer = bus.producer()
    try:
        for payload in sent:
            producer.send_encoded(topic, payload, key="one")  # one partition: in order
        producer.send(topic, {"n": 2}, key="one")
        producer.flush(10)
    finally:
        producer.close()
    consumer = bus.consumer([topic], f"g-{unique}")
    received: list[RawMessage] = []
    deadline = time.monotonic() + 30
    while len(received) < 4 and time.monotonic() < deadline:
        received.extend(consumer.poll_raw(0.5))
    consumer.close()
    assert [m.value for m in received[:3]] == sent
    assert jsonio.decode(received[3].value) == {"n": 2}
    assert {(m.topic, m.key) for m in received} == {(topic, "one")}
    assert [m.offset for m in received] == sorted(m.offset for m in received)


def test_a_sent_dict_comes_back_with_its_topic_key_and_value(
    bus: MessageBus, topic: str, unique: str
) -> None:
    value = {"n": 1, "host": "web-ü", "metrics": {"cpu": [0.5, 0.75]}, "ok": True, "none": None}
    publish(bus, topic, [value], key="host-1")
    consumer = bus.consumer([topic], f"g-{unique}")

    [message] = drain(consumer, 1)

    assert (message.topic, message.key, message.value) == (topic, "host-1", value)
    assert 0 <= message.partition < 4
    assert message.offset >= 0
    consumer.close()


def test_messages_with_the_same_key_arrive_in_the_order_sent(
    bus: MessageBus, topic: str, unique: str
) -> None:
    publish(bus, topic, [{"n": n} for n in range(30)], keys=[f"host-{n % 3}" for n in range(30)])
    consumer = bus.consumer([topic], f"g-{unique}")

    received = drain(consumer, 30)

    by_key: dict[str | None, list[Message]] = defaultdict(list)
    for message in received:
        by_key[message.key].append(message)
    assert sorted(numbers(received)) == list(range(30))
    for key, messages in by_key.items():
        assert numbers(messages) == sorted(numbers(messages)), key
        assert len({m.partition for m in messages}) == 1, key
    consumer.close()


def test_every_group_gets_every_message(bus: MessageBus, topic: str, unique: str) -> None:
    publish(bus, topic, [{"n": n} for n in range(10)])
    first = bus.consumer([topic], f"first-{unique}")
    second = bus.consumer([topic], f"second-{unique}")

    assert sorted(numbers(drain(first, 10))) == list(range(10))
    assert sorted(numbers(drain(second, 10))) == list(range(10))
    first.close()
    second.close()


def test_consumers_in_one_group_split_the_messages_without_duplicates(
    bus: MessageBus, topic: str, unique: str
) -> None:
    group = f"g-{unique}"
    workers = [Worker(bus.consumer([topic], group)) for _ in range(2)]
    for worker in workers:
        worker.start()
    producer = bus.producer()
    # Markers on many keys until both members got one: a member only gets partitions once the
    # whole group has rejoined, so after this the group has settled with both of them.
    deadline = time.monotonic() + DELIVERY
    while not all(worker.numbers("marker") for worker in workers):
        assert time.monotonic() < deadline, "the group never gave partitions to both members"
        for key in range(8):
            producer.send(topic, {"kind": "marker", "n": key}, key=f"marker-{key}")
        producer.flush(10)
        time.sleep(0.2)

    for n in range(40):
        producer.send(topic, {"kind": "work", "n": n}, key=f"job-{n}")
    producer.flush(10)
    producer.close()
    deadline = time.monotonic() + DELIVERY
    while sum(len(w.numbers("work")) for w in workers) < 40 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # room for a duplicate to show up
    for worker in workers:
        worker.finish()

    first, second = (worker.numbers("work") for worker in workers)
    assert first
    assert second
    assert sorted(first + second) == list(range(40))


def test_a_new_member_sees_only_what_the_group_has_not_committed(
    bus: MessageBus, topic: str, unique: str
) -> None:
    group = f"g-{unique}"
    first = committed_member(bus, topic, group, 5)
    first.close()

    publish(bus, topic, [{"n": n} for n in range(5, 8)])
    second = bus.consumer([topic], group)

    assert sorted(numbers(drain(second, 3))) == [5, 6, 7]
    second.close()


def test_messages_polled_but_not_committed_go_to_the_next_member_after_close(
    bus: MessageBus, topic: str, unique: str
) -> None:
    group = f"g-{unique}"
    first = committed_member(bus, topic, group, 3)
    publish(bus, topic, [{"n": n} for n in range(3, 6)])
    polled = drain(first, 3)
    assert sorted(numbers(polled)) == [3, 4, 5]
    first.close()

    second = bus.consumer([topic], group)
    redelivered = drain(second, 3)

    key = lambda m: (m.partition, m.offset)  # noqa: E731
    assert sorted(redelivered, key=key) == sorted(polled, key=key)
    second.close()


def test_a_member_that_joins_gets_what_was_polled_but_not_committed_on_its_partitions(
    bus: MessageBus, topic: str, unique: str
) -> None:
    group = f"g-{unique}"
    publish(bus, topic, [{"kind": "work", "n": n} for n in range(8)], keys=[f"job-{n}" for n in range(8)])
    first = bus.consumer([topic], group)
    polled = drain(first, 8)
    assert sorted(numbers(polled)) == list(range(8))

    workers = [Worker(first), Worker(bus.consumer([topic], group))]
    for worker in workers:
        worker.start()

    def owed_to_newcomer() -> set[int]:
        """What the first member polled on the partitions the newcomer has received from."""
        taken = {m.partition for m in workers[1].messages()}
        return {m.value["n"] for m in polled if m.partition in taken}

    deadline = time.monotonic() + DELIVERY
    while time.monotonic() < deadline:
        received = set(workers[1].numbers("work"))
        if received and received == owed_to_newcomer():
            break
        time.sleep(0.1)
    for worker in workers:
        worker.finish()

    assert workers[1].numbers("work")
    assert set(workers[1].numbers("work")) == owed_to_newcomer()


def test_poll_returns_an_empty_list_promptly_when_nothing_is_there(
    bus: MessageBus, topic: str, unique: str
) -> None:
    consumer = bus.consumer([topic], f"g-{unique}")
    for timeout in (0.3, 0.3, 0.0):
        started = time.monotonic()
        assert consumer.poll(timeout) == []
        assert time.monotonic() - started < timeout + 1.0
    consumer.close()


def test_poll_waits_for_a_message_sent_while_it_waits(bus: MessageBus, topic: str, unique: str) -> None:
    consumer = bus.consumer([topic], f"g-{unique}")
    sender = threading.Timer(0.5, publish, args=(bus, topic, [{"n": 7}]))
    sender.start()
    started = time.monotonic()

    received: list[Message] = []
    while not received and time.monotonic() - started < DELIVERY:
        received = consumer.poll(DELIVERY)

    assert numbers(received) == [7]
    assert time.monotonic() - started < DELIVERY / 2
    sender.join()
    consumer.close()


def test_ensured_topics_have_the_requested_partitions_and_ensuring_again_is_harmless(
    bus: MessageBus, unique: str
) -> None:
    name = f"two-{unique}"
    bus.ensure_topics([name], partitions=2)
    bus.ensure_topics([name], partitions=2)
    publish(bus, name, [{"n": n} for n in range(20)], keys=[f"key-{n}" for n in range(20)])
    consumer = bus.consumer([name], f"g-{unique}")

    assert {m.partition for m in drain(consumer, 20)} == {0, 1}
    consumer.close()


def test_a_value_that_is_not_json_is_refused_when_sent(bus: MessageBus, topic: str) -> None:
    producer = bus.producer()
    with pytest.raises(TypeError):
        producer.send(topic, {"when": object()})
    producer.close()


def test_closing_the_bus_closes_the_producers_and_consumers_it_made(
    bus: MessageBus, topic: str, unique: str
) -> None:
    producer = bus.producer()
    consumer = bus.consumer([topic], f"g-{unique}")
    bus.close()

    with pytest.raises(AopsError, match="closed"):
        producer.send(topic, {"n": 1})
    with pytest.raises(AopsError, match="closed"):
        consumer.poll(0.1)
    with pytest.raises(AopsError, match="closed"):
        bus.producer()


@pytest.mark.kafka
def test_an_unreachable_kafka_fails_with_an_error_naming_it_instead_of_hanging() -> None:
    bus = KafkaBus("127.0.0.1:1", request_timeout_ms=1000, max_block_ms=1000)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match=r"127\.0\.0\.1:1"):
        producer = bus.producer()
        producer.send("anything", {"n": 1})
        producer.flush(2)
    with pytest.raises(ServiceUnavailable, match=r"127\.0\.0\.1:1"):
        bus.consumer(["anything"], "group")
    with pytest.raises(ServiceUnavailable, match=r"127\.0\.0\.1:1"):
        bus.ensure_topics(["anything"])
    assert time.monotonic() - started < 10
    bus.close()


@pytest.mark.kafka
def test_messages_a_killed_kafka_consumer_polled_but_did_not_commit_go_to_the_next_member(
    kafka_servers: str, unique: str
) -> None:
    topic, group = f"killed-{unique}", f"g-{unique}"
    bus = KafkaBus(kafka_servers, **KAFKA_OPTIONS)
    bus.ensure_topics([topic])
    publish(bus, topic, [{"n": n} for n in range(3)])
    # A separate process, so SIGKILL stops it without a LeaveGroup: the broker only notices
    # when its session times out.
    script = textwrap.dedent(f"""
        import time, warnings
        warnings.simplefilter("ignore")
        from aops_utils.bus.kafka import KafkaBus
        consumer = KafkaBus({kafka_servers!r}, **{KAFKA_OPTIONS!r}).consumer([{topic!r}], {group!r})
        polled = 0
        while polled < 3:
            polled += len(consumer.poll(0.5))
        print("polled", flush=True)
        time.sleep(60)
    """)
    victim = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        ready, _, _ = select.select([victim.stdout], [], [], DELIVERY)
        assert ready, "the consumer process never polled the messages"
        assert victim.stdout is not None
        assert victim.stdout.readline().strip() == b"polled"
    finally:
        victim.kill()
        victim.wait()
    successor = bus.consumer([topic], group)

    assert sorted(numbers(drain(successor, 3))) == [0, 1, 2]
    bus.close()


@pytest.mark.kafka
def test_a_broker_without_create_topics_gets_its_topics_auto_created(
    kafka_servers: str, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend the broker predates CreateTopics (Kafka < 0.10.1).
    monkeypatch.setattr(KafkaAdminClient, "api_versions", lambda self: {})
    name = f"auto-{unique}"
    bus = KafkaBus(kafka_servers, **KAFKA_OPTIONS)
    bus.ensure_topics([name])
    bus.close()

    monkeypatch.undo()
    admin = KafkaAdminClient(bootstrap_servers=kafka_servers)
    try:
        assert name in admin.list_topics()
    finally:
        admin.close()


def test_open_bus_builds_the_named_kind_and_rejects_others() -> None:
    memory = open_bus("memory", bootstrap_servers="ignored:9092")
    assert isinstance(memory, MemoryBus)
    memory.close()
    # KafkaBus connects lazily, so building one needs no broker.
    kafka = open_bus("kafka", bootstrap_servers="127.0.0.1:1", client_id="test")
    assert isinstance(kafka, KafkaBus)
    assert kafka.servers == "127.0.0.1:1"
    kafka.close()
    with pytest.raises(ConfigError, match="rabbitmq"):
        open_bus("rabbitmq")


def _kept(bus: MemoryBus, topic: str) -> int:
    return sum(len(log) for log in bus._topics[topic].partitions)


def test_the_memory_bus_drops_what_every_group_committed_and_keeps_the_rest() -> None:
    bus = MemoryBus(partitions=1)
    try:
        producer = bus.producer()
        late = bus.consumer(["t"], "late")  # reads nothing yet: everything is kept for it
        eager = bus.consumer(["t"], "eager")
        total = 3000
        for i in range(total):
            producer.send("t", {"i": i})

        def drain(consumer: Consumer, count: int) -> list[int]:
            seen: list[int] = []
            while len(seen) < count:
                seen += [m.value["i"] for m in consumer.poll(1.0, max_records=500)]
                consumer.commit()
            return seen

        assert drain(eager, total) == list(range(total))
        assert _kept(bus, "t") == total
        assert drain(late, total) == list(range(total))
        assert _kept(bus, "t") < 1024  # both committed: dropped
        # Offsets go on from where they were; a new group starts from the oldest message kept.
        producer.send("t", {"i": total})
        [message] = eager.poll(1.0)
        assert message.offset == total and message.value == {"i": total}
        newcomer = bus.consumer(["t"], "new")
        values = [m.value["i"] for m in newcomer.poll(1.0, max_records=5000)]
        assert values and values[-1] == total and values[0] > 0
    finally:
        bus.close()
