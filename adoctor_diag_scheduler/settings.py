"""`diag_scheduler.ini`: where the scheduler listens, its Kafka producer and topic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field
from pydantic import model_validator

from aops_utils import conf
from aops_utils.bus.settings import NO_CONSUMER
from aops_utils.bus.settings import ProducerIni
from aops_utils.bus.settings import TopicSection
from aops_utils.conf import Port
from aops_utils.conf import Retired
from aops_utils.conf import Section
from aops_utils.conf import ServerSection
from aops_utils.conf import WebServiceIni
from aops_utils.contracts.data_center.diagnosis import MAX_LEASE


class DiagSchedulerSection(ServerSection):
    port: Port = 11113
    # Each report is one bus message carrying its whole tree: 21.09 had no bound, and one task
    # could publish a million of them.
    max_reports_per_task: int = Field(10_000, gt=0, description="hosts x trees x slices")


class TaskSection(Section):
    """`[task]`: how unfinished diagnosis tasks are resumed, and when one is given up."""

    watch_interval: float = Field(30, gt=0, le=3600, description="seconds between two task watches")
    lease: int = Field(120, gt=0, le=MAX_LEASE, description="seconds a dead scheduler's tasks wait")
    timeout: int = Field(600, gt=0, description="seconds a task may take, plus per report:")
    timeout_per_report: float = Field(0.1, ge=0, le=3600)

    @model_validator(mode="after")
    def _renewed_in_time(self) -> TaskSection:
        # The holder renews its leases at each watch: a lease shorter than two watches would
        # run out under a live scheduler, and another would publish its tasks again.
        if self.lease < 2 * self.watch_interval:
            raise ValueError(f"lease must be at least twice watch_interval ({2 * self.watch_interval:g} s)")
        return self


class DiagSchedulerIni(ProducerIni, WebServiceIni):
    retired: ClassVar[Mapping[str, Retired]] = {"consumer": NO_CONSUMER}

    topic: TopicSection = TopicSection()
    diag_scheduler: DiagSchedulerSection = DiagSchedulerSection()
    task: TaskSection = TaskSection()


load = conf.ServiceLoader(DiagSchedulerIni, "diag_scheduler.ini", lambda ini: ini.diag_scheduler.endpoint)
