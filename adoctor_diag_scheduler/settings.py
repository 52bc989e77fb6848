"""`diag_scheduler.ini`: where the scheduler listens, its Kafka producer and topic."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from aops_utils import conf
from aops_utils.bus.settings import NO_CONSUMER
from aops_utils.bus.settings import BusSection
from aops_utils.bus.settings import ProducerSection
from aops_utils.bus.settings import TopicSection
from aops_utils.conf import Port
from aops_utils.conf import Retired
from aops_utils.conf import Section
from aops_utils.conf import ServerSection
from aops_utils.conf import UwsgiSection


class DiagSchedulerSection(ServerSection):
    port: Port = 11113
    # Each report is one bus message carrying its whole tree: 21.09 had no bound, and one task
    # could publish a million of them.
    max_reports_per_task: int = Field(10_000, gt=0, description="hosts x trees x slices")


class DiagSchedulerIni(Section):
    retired: ClassVar[Mapping[str, Retired]] = {"consumer": NO_CONSUMER}

    producer: ProducerSection = ProducerSection()
    topic: TopicSection = TopicSection()
    bus: BusSection = BusSection()
    diag_scheduler: DiagSchedulerSection = DiagSchedulerSection()
    uwsgi: UwsgiSection = UwsgiSection()


def load(directory: Path | None = None) -> tuple[conf.SystemIni, DiagSchedulerIni]:
    return conf.load_system(directory), conf.load(DiagSchedulerIni, "diag_scheduler.ini", directory)
