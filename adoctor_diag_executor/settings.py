"""`diag_executor.ini`: Kafka settings, the topic and the executor's consumers."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from aops_utils import conf
from aops_utils.bus.settings import BusSection, ConsumerSection, ProducerSection
from aops_utils.conf import Section


class TopicSection(Section):
    name: str = Field("DIAGNOSE_EXECUTE_REQ", min_length=1, max_length=249)


class DiagExecutorSection(Section):
    consumers: int = Field(2, gt=0, le=64)
    sample_period: int = Field(15, gt=0, description="for rules evaluated on demand")
    data_center_timeout: float = Field(120.0, gt=0)


class DiagExecutorIni(Section):
    consumer: ConsumerSection = ConsumerSection(group_id="DiagGroup")
    producer: ProducerSection = ProducerSection()
    topic: TopicSection = TopicSection()
    bus: BusSection = BusSection()
    executor: DiagExecutorSection = DiagExecutorSection()


def load(directory: Path | None = None) -> tuple[conf.SystemIni, DiagExecutorIni]:
    return conf.load_system(directory), conf.load(DiagExecutorIni, "diag_executor.ini", directory)
