"""A polite consumer loop: commit after the work is stored, wait out outages, park poison."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from functools import partial
from typing import Any

from aops_utils.bus.protocol import Consumer
from aops_utils.bus.protocol import Message
from aops_utils.bus.protocol import MessageBus
from aops_utils.bus.settings import ConsumerSection
from aops_utils.errors import DatabaseUnavailable
from aops_utils.errors import ServiceUnavailable
from aops_utils.threads import Threads

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
    handle_batch: Callable[[Sequence[Message]], Any] | None = None,
) -> None:
    """Run until `stop` is set. A batch is committed only when every message in it is handled.

    When a service the handler needs is away, the same message is tried again (without
    committing) until it is back, so nothing is lost. Any other failure is a bug or a poison
    message: it is logged with the message and skipped, so one bad message cannot stall the
    topic.

    With `handle_batch`, each polled batch is first handled as a whole (so a worker can share
    its queries between messages); if that fails other than by an outage, its messages are
    handled one by one with `handle`, so only a poison message itself is skipped.
    """
    consumer = bus.consumer(topics, group_id)
    try:
        while not stop.is_set():
            batch = consumer.poll(poll_seconds, max_records)
            if handle_batch is not None:
                batch = _filled(consumer, batch, max_records)
            if batch and not _handle_all(batch, handle, handle_batch, stop, backoff):
                return  # stopping mid-batch: nothing of it is committed
            if batch:
                consumer.commit()
    finally:
        consumer.close()


# How long a batch that shares its work (handle_batch) waits for more messages when a poll gave
# fewer than it may take. Requests published together (a diagnosis of 1,000 hosts x 6 slices)
# then come in a few full batches instead of many partial ones, each of which paid the same
# queries over a whole index: bench_diagnosis's 6,000 requests came in 36 batches.
FILL_SECONDS = 0.05


def _filled(consumer: Consumer, batch: list[Message], max_records: int) -> list[Message]:
    """The batch topped up from polls of FILL_SECONDS while they bring more, up to max_records."""
    while batch and len(batch) < max_records:
        more = consumer.poll(FILL_SECONDS, max_records - len(batch))
        if not more:
            break
        batch += more
    return batch


def consume_in_thread(
    bus: MessageBus,
    topics: Sequence[str],
    group_id: str,
    handle: Callable[[Message], Any],
    stop: threading.Event,
    *,
    name: str,
    **options: Any,
) -> threading.Thread:
    """`consume(...)` started in a daemon thread called `name` (options as for consume)."""
    thread = threading.Thread(
        target=consume, args=(bus, topics, group_id, handle, stop), kwargs=options, name=name, daemon=True
    )
    thread.start()
    return thread


@dataclass(kw_only=True)
class Consumers:
    """The consumer threads of a worker process: on one bus, polling as its `[consumer]` says,
    stopped and waited for together."""

    bus: MessageBus
    consumer: ConsumerSection
    threads: Threads = field(default_factory=Threads)

    @property
    def poll_seconds(self) -> float:
        """How long an idle poll waits ([consumer] timeout_ms)."""
        return self.consumer.poll_seconds

    def consume(
        self,
        name: str,
        topics: Sequence[str],
        group_id: str,
        handle: Callable[[Message], Any],
        **options: Any,
    ) -> None:
        """A consumer thread called `name`; each poll takes up to [consumer] max_records messages,
        committed together (options as for consume)."""
        thread = consume_in_thread(
            self.bus,
            topics,
            group_id,
            handle,
            self.threads.stop,
            name=name,
            max_records=self.consumer.max_records,
            poll_seconds=self.poll_seconds,
            **options,
        )
        self.threads.add(thread)

    def close(self) -> None:
        self.threads.close()


def _handle_all(
    batch: Sequence[Message],
    handle: Callable[[Message], Any],
    handle_batch: Callable[[Sequence[Message]], Any] | None,
    stop: threading.Event,
    backoff: float,
) -> bool:
    if handle_batch is not None and len(batch) > 1:
        outcome = _attempt(partial(handle_batch, batch), batch[0], stop, backoff, whole=len(batch))
        if outcome is not None:
            return outcome
    return all(_attempt(partial(handle, message), message, stop, backoff) for message in batch)


def _attempt(
    work: Callable[[], Any], message: Message, stop: threading.Event, backoff: float, *, whole: int = 0
) -> bool | None:
    """True when done, False when stopping; None when a batch failed and must go one by one."""
    while not stop.is_set():
        try:
            work()
            return True
        except OUTAGES as exc:
            LOG.warning("%s: %s; trying again in %.0f s", message.topic, exc.detail, backoff)
            stop.wait(backoff)
        except Exception:
            if whole:
                LOG.exception("%s: a batch of %d failed; handling it one by one", message.topic, whole)
                return None
            LOG.exception(
                "%s offset %d: cannot be handled, skipped: %.500r",
                message.topic,
                message.offset,
                message.value,
            )
            return True
    return False
