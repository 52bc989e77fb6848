"""In-process message bus with Kafka's topic, partition and consumer-group semantics."""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from aops_utils import jsonio
from aops_utils.bus.protocol import Message
from aops_utils.bus.protocol import RawMessage
from aops_utils.bus.protocol import decoded
from aops_utils.bus.protocol import encoded_object
from aops_utils.codes import Code
from aops_utils.errors import AopsError

TopicPartition = tuple[str, int]


# Messages every group reading a partition has committed are dropped in batches of at least this
# many (or half the log): a probe producing every few seconds (aops standalone) would otherwise
# keep every record it ever sent in memory.
TRIM_BATCH = 1024


@dataclass
class _Topic:
    # Each partition is a log of (key, serialized value); a message's offset is its index plus
    # the partition's base, the offset of the oldest message still kept.
    partitions: list[list[tuple[str | None, bytes]]]
    bases: list[int] = field(default_factory=list)
    next_keyless: int = 0

    def __post_init__(self) -> None:
        self.bases = self.bases or [0] * len(self.partitions)


@dataclass
class _Group:
    members: list[MemoryConsumer] = field(default_factory=list)
    # Offset of the next message the group has not committed, per partition.
    committed: dict[TopicPartition, int] = field(default_factory=dict)


def _closed_error(what: str) -> AopsError:
    return AopsError(f"this in-memory {what} is closed", code=Code.SERVER_ERROR)


class MemoryBus:
    """Topics, partitions and consumer groups in one process; every method is thread-safe."""

    def __init__(self, partitions: int = 4) -> None:
        if partitions < 1:
            raise ValueError(f"partitions must be at least 1, got {partitions}")
        self._default_partitions = partitions
        # One condition guards all state: producers notify it, polling consumers wait on it.
        self._cond = threading.Condition()
        self._topics: dict[str, _Topic] = {}
        self._groups: dict[str, _Group] = {}
        self._producers: list[MemoryProducer] = []
        self._closed = False

    def ensure_topics(self, topics: Sequence[str], partitions: int = 4) -> None:
        if partitions < 1:
            raise ValueError(f"partitions must be at least 1, got {partitions}")
        with self._cond:
            self._check_open()
            for name in topics:
                # Like Kafka's TopicAlreadyExists: an existing topic keeps its partition count.
                self._topic(name, partitions)

    def producer(self) -> MemoryProducer:
        with self._cond:
            self._check_open()
            producer = MemoryProducer(self)
            self._producers.append(producer)
            return producer

    def consumer(self, topics: Sequence[str], group_id: str) -> MemoryConsumer:
        if not topics:
            raise ValueError("a consumer needs at least one topic")
        with self._cond:
            self._check_open()
            for name in topics:
                # Subscribing auto-creates, as a Kafka metadata request does by default.
                self._topic(name, self._default_partitions)
            consumer = MemoryConsumer(self, tuple(dict.fromkeys(topics)), group_id)
            group = self._groups.setdefault(group_id, _Group())
            group.members.append(consumer)
            self._rebalance(group)
            return consumer

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            members = [m for g in self._groups.values() for m in g.members]
            producers = list(self._producers)
        for member in members:
            member.close()
        for producer in producers:
            producer.close()

    # --- internals, called with self._cond held -------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise _closed_error("message bus")

    def _topic(self, name: str, partitions: int) -> _Topic:
        if not name:
            raise ValueError("a topic name must not be empty")
        topic = self._topics.get(name)
        if topic is None:
            topic = _Topic(partitions=[[] for _ in range(partitions)])
            self._topics[name] = topic
        return topic

    def _append(self, name: str, key: str | None, payload: bytes) -> None:
        topic = self._topic(name, self._default_partitions)
        count = len(topic.partitions)
        if key is None:
            partition = topic.next_keyless % count
            topic.next_keyless += 1
        else:
            # A stable hash (not hash(), which is salted per process) keeps key → partition fixed.
            partition = zlib.crc32(key.encode("utf-8")) % count
        topic.partitions[partition].append((key, payload))
        self._cond.notify_all()

    def _rebalance(self, group: _Group) -> None:
        """Deal the group's partitions round robin over its members, in join order."""
        members = group.members
        assignment: dict[int, list[TopicPartition]] = {id(m): [] for m in members}
        names = sorted({name for m in members for name in m.topics})
        cursor = 0
        for name in names:
            for partition in range(len(self._topics[name].partitions)):
                for step in range(len(members)):
                    member = members[(cursor + step) % len(members)]
                    if name in member.topics:
                        assignment[id(member)].append((name, partition))
                        cursor = (cursor + step + 1) % len(members)
                        break
        for member in members:
            member._assign(assignment[id(member)], group.committed)
        # Waiting polls must look at their new partitions.
        self._cond.notify_all()

    def _leave(self, consumer: MemoryConsumer) -> None:
        group = self._groups[consumer.group_id]
        group.members.remove(consumer)
        self._rebalance(group)

    def _trim(self, tp: TopicPartition) -> None:
        """Drop the messages of `tp` that every group reading its topic has committed."""
        name, partition = tp
        readers = [
            group
            for group in self._groups.values()
            if any(name in m.topics for m in group.members) or any(t == name for t, _ in group.committed)
        ]
        if not readers:
            return
        floor = min(group.committed.get(tp, 0) for group in readers)
        topic = self._topics[name]
        log, base = topic.partitions[partition], topic.bases[partition]
        drop = floor - base
        if drop >= TRIM_BATCH or (drop > 0 and drop * 2 >= len(log)):
            del log[:drop]
            topic.bases[partition] = floor

    def _remove_producer(self, producer: MemoryProducer) -> None:
        if producer in self._producers:
            self._producers.remove(producer)


class MemoryProducer:
    def __init__(self, bus: MemoryBus) -> None:
        self._bus = bus
        self._closed = False

    def send(self, topic: str, value: dict[str, Any], key: str | None = None) -> None:
        # Serialize outside the lock and before queueing, so a bad value fails here as in Kafka.
        self._append(topic, jsonio.encode(value), key)

    def send_encoded(self, topic: str, payload: bytes, key: str | None = None) -> None:
        self._append(topic, encoded_object(payload), key)

    def _append(self, topic: str, payload: bytes, key: str | None) -> None:
        with self._bus._cond:
            if self._closed:
                raise _closed_error("bus producer")
            self._bus._append(topic, key, payload)

    def flush(self, timeout: float | None = None) -> None:
        # send() has already appended to the log, so there is nothing left to deliver.
        with self._bus._cond:
            if self._closed:
                raise _closed_error("bus producer")

    def close(self) -> None:
        with self._bus._cond:
            self._closed = True
            self._bus._remove_producer(self)


class MemoryConsumer:
    def __init__(self, bus: MemoryBus, topics: tuple[str, ...], group_id: str) -> None:
        self._bus = bus
        self.topics = topics
        self.group_id = group_id
        self._assigned: list[TopicPartition] = []
        # Offset of the next message poll returns, per assigned partition.
        self._positions: dict[TopicPartition, int] = {}
        # Rotates the partition poll starts from, so one busy partition cannot starve the rest.
        self._start = 0
        self._closed = False

    def poll(self, timeout: float, max_records: int = 100) -> list[Message]:
        return decoded(self.poll_raw(timeout, max_records))

    def poll_raw(self, timeout: float, max_records: int = 100) -> list[RawMessage]:
        if max_records < 1:
            raise ValueError(f"max_records must be positive, got {max_records}")
        deadline = time.monotonic() + max(timeout, 0.0)
        cond = self._bus._cond
        with cond:
            if self._closed:
                raise _closed_error("bus consumer")
            while True:
                raw = self._take(max_records)
                remaining = deadline - time.monotonic()
                if raw or remaining <= 0 or self._closed:
                    return raw
                cond.wait(remaining)

    def commit(self) -> None:
        with self._bus._cond:
            if self._closed:
                raise _closed_error("bus consumer")
            committed = self._bus._groups[self.group_id].committed
            for tp in self._assigned:
                # max() keeps the committed offset monotonic: committed messages never return.
                committed[tp] = max(committed.get(tp, 0), self._positions[tp])
                self._bus._trim(tp)

    def close(self) -> None:
        with self._bus._cond:
            if self._closed:
                return
            self._closed = True
            # Leaving rebalances the group; the others restart from the committed offsets, so
            # what this member polled but did not commit is delivered again.
            self._bus._leave(self)
            self._assigned = []
            self._positions = {}

    # --- internals, called with the bus lock held -----------------------------------------

    def _assign(self, partitions: list[TopicPartition], committed: dict[TopicPartition, int]) -> None:
        # Like an eager Kafka rebalance: every member restarts from the group's committed
        # offsets (earliest for a new group), dropping its uncommitted progress.
        self._assigned = partitions
        self._positions = {tp: committed.get(tp, 0) for tp in partitions}
        self._start = 0

    def _take(self, limit: int) -> list[RawMessage]:
        taken: list[RawMessage] = []
        count = len(self._assigned)
        for step in range(count):
            if len(taken) >= limit:
                break
            tp = self._assigned[(self._start + step) % count]
            name, partition = tp
            topic = self._bus._topics[name]
            log, base = topic.partitions[partition], topic.bases[partition]
            # A position before the oldest message kept (dropped once every group had it)
            # starts from the oldest, as Kafka's earliest reset.
            position = max(self._positions[tp], base)
            end = min(base + len(log), position + limit - len(taken))
            for offset in range(position, end):
                key, payload = log[offset - base]
                taken.append(RawMessage(name, partition, offset, key, payload))
            self._positions[tp] = max(position, end)
        if count:
            self._start = (self._start + 1) % count
        return taken
