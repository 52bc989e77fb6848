"""`diag_executor.ini`: Kafka settings, the topic and the executor's consumers."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from aops_utils import conf
from aops_utils.bus.settings import BusSection, ConsumerSection, ProducerSection, TopicSection
from aops_utils.conf import Section
from aops_utils.contracts.topics import Group
from aops_utils.rules.evaluation import DEFAULT_SAMPLE_PERIOD


class DiagExecutorSection(Section):
    consumers: int = Field(2, gt=0, le=64)
    sample_period: int = Field(DEFAULT_SAMPLE_PERIOD, gt=0, description="for rules evaluated on demand")
    data_center_timeout: float = Field(120.0, gt=0)
    # Earlier builds read the check schedule's positions and evaluated a slice this close to the
    # forward one on demand. Coverage records replaced the positions, so the key has no effect;
    # ini files that set it still load, with a warning at start (service.py).
    settle_seconds: int | None = Field(None, ge=0)


class DiagExecutorIni(Section):
    consumer: ConsumerSection = ConsumerSection(group_id=Group.DIAG.value)
    producer: ProducerSection = ProducerSection()
    topic: TopicSection = TopicSection()
    bus: BusSection = BusSection()
    executor: DiagExecutorSection = DiagExecutorSection()


def load(directory: Path | None = None) -> tuple[conf.SystemIni, DiagExecutorIni]:
    return conf.load_system(directory), conf.load(DiagExecutorIni, "diag_executor.ini", directory)
