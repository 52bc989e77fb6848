"""`diag_executor.ini`: Kafka settings, the topic and the executor's consumers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field

from aops_utils import conf
from aops_utils.bus.settings import NO_PRODUCER
from aops_utils.bus.settings import ConsumerIni
from aops_utils.bus.settings import GroupConsumerSection
from aops_utils.bus.settings import TopicSection
from aops_utils.conf import Retired
from aops_utils.rules.evaluation import DEFAULT_SAMPLE_PERIOD
from aops_utils.rules.settings import PluginSettings


class DiagExecutorSection(PluginSettings):
    # Earlier builds read the check schedule's positions and evaluated a slice this close to the
    # forward one on demand; coverage records replaced the positions.
    retired: ClassVar[Mapping[str, Retired]] = {
        "settle_seconds": Retired(
            "no effect: a slice counts as checked only where the check executors recorded "
            "evaluating it (docs/diagnosis.md); nothing replaces it"
        ),
    }

    consumers: int = Field(2, gt=0, le=64)
    sample_period: int = Field(DEFAULT_SAMPLE_PERIOD, gt=0, description="for rules evaluated on demand")
    data_center_timeout: float = Field(120.0, gt=0)


class DiagExecutorIni(ConsumerIni):
    retired: ClassVar[Mapping[str, Retired]] = {"producer": NO_PRODUCER}

    # Its consumers join the group it names (the check services' groups are fixed).
    consumer: GroupConsumerSection = GroupConsumerSection()
    topic: TopicSection = TopicSection()
    executor: DiagExecutorSection = DiagExecutorSection()


load = conf.ServiceLoader(DiagExecutorIni, "diag_executor.ini")
