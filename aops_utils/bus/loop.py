"""A polite consumer loop: commit after the work is stored, wait out outages, park poison."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from aops_utils.bus.protocol import Message, MessageBus
from aops_utils.errors import DatabaseUnavailable, ServiceUnavailable

LOG = logging.getLogger(__name__)
OUTAGES = (ServiceUnavailable, DatabaseUnavailable)


def consume(
    bus: MessageBus,
    topics: Sequence[str],
    group_id: str,
    handle: Callable[[Message], Any],
    stop: threading.Event,
    *,
    poll_seconds: float = 1.0,
    max_records: int = 10,
    backoff: float = 2.0,
) -> None:
    """Run until `stop` is set. A batch is committed only when every message in it is handled.

    When a service the handler needs is away, the same message is tried again (without
    committing) until it is back, so nothing is lost. Any other failure is a bug or a poison
    message: it is logged with the message and skipped, so one bad message cannot stall the
    topic.
    """
    consumer = bus.consumer(topics, group_id)
    try:
        while not stop.is_set():
            batch = consumer.poll(poll_seconds, max_records)
            for message in batch:
                if not _handle(message, handle, stop, backoff):
                    return  # stopping mid-batch: nothing of it is committed
            if batch:
                consumer.commit()
    finally:
        consumer.close()


def _handle(
    message: Message, handle: Callable[[Message], Any], stop: threading.Event, backoff: float
) -> bool:
    while not stop.is_set():
        try:
            handle(message)
            return True
        except OUTAGES as exc:
            LOG.warning("%s: %s; trying again in %.0f s", message.topic, exc.detail, backoff)
            stop.wait(backoff)
        except Exception:
            LOG.exception(
                "%s offset %d: cannot be handled, skipped: %.500r",
                message.topic,
                message.offset,
                message.value,
            )
            return True
    return False
