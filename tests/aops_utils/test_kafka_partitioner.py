"""Where the Kafka bus's producer puts messages: keyed ones by their key, unkeyed ones in turn."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from aops_utils.bus.kafka import SpreadingPartitioner


class Cluster:
    """The part of kafka-python's ClusterMetadata a partitioner reads."""

    def __init__(self, partitions: set[int], available: set[int] | None = None) -> None:
        self._partitions = partitions
        self._available = partitions if available is None else available

    def topics(self) -> set[str]:
        return {"tasks"}

    def partitions_for_topic(self, _topic: str) -> set[int]:
        return self._partitions

    def available_partitions_for_topic(self, _topic: str) -> set[int]:
        return self._available


def place(partitioner: SpreadingPartitioner, cluster: Cluster, key: bytes | None) -> int:
    return partitioner.partition("tasks", key, key, b"{}", b"{}", cluster)


def test_unkeyed_messages_take_the_partitions_in_turn() -> None:
    # Five tasks on four partitions: one partition gets two, never one consumer of two all five.
    partitioner, cluster = SpreadingPartitioner(), Cluster({0, 1, 2, 3})
    placed = [place(partitioner, cluster, None) for _ in range(8)]
    assert Counter(placed) == {0: 2, 1: 2, 2: 2, 3: 2}
    assert all((b - a) % 4 == 1 for a, b in itertools.pairwise(placed))


def test_keyed_messages_keep_one_partition_per_key() -> None:
    partitioner, cluster = SpreadingPartitioner(), Cluster({0, 1, 2, 3})
    for key in (b"alice", b"bob", b"retry-7"):
        assert len({place(partitioner, cluster, key) for _ in range(5)}) == 1


def test_partitions_without_a_leader_are_skipped_while_others_are_available() -> None:
    partitioner = SpreadingPartitioner()
    assert {place(partitioner, Cluster({0, 1, 2, 3}, {1, 3}), None) for _ in range(6)} == {1, 3}
    # None available: every partition, as kafka-python does.
    assert {place(partitioner, Cluster({0, 1}, set()), None) for _ in range(4)} == {0, 1}


def test_an_unknown_topic_is_refused() -> None:
    with pytest.raises(ValueError, match="not found"):
        SpreadingPartitioner().partition("other", None, None, b"{}", b"{}", Cluster({0}))
