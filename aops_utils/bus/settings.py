"""The 21.09 `[producer]`/`[consumer]` ini sections and opening a bus from them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import ClassVar
from typing import Literal

from pydantic import Field
from pydantic import field_validator

from aops_utils.bus.factory import open_bus
from aops_utils.bus.protocol import MessageBus
from aops_utils.conf import Retired
from aops_utils.conf import Section
from aops_utils.contracts.topics import Group
from aops_utils.contracts.topics import Topic

LOG = logging.getLogger(__name__)


def _servers(value: str) -> str:
    parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
    if not parts or any(":" not in p for p in parts):
        raise ValueError("expected host:port[,host:port...]")
    return ",".join(parts)


class TopicSection(Section):
    """`[topic]` of the diag ini files: where diagnosis requests go."""

    name: str = Field(Topic.DIAGNOSE_EXECUTE_REQ.value, min_length=1, max_length=249)


class ProducerSection(Section):
    """`[producer]`: the brokers and settings of every producer of the process."""

    kafka_server_list: str = "127.0.0.1:9092"
    # The producer's protocol version, as in 21.09 ("0.11.5"); empty means "ask the broker".
    # Consumers and topic creation always ask the broker.
    api_version: str = Field("", pattern=r"^(\d+(\.\d+){1,2})?$")
    acks: Literal["0", "1", "-1", "all"] = "1"
    retries: int = Field(3, ge=0)
    retry_backoff_ms: int = Field(100, ge=0)

    _check_servers = field_validator("kafka_server_list")(_servers)


class ConsumerSection(Section):
    """`[consumer]`: the brokers and settings of every consumer of the process."""

    # The 21.09 manual sets group_id=DiagGroup in check_scheduler.ini, where the retry consumer
    # would then share the diag executors' group; 21.09 ignored it there too.
    retired: ClassVar[Mapping[str, Retired]] = {
        "group_id": Retired(
            "no effect in this file: the check services' consumer groups are fixed per topic "
            "(RETRY_CHECK_GROUP_ID, DO_CHECK_GROUP_ID, ...); only diag_executor.ini sets a group"
        ),
    }

    kafka_server_list: str = "127.0.0.1:9092"
    # Offsets are always committed by hand after the work is stored; the key is kept for
    # 21.09 files and must stay False.
    enable_auto_commit: bool = False
    # Where a consumer group without committed offsets starts.
    auto_offset_reset: Literal["earliest", "latest"] = "earliest"
    # How long one poll waits for messages when none are there (21.09: 5, which wakes an idle
    # consumer 200 times a second); a poll returns as soon as messages arrive.
    timeout_ms: int = Field(1000, ge=0, le=60000)
    max_records: int = Field(3, gt=0)
    session_timeout_ms: int = Field(10000, ge=1000)
    heartbeat_interval_ms: int = Field(3000, ge=100)

    _check_servers = field_validator("kafka_server_list")(_servers)

    @field_validator("enable_auto_commit")
    @classmethod
    def _manual_commit(cls, value: bool) -> bool:
        if value:
            raise ValueError("must be False: offsets are committed only after the work is stored")
        return value

    @property
    def poll_seconds(self) -> float:
        return self.timeout_ms / 1000


class GroupConsumerSection(ConsumerSection):
    """`[consumer]` of diag_executor.ini, whose consumers join the group it names."""

    retired: ClassVar[Mapping[str, Retired]] = {}

    group_id: str = Field(Group.DIAG.value, min_length=1, max_length=249)


# For ini files of services that only produce or only consume (21.09 had no such section there).
NO_PRODUCER = Retired("no effect: this service publishes nothing")
NO_CONSUMER = Retired("no effect: this service consumes nothing")


class BusSection(Section):
    """Beyond 21.09: `memory` runs producers and consumers in one process (embedded suite)."""

    kind: Literal["kafka", "memory"] = "kafka"


# The files of the processes on the bus take these as their bases: each has `[bus]`, and
# `[producer]` and `[consumer]` where it has that side.


class ProducerIni(Section):
    producer: ProducerSection = ProducerSection()
    bus: BusSection = BusSection()


class ConsumerIni(Section):
    consumer: ConsumerSection = ConsumerSection()
    bus: BusSection = BusSection()


def bus_from(
    bus: BusSection, producer: ProducerSection | None = None, consumer: ConsumerSection | None = None
) -> MessageBus:
    """The bus of a process: its producers use `[producer]`, its consumers `[consumer]` (a
    process with only one of the two sections has only that side)."""
    if bus.kind == "memory":
        given = [
            f"[{s}]"
            for s, section in (("producer", producer), ("consumer", consumer))
            if section and section.model_fields_set
        ]
        if given:
            LOG.warning(
                "[bus] kind=memory: the Kafka settings of %s (brokers, api_version, acks, "
                "auto_offset_reset, ...) have no effect on the in-process bus",
                " and ".join(given),
            )
        return open_bus("memory")
    # A side the process does not have takes the other's brokers: it only creates topics there.
    if producer is None:
        if consumer is None:
            raise ValueError("a Kafka bus needs a [producer] or a [consumer] section")
        producer = ProducerSection(kafka_server_list=consumer.kafka_server_list)
    consumer = consumer or ConsumerSection(kafka_server_list=producer.kafka_server_list)
    version = tuple(int(p) for p in producer.api_version.split(".")) if producer.api_version else None
    acks: int | str = producer.acks if producer.acks == "all" else int(producer.acks)
    return open_bus(
        "kafka",
        bootstrap_servers=producer.kafka_server_list.split(","),
        consumer_servers=consumer.kafka_server_list.split(","),
        api_version=version,
        acks=acks,
        retries=producer.retries,
        retry_backoff_ms=producer.retry_backoff_ms,
        session_timeout_ms=consumer.session_timeout_ms,
        heartbeat_interval_ms=consumer.heartbeat_interval_ms,
        max_poll_records=consumer.max_records,
        auto_offset_reset=consumer.auto_offset_reset,
    )
