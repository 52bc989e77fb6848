"""Kafka implementation of the message bus: producers and topic creation over kafka-python,
consumers over confluent-kafka (rdkafka.py)."""

from __future__ import annotations

import itertools
import logging
import secrets
import threading
from abc import ABC
from abc import abstractmethod
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from functools import partial
from typing import Any
from typing import TypeVar

from kafka import KafkaAdminClient
from kafka import KafkaProducer
from kafka import errors as kafka_errors
from kafka.partitioner import DefaultPartitioner
from kafka.protocol.api_key import ApiKey

from aops_utils import jsonio
from aops_utils.bus import rdkafka
from aops_utils.bus.protocol import Message
from aops_utils.bus.protocol import RawMessage
from aops_utils.bus.protocol import encoded_object
from aops_utils.codes import Code
from aops_utils.errors import AopsError
from aops_utils.errors import ServiceUnavailable

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_Client = TypeVar("_Client", "KafkaBusProducer", "KafkaBusConsumer")

# CreateTopics v4 (Kafka 2.4, KIP-464) is the first that accepts -1 for "broker default".
_CREATE_TOPICS_DEFAULTS_VERSION = 4


def _closed_error(what: str) -> AopsError:
    return AopsError(f"this Kafka {what} is closed", code=Code.SERVER_ERROR)


class KafkaBus:
    """Message bus over a Kafka (2.x+ API) cluster; clients connect when first asked for."""

    def __init__(
        self,
        bootstrap_servers: str | list[str],
        *,
        consumer_servers: str | list[str] | None = None,
        client_id: str = "aops",
        api_version: tuple[int, ...] | None = None,
        acks: int | str = 1,
        retries: int = 3,
        retry_backoff_ms: int = 100,
        session_timeout_ms: int = 10000,
        heartbeat_interval_ms: int = 3000,
        max_poll_records: int = 100,
        auto_offset_reset: str = "earliest",
        request_timeout_ms: int = 30000,
        max_block_ms: int = 60000,
        replication_factor: int = -1,
    ) -> None:
        """Producers connect to `bootstrap_servers`, consumers to `consumer_servers` (default:
        the same), as 21.09's `[producer]` and `[consumer] kafka_server_list`; `api_version` pins
        the producer's protocol only (consumers and topic creation ask the broker).
        `max_block_ms` bounds connecting and waiting for metadata; `replication_factor` -1
        takes the broker's default (Kafka 2.4+)."""
        if acks not in (0, 1, -1, "all"):
            raise ValueError(f"acks must be 0, 1, -1 or 'all', got {acks!r}")
        if heartbeat_interval_ms >= session_timeout_ms:
            raise ValueError("heartbeat_interval_ms must be smaller than session_timeout_ms")
        self.servers = _server_list(bootstrap_servers)
        self.consumer_servers = _server_list(consumer_servers or bootstrap_servers)
        self._common: dict[str, Any] = {
            "client_id": client_id,
            "request_timeout_ms": request_timeout_ms,
            "retry_backoff_ms": retry_backoff_ms,
            # Without this bound a client would retry an unreachable bootstrap list for 30 s.
            "bootstrap_timeout_ms": max_block_ms,
        }
        idempotent = acks in (-1, "all")
        self._producer_config: dict[str, Any] = {
            "api_version": api_version,
            "acks": acks,
            "retries": retries,
            "max_block_ms": max_block_ms,
            # Idempotence needs acks=all; ask for it only then, so kafka-python does not
            # silently switch it off (with a warning) for acks=1.
            "enable_idempotence": idempotent,
            # Without idempotence a retried batch could overtake a later one: one request in
            # flight keeps same-key messages in order.
            "max_in_flight_requests_per_connection": 5 if idempotent else 1,
            # With one request in flight, its size bounds throughput: 16 KiB (the default)
            # held five 3 KB diagnosis requests; 256 KiB batches halve the time to publish.
            "batch_size": 256 * 1024,
            # kafka-python requires delivery_timeout_ms >= linger_ms + request_timeout_ms.
            "delivery_timeout_ms": max(120_000, request_timeout_ms),
            "partitioner": SpreadingPartitioner(),
        }
        # The bus's consumer settings (kafka-python's names, as 21.09's [consumer] section has
        # them); rdkafka.consumer_config puts them in librdkafka's. max_poll_records bounds a
        # poll that does not say its own max_records.
        self._consumer_config: dict[str, Any] = {
            "enable_auto_commit": False,
            "auto_offset_reset": auto_offset_reset,
            "session_timeout_ms": session_timeout_ms,
            "heartbeat_interval_ms": heartbeat_interval_ms,
            "max_poll_records": max_poll_records,
        }
        self._close_timeout = max_block_ms / 1000
        self._replication_factor = replication_factor
        self._lock = threading.Lock()
        self._open: set[KafkaBusProducer | KafkaBusConsumer] = set()
        self._closed = False

    def ensure_topics(self, topics: Sequence[str], partitions: int = 4) -> None:
        """Create missing topics with `partitions` partitions on the producers' and the
        consumers' brokers; existing topics stay as they are."""
        self._check_open()
        if not topics:
            return
        for servers in dict.fromkeys((self.servers, self.consumer_servers)):
            self._ensure_topics_on(servers, topics, partitions)

    def _ensure_topics_on(self, servers: str, topics: Sequence[str], partitions: int) -> None:
        admin = self._connect("admin client", KafkaAdminClient, servers)
        try:
            versions = self._call(admin.api_versions, "read the broker's API versions", servers)
            create = versions.get(ApiKey.CreateTopics)
            if create is None:
                # Brokers before 0.10.1 cannot create topics over the protocol.
                self._auto_create(servers, topics)
                return
            if self._replication_factor == -1 and create[1] < _CREATE_TOPICS_DEFAULTS_VERSION:
                raise AopsError(
                    f"Kafka at {servers} is older than 2.4 and has no default replication "
                    "factor for new topics; set replication_factor for the bus",
                    code=Code.SERVER_ERROR,
                )
            spec = {"num_partitions": partitions, "replication_factor": self._replication_factor}
            result = self._call(
                lambda: admin.create_topics({name: spec for name in topics}, raise_errors=False),
                f"create topics {', '.join(topics)}",
                servers,
            )
            already = kafka_errors.TopicAlreadyExistsError.errno
            failed = [t for t in result["topics"] if t["error_code"] not in (0, already)]
            if failed:
                details = "; ".join(
                    f"{t['name']}: {t['error_message'] or kafka_errors.for_code(t['error_code']).__name__}"
                    for t in failed
                )
                raise AopsError(
                    f"Kafka at {servers} refused to create topics: {details}",
                    code=Code.SERVER_ERROR,
                )
            # A created topic can take a moment to get leaders (notably on KRaft clusters).
            self._call(lambda: admin.wait_for_topics(list(topics)), "wait for the new topics", servers)
        finally:
            admin.close()

    def producer(self) -> KafkaBusProducer:
        self._check_open()
        client = self._connect("producer", KafkaProducer, self.servers, **self._producer_config)
        producer = KafkaBusProducer(client, self.servers, self._close_timeout, self._forget)
        return self._register(producer)

    def consumer(self, topics: Sequence[str], group_id: str) -> KafkaBusConsumer:
        if not topics:
            raise ValueError("a consumer needs at least one topic")
        self._check_open()
        servers = self.consumer_servers
        options = self._consumer_config
        config = rdkafka.consumer_config(
            servers,
            group_id,
            client_id=self._common["client_id"],
            auto_offset_reset=options["auto_offset_reset"],
            session_timeout_ms=options["session_timeout_ms"],
            heartbeat_interval_ms=options["heartbeat_interval_ms"],
            request_timeout_ms=self._common["request_timeout_ms"],
            retry_backoff_ms=self._common["retry_backoff_ms"],
            brokers=(brokers := rdkafka.Brokers()),
        )
        client = rdkafka.connect(servers, topics, config, self._close_timeout)
        consumer = rdkafka.RdKafkaConsumer(client, servers, group_id, brokers)
        return self._register(KafkaBusConsumer(consumer, servers, group_id, self._forget))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            clients = list(self._open)
        for client in clients:
            client.close()

    # --- internals ------------------------------------------------------------------------

    def _check_open(self) -> None:
        with self._lock:
            if self._closed:
                raise _closed_error("message bus")

    def _register(self, client: _Client) -> _Client:
        with self._lock:
            closed = self._closed
            if not closed:
                self._open.add(client)
        if closed:
            # The bus was closed while this client was connecting.
            client.close()
            raise _closed_error("message bus")
        return client

    def _forget(self, client: KafkaBusProducer | KafkaBusConsumer) -> None:
        with self._lock:
            self._open.discard(client)

    def _connect(self, what: str, factory: Callable[..., Any], servers: str, **config: Any) -> Any:
        try:
            return factory(bootstrap_servers=servers.split(","), **self._common, **config)
        except kafka_errors.KafkaConfigurationError:
            raise
        except (kafka_errors.KafkaError, OSError) as exc:
            raise ServiceUnavailable(f"cannot connect a Kafka {what} to {servers}: {exc}") from exc

    @staticmethod
    def _call(fn: Callable[[], _T], action: str, servers: str) -> _T:
        try:
            return fn()
        except kafka_errors.KafkaError as exc:
            raise _kafka_error(servers, action, exc) from exc

    def _auto_create(self, servers: str, topics: Sequence[str]) -> None:
        # Asking for a topic's metadata makes the broker create it (auto.create.topics.enable),
        # with the broker's default partition count.
        producer = self._connect("producer", KafkaProducer, servers, **self._producer_config)
        try:
            for name in topics:
                self._call(partial(producer.partitions_for, name), f"auto-create {name}", servers)
        finally:
            producer.close(timeout=self._close_timeout)


def _server_list(servers: str | list[str]) -> str:
    return servers if isinstance(servers, str) else ",".join(servers)


def _kafka_error(servers: str, action: str, exc: BaseException) -> AopsError:
    """Retriable Kafka errors (timeouts, lost connections) mean the cluster is unavailable."""
    detail = f"Kafka at {servers} failed to {action}: {exc}"
    if isinstance(exc, kafka_errors.KafkaError) and exc.retriable:
        return ServiceUnavailable(detail)
    return AopsError(detail, code=Code.SERVER_ERROR)


# What a client calls with itself when it closes: the bus forgets it.
OnClose = Callable[[Any], None]


class _BusClient(ABC):
    """A kafka-python client of the bus: refused once closed, and forgotten by the bus (through
    `on_close`) when it closes, however its own close went."""

    what = "client"

    def __init__(self, client: Any, servers: str, label: str, on_close: OnClose) -> None:
        self._client = client
        self._servers = servers
        self._label = label  # in log lines: "producer for <servers>", "consumer of group <id>"
        self._on_close = on_close
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise _closed_error(self.what)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._close_client()
        except kafka_errors.KafkaError as exc:
            log.warning("closing the Kafka %s failed: %s", self._label, exc)
        finally:
            self._on_close(self)

    @abstractmethod
    def _close_client(self) -> None:
        """Close the producer or consumer this wraps (each subclass knows its own)."""


class SpreadingPartitioner(DefaultPartitioner):  # type: ignore[misc] # kafka-python is untyped
    """Keyed messages as kafka-python places them (the key's hash: one key, one partition, in
    order); unkeyed ones in turn over the topic's partitions, not at random. The check
    scheduler publishes a window's tasks unkeyed so that the executors' consumers share them:
    drawn at random, the five tasks of 1,000 hosts often fell 4 or 5 to one consumer of two
    (4 partitions, 2 each), which checked them one after the other while the other idled."""

    def __init__(self) -> None:
        self._next: dict[str, Iterator[int]] = {}

    def partition(  # noqa: PLR0917 - kafka-python calls it with these six, positionally
        self, topic: str, key: Any, serialized_key: Any, value: Any, serialized_value: Any, cluster: Any
    ) -> int:
        if serialized_key is not None:
            return int(super().partition(topic, key, serialized_key, value, serialized_value, cluster))
        if topic not in cluster.topics():
            raise ValueError(f"Topic {topic} not found in ClusterMetadata")
        # The available ones when there are (a partition without a leader would hold its
        # messages back), as kafka-python's own choice does.
        found = cluster.available_partitions_for_topic(topic) or cluster.partitions_for_topic(topic)
        partitions = sorted(found)
        # Started at a random place per topic and producer, so that producers that send one
        # message each do not all start on the first partition. next() on a count is atomic.
        turn = self._next.get(topic)
        if turn is None:
            turn = self._next.setdefault(topic, itertools.count(secrets.randbelow(1 << 16)))
        return int(partitions[next(turn) % len(partitions)])


class KafkaBusProducer(_BusClient):
    what = "producer"

    def __init__(self, producer: Any, servers: str, close_timeout: float, on_close: OnClose) -> None:
        super().__init__(producer, servers, f"producer for {servers}", on_close)
        self._close_timeout = close_timeout
        # Delivery failures arrive on kafka-python's sender thread; flush() reports them.
        self._lock = threading.Lock()
        self._failures: list[tuple[str, BaseException]] = []

    def send(self, topic: str, value: dict[str, Any], key: str | None = None) -> None:
        self._check_open()
        # Serialized here rather than by a kafka-python serializer so a value that is not JSON
        # fails with orjson's TypeError in the caller's frame, exactly as on the memory bus.
        self._send(topic, jsonio.encode(value), key)

    def send_encoded(self, topic: str, payload: bytes, key: str | None = None) -> None:
        self._check_open()
        self._send(topic, encoded_object(payload), key)

    def _send(self, topic: str, payload: bytes, key: str | None) -> None:
        raw_key = None if key is None else key.encode("utf-8")
        try:
            future = self._client.send(topic, value=payload, key=raw_key)
        except kafka_errors.KafkaError as exc:
            raise _kafka_error(self._servers, f"queue a message for {topic}", exc) from exc
        future.add_errback(self._record_failure, topic)

    def flush(self, timeout: float | None = None) -> None:
        self._check_open()
        try:
            self._client.flush(timeout)
        except kafka_errors.KafkaTimeoutError as exc:
            raise ServiceUnavailable(
                f"Kafka at {self._servers} did not acknowledge the queued messages within {timeout} s"
            ) from exc
        self._raise_failures()

    def close(self) -> None:
        if self._closed:
            return
        super().close()
        with self._lock:
            lost = len(self._failures)
            self._failures = []
        if lost:
            log.error("%d message(s) to Kafka at %s were not delivered", lost, self._servers)

    def _close_client(self) -> None:
        # Bounded: kafka-python's default waits forever for a broker that went away.
        self._client.close(timeout=self._close_timeout)

    def _record_failure(self, topic: str, exc: BaseException) -> None:
        with self._lock:
            self._failures.append((topic, exc))

    def _raise_failures(self) -> None:
        with self._lock:
            failures, self._failures = self._failures, []
        if failures:
            topics = ", ".join(sorted({topic for topic, _ in failures}))
            raise AopsError(
                f"{len(failures)} message(s) to {topics} were not delivered to Kafka at "
                f"{self._servers}: {failures[0][1]}",
                code=Code.SERVER_ERROR,
            )


class KafkaBusConsumer(_BusClient):
    what = "consumer"

    def __init__(
        self, consumer: rdkafka.RdKafkaConsumer, servers: str, group_id: str, on_close: OnClose
    ) -> None:
        super().__init__(consumer, servers, f"consumer of group {group_id}", on_close)
        self._consumer = consumer

    def poll(self, timeout: float, max_records: int = 100) -> list[Message]:
        self._check_open()
        return self._consumer.poll(timeout, max_records)

    def poll_raw(self, timeout: float, max_records: int = 100) -> list[RawMessage]:
        self._check_open()
        return self._consumer.poll_raw(timeout, max_records)

    def commit(self) -> None:
        """Commit the polled positions; after a rebalance the messages are redelivered instead."""
        self._check_open()
        self._consumer.commit()

    def _close_client(self) -> None:
        self._consumer.close()
