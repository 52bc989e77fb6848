"""Choose the message bus implementation named in the settings."""

from __future__ import annotations

from typing import Any

from aops_utils.bus.protocol import MessageBus
from aops_utils.errors import ConfigError

KINDS = ("kafka", "memory")


def open_bus(kind: str, **kafka_options: Any) -> MessageBus:
    """`kind` is "kafka" (options go to KafkaBus) or "memory" (options are ignored, so one
    settings section can serve both)."""
    if kind == "memory":
        from aops_utils.bus.memory import MemoryBus

        return MemoryBus()
    if kind == "kafka":
        # Imported here so the embedded suite never loads kafka-python.
        from aops_utils.bus.kafka import KafkaBus

        return KafkaBus(**kafka_options)
    raise ConfigError(f"unknown message bus kind {kind!r}; expected one of: {', '.join(KINDS)}")
