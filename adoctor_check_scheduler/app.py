"""Check scheduler app factory: routes, the schedule thread and the retry consumer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask

from adoctor_check_scheduler.jobs import CheckSchedule
from adoctor_check_scheduler.jobs import ScheduleLoop
from adoctor_check_scheduler.settings import CheckSchedulerIni
from aops_utils.audit import AuditLog
from aops_utils.bus import MessageBus
from aops_utils.bus import Producer
from aops_utils.bus.loop import consume_in_thread
from aops_utils.bus.settings import bus_from
from aops_utils.conf import SystemIni
from aops_utils.contracts.topics import Group
from aops_utils.contracts.topics import Topic
from aops_utils.data_center import DataCenter
from aops_utils.restful.app import AppState
from aops_utils.restful.app import create_user_service_app


@dataclass
class CheckScheduler:
    settings: CheckSchedulerIni
    data_center: DataCenter
    bus: MessageBus
    producer: Producer
    registry: Any
    schedule: CheckSchedule
    # The schedule thread; the retry consumer runs on its stop event and is closed with it.
    loop: ScheduleLoop

    def start_jobs(self) -> None:
        self.loop.start()
        self.loop.add(
            consume_in_thread(
                self.bus,
                [Topic.RETRY_CHECK.value],
                Group.RETRY_CHECK.value,
                self.schedule.on_retry_message,
                self.loop.stop,
                name="retry-consumer",
                max_records=self.settings.consumer.max_records,
                poll_seconds=self.settings.consumer.poll_seconds,
            )
        )

    def close(self) -> None:
        self.loop.close()
        self.producer.close()


scheduler: AppState[CheckScheduler] = AppState("adoctor_check_scheduler")


def create_app(
    system: SystemIni,
    ini: CheckSchedulerIni,
    *,
    bus: MessageBus | None = None,
    start_jobs: bool | None = None,
) -> Flask:
    dc = DataCenter.of_service(system, "adoctor-check-scheduler")
    if bus is None:
        bus = bus_from(ini.bus, ini.producer, ini.consumer)
        bus.ensure_topics([t.value for t in Topic])
    producer = bus.producer()
    schedule = CheckSchedule(dc, producer, ini.check_scheduler)
    service = CheckScheduler(
        ini, dc, bus, producer, ini.executor.registry(), schedule, ScheduleLoop(schedule, ini.check_scheduler)
    )
    from adoctor_check_scheduler.api import api

    audit = AuditLog("check_scheduler", system.log)
    app = create_user_service_app("adoctor-check-scheduler", api, dc.codec, system, audit)
    scheduler.attach(app, service)
    if ini.check_scheduler.run_jobs if start_jobs is None else start_jobs:
        service.start_jobs()
    return app
