"""The diag executor process: consumers of DIAGNOSE_EXECUTE_REQ in the DiagGroup group."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from adoctor_diag_executor.settings import DiagExecutorIni
from adoctor_diag_executor.worker import DiagWorker
from aops_utils.bus import Message
from aops_utils.bus import MessageBus
from aops_utils.bus.loop import Consumers
from aops_utils.conf import SystemIni
from aops_utils.contracts.diagnosis import DiagnoseRequest
from aops_utils.data_center import DataCenter
from aops_utils.trees import TreeError

LOG = logging.getLogger(__name__)


@dataclass
class DiagExecutor(Consumers):
    worker: DiagWorker
    topic: str
    group: str
    consumers: int

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
            self.consume(
                f"diagnosis-{index}", [self.topic], self.group, self.on_request, handle_batch=self.on_batch
            )


def build(system: SystemIni, ini: DiagExecutorIni, bus: MessageBus) -> DiagExecutor:
    dc = DataCenter.of_service(system, "adoctor-diag-executor", ini.executor.data_center_timeout)
    worker = DiagWorker(dc, ini.executor.registry(), ini.executor.sample_period)
    return DiagExecutor(
        worker, ini.topic.name, ini.consumer.group_id, ini.executor.consumers, bus=bus, consumer=ini.consumer
    )
