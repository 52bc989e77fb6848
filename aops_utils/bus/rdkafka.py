"""The Kafka bus's consumer over confluent-kafka (librdkafka).

kafka-python fetched and parsed record batches in Python: 7.3 µs a record of CPU, a cap near
100,000 records/s for one consumer before any work on them; librdkafka does it in C on its own
threads, 1.3 µs a record (bench/README.md, bench_topology.py). The contract is the bus's
(tests/aops_utils/test_bus_contract.py): a consumer group, `commit` of what `poll` returned, and
what was polled but not committed delivered again to the member that gets its partition.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from confluent_kafka import Consumer as RdConsumer
from confluent_kafka import KafkaError
from confluent_kafka import KafkaException
from confluent_kafka import Message as RdMessage

from aops_utils.bus.protocol import Message
from aops_utils.bus.protocol import RawMessage
from aops_utils.bus.protocol import decoded
from aops_utils.codes import Code
from aops_utils.errors import AopsError
from aops_utils.errors import ServiceUnavailable

log = logging.getLogger(__name__)

# The group moved to a new generation between poll and commit: the partitions restart from the
# last commit, so what was polled is delivered again (the contract's at-least-once path).
_REBALANCE_CODES = frozenset(
    (
        KafkaError.REBALANCE_IN_PROGRESS,
        KafkaError.ILLEGAL_GENERATION,
        KafkaError.UNKNOWN_MEMBER_ID,
        KafkaError._ASSIGNMENT_LOST,
    )
)
# Errors of a broker that cannot be reached (librdkafka reconnects by itself meanwhile).
_UNREACHABLE_CODES = frozenset(
    (
        KafkaError._TRANSPORT,
        KafkaError._ALL_BROKERS_DOWN,
        KafkaError._TIMED_OUT,
        KafkaError._RESOLVE,
        KafkaError.NETWORK_EXCEPTION,
        KafkaError.COORDINATOR_NOT_AVAILABLE,
        KafkaError.NOT_COORDINATOR,
    )
)


def consumer_config(
    servers: str,
    group_id: str,
    *,
    client_id: str,
    auto_offset_reset: str,
    session_timeout_ms: int,
    heartbeat_interval_ms: int,
    request_timeout_ms: int,
    retry_backoff_ms: int,
    brokers: Brokers,
) -> dict[str, Any]:
    """librdkafka's names for the bus's consumer settings; its errors go to `brokers`."""
    return {
        "bootstrap.servers": servers,
        "group.id": group_id,
        "client.id": client_id,
        # The bus commits what poll returned when its caller says so (after handling it).
        "enable.auto.commit": False,
        "auto.offset.reset": auto_offset_reset,
        "session.timeout.ms": session_timeout_ms,
        "heartbeat.interval.ms": heartbeat_interval_ms,
        "socket.timeout.ms": request_timeout_ms,
        "retry.backoff.ms": retry_backoff_ms,
        # librdkafka's own log lines (a refused connection every 50 ms by default) through the
        # service's logging, not on stderr.
        "logger": log,
        "error_cb": brokers.on_error,
    }


class Brokers:
    """What librdkafka's error callback said of the brokers. librdkafka reconnects by itself and
    reports an outage only there, never from a poll, which would then just come back empty while
    every broker is down: the consumer's poll raises ServiceUnavailable instead (what
    kafka-python did), so that a service says Kafka is unavailable (gala_spider's get_status)."""

    def __init__(self) -> None:
        self.down = ""

    def on_error(self, error: KafkaError) -> None:
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            self.down = error.str()
        log.warning("Kafka consumer: %s", error.str())


def _error(servers: str, action: str, exc: KafkaException) -> AopsError:
    error = exc.args[0] if exc.args else None
    detail = f"Kafka at {servers} failed to {action}: {error.str() if isinstance(error, KafkaError) else exc}"
    if isinstance(error, KafkaError) and (error.retriable() or error.code() in _UNREACHABLE_CODES):
        return ServiceUnavailable(detail)
    return AopsError(detail, code=Code.SERVER_ERROR)


def connect(servers: str, topics: Sequence[str], config: dict[str, Any], wait_seconds: float) -> RdConsumer:
    """A consumer subscribed to `topics`; ServiceUnavailable when no broker of `servers` answers
    within `wait_seconds` (librdkafka would otherwise retry quietly for ever)."""
    client = RdConsumer(config)
    try:
        client.list_topics(timeout=wait_seconds)
        client.subscribe(list(topics))
    except KafkaException as exc:
        client.close()
        raise ServiceUnavailable(f"cannot connect a Kafka consumer to {servers}: {exc.args[0]}") from exc
    return client


class RdKafkaConsumer:
    """The bus's Consumer over one librdkafka consumer (used by one thread at a time)."""

    def __init__(self, client: RdConsumer, servers: str, group_id: str, brokers: Brokers) -> None:
        self._client = client
        self._servers = servers
        self._group_id = group_id
        self._brokers = brokers

    def _unreachable(self) -> ServiceUnavailable:
        return ServiceUnavailable(f"Kafka at {self._servers} is unreachable: {self._brokers.down}")

    def _back(self, timeout: float) -> None:
        """After an outage: whether a broker answers again (metadata within the poll's time)."""
        try:
            self._client.list_topics(timeout=min(max(timeout, 0.1), 5.0))
        except KafkaException:
            raise self._unreachable() from None
        self._brokers.down = ""

    def _fetch(self, timeout: float, max_records: int) -> list[RdMessage]:
        if self._brokers.down:
            self._back(timeout)
        # librdkafka's consume() waits until it has all of num_messages (or the timeout): the
        # bus's poll returns as soon as there is something, so it waits for one record, then
        # takes what is already fetched without waiting.
        client = self._client
        try:
            first = client.poll(max(timeout, 0.0))
            if first is None:
                if self._brokers.down:  # said by the error callback, served during this poll
                    raise self._unreachable()
                return []
            records = [first]
            if max_records > 1:
                records += client.consume(num_messages=max_records - 1, timeout=0)
        except KafkaException as exc:
            raise _error(self._servers, f"poll for group {self._group_id}", exc) from exc
        return records

    def poll(self, timeout: float, max_records: int = 100) -> list[Message]:
        return decoded(self.poll_raw(timeout, max_records))

    def poll_raw(self, timeout: float, max_records: int = 100) -> list[RawMessage]:
        messages: list[RawMessage] = []
        append = messages.append
        # The tuple made directly: RawMessage(...) runs the named tuple's __new__, a Python
        # function, once per record (a sixth of this loop's time, bench_topology.py).
        make = tuple.__new__
        for record in self._fetch(timeout, max_records):
            error = record.error()
            if error is not None:
                self._record_error(error)
                continue
            key = record.key()
            # A delivered record (no error) always has its topic, partition and offset; a
            # tombstone has no value (b"": not an object, for the reader to refuse).
            append(
                make(
                    RawMessage,
                    (
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        None if key is None else key.decode("utf-8", errors="replace"),
                        record.value() or b"",
                    ),
                )
            )
        return messages

    def _record_error(self, error: KafkaError) -> None:
        """An error delivered in place of a record: fatal ones end the consumer's use (the caller
        opens a new one); the rest (a topic not there yet, a broker away) librdkafka retries."""
        if error.fatal():
            raise AopsError(
                f"Kafka at {self._servers} failed for group {self._group_id}: {error.str()}",
                code=Code.SERVER_ERROR,
            )
        log.warning("Kafka consumer of group %s: %s", self._group_id, error.str())

    def commit(self) -> None:
        """Commit what poll returned; after a rebalance it is delivered again instead."""
        try:
            self._client.commit(asynchronous=False)
        except KafkaException as exc:
            error = exc.args[0] if exc.args else None
            code = error.code() if isinstance(error, KafkaError) else None
            if code == KafkaError._NO_OFFSET:
                return  # nothing polled since the last commit
            if code in _REBALANCE_CODES:
                log.warning(
                    "commit for group %s lost to a rebalance; its uncommitted messages will be "
                    "delivered again: %s",
                    self._group_id,
                    exc,
                )
                return
            raise _error(self._servers, f"commit for group {self._group_id}", exc) from exc

    def close(self) -> None:
        # Leaves the group so the others take the partitions over at once; nothing is
        # committed (auto commit is off), so what was polled but not committed goes to them.
        try:
            self._client.close()
        except (KafkaException, RuntimeError) as exc:
            log.warning("closing the Kafka consumer of group %s failed: %s", self._group_id, exc)
