"""The diag executor process: consumers of DIAGNOSE_EXECUTE_REQ in the DiagGroup group."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from pydantic import ValidationError

from adoctor_diag_executor.settings import DiagExecutorIni
from adoctor_diag_executor.worker import DiagWorker
from aops_utils.bus import Message
from aops_utils.bus import MessageBus
from aops_utils.bus.loop import consume_in_thread
from aops_utils.conf import SystemIni
from aops_utils.contracts.diagnosis import DiagnoseRequest
from aops_utils.data_center import DataCenter
from aops_utils.threads import Threads
from aops_utils.trees import TreeError

LOG = logging.getLogger(__name__)


@dataclass
class DiagExecutor:
    bus: MessageBus
    worker: DiagWorker
    topic: str
    group: str
    consumers: int
    batch_size: int = 100
    poll_seconds: float = 1.0  # [consumer] timeout_ms
    threads: Threads = field(default_factory=Threads)

    def on_request(self, message: Message) -> None:
        try:
            self.worker.handle(DiagnoseRequest.model_validate(message.value))
        except (ValidationError, TreeError) as exc:
            # A request that can never be diagnosed is parked, not retried forever.
            LOG.warning("dropped a diagnosis request: %s", exc)

    def on_batch(self, messages: Sequence[Message]) -> None:
        """A polled batch diagnosed together; a broken message among them sends it one by one."""
        self.worker.handle_batch([DiagnoseRequest.model_validate(message.value) for message in messages])

    def start(self) -> None:
        for index in range(self.consumers):
            self.threads.add(
                consume_in_thread(
                    self.bus,
                    [self.topic],
                    self.group,
                    self.on_request,
                    self.threads.stop,
                    name=f"diagnosis-{index}",
                    handle_batch=self.on_batch,
                    max_records=self.batch_size,
                    poll_seconds=self.poll_seconds,
                )
            )

    def close(self) -> None:
        self.threads.close()


def build(system: SystemIni, ini: DiagExecutorIni, bus: MessageBus) -> DiagExecutor:
    dc = DataCenter.of_service(system, "adoctor-diag-executor", ini.executor.data_center_timeout)
    worker = DiagWorker(dc, ini.executor.registry(), ini.executor.sample_period)
    return DiagExecutor(
        bus,
        worker,
        ini.topic.name,
        ini.consumer.group_id,
        ini.executor.consumers,
        batch_size=ini.consumer.max_records,
        poll_seconds=ini.consumer.poll_seconds,
    )
