"""The 21.09 `[producer]`/`[consumer]` ini sections and opening a bus from them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from aops_utils.bus.factory import open_bus
from aops_utils.bus.protocol import MessageBus
from aops_utils.conf import Section
from aops_utils.contracts.topics import Topic


def _servers(value: str) -> str:
    parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
    if not parts or any(":" not in p for p in parts):
        raise ValueError("expected host:port[,host:port...]")
    return ",".join(parts)


class TopicSection(Section):
    """`[topic]` of the diag ini files: where diagnosis requests go."""

    name: str = Field(Topic.DIAGNOSE_EXECUTE_REQ.value, min_length=1, max_length=249)


class ProducerSection(Section):
    kafka_server_list: str = "127.0.0.1:9092"
    # 21.09 wrote "0.11.5"; empty means "ask the broker".
    api_version: str = ""
    acks: Literal["0", "1", "-1", "all"] = "1"
    retries: int = Field(3, ge=0)
    retry_backoff_ms: int = Field(100, ge=0)

    _check_servers = field_validator("kafka_server_list")(_servers)


class ConsumerSection(Section):
    kafka_server_list: str = "127.0.0.1:9092"
    group_id: str = ""
    # Offsets are always committed by hand after the work is stored; the key is kept for
    # 21.09 files and must stay False.
    enable_auto_commit: bool = False
    auto_offset_reset: Literal["earliest", "latest"] = "earliest"
    timeout_ms: int = Field(5, ge=0)
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


class BusSection(Section):
    """Beyond 21.09: `memory` runs producers and consumers in one process (embedded suite)."""

    kind: Literal["kafka", "memory"] = "kafka"


def bus_from(bus: BusSection, producer: ProducerSection, consumer: ConsumerSection) -> MessageBus:
    if bus.kind == "memory":
        return open_bus("memory")
    version = tuple(int(p) for p in producer.api_version.split(".")) if producer.api_version else None
    acks: int | str = producer.acks if producer.acks == "all" else int(producer.acks)
    return open_bus(
        "kafka",
        bootstrap_servers=consumer.kafka_server_list.split(","),
        api_version=version,
        acks=acks,
        retries=producer.retries,
        retry_backoff_ms=producer.retry_backoff_ms,
        session_timeout_ms=consumer.session_timeout_ms,
        heartbeat_interval_ms=consumer.heartbeat_interval_ms,
        max_poll_records=consumer.max_records,
    )
