"""Diag scheduler app factory: the routes, the producer of diagnosis requests and the task watch."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from flask import Flask

from adoctor_diag_scheduler.jobs import TaskWatch
from adoctor_diag_scheduler.settings import DiagSchedulerIni
from aops_utils.audit import AuditLog
from aops_utils.bus import MessageBus
from aops_utils.bus import Producer
from aops_utils.bus.settings import bus_from
from aops_utils.conf import SystemIni
from aops_utils.data_center import DataCenter
from aops_utils.restful.app import AppState
from aops_utils.restful.app import create_user_service_app
from aops_utils.tasks import Periodic
from aops_utils.tasks import watcher_id


@dataclass
class DiagScheduler:
    settings: DiagSchedulerIni
    data_center: DataCenter
    producer: Producer
    watch: TaskWatch
    # The watch's thread: started by start_jobs, closed with the service (started or not).
    loop: Periodic = field(init=False)

    def __post_init__(self) -> None:
        self.loop = Periodic("diag-task-watch", self.watch.run, self.settings.task.watch_interval)

    def start_jobs(self) -> None:
        self.loop.start()

    def close(self) -> None:
        self.loop.close()
        self.producer.close()


scheduler: AppState[DiagScheduler] = AppState("adoctor_diag_scheduler")


def create_app(
    system: SystemIni, ini: DiagSchedulerIni, *, bus: MessageBus | None = None, start_jobs: bool = True
) -> Flask:
    dc = DataCenter.of_service(system, "adoctor-diag-scheduler")
    if bus is None:
        bus = bus_from(ini.bus, producer=ini.producer)
        bus.ensure_topics([ini.topic.name])
    from adoctor_diag_scheduler.api import api

    audit = AuditLog("diag_scheduler", system.log)
    app = create_user_service_app("adoctor-diag-scheduler", api, dc.codec, system, audit)
    producer = bus.producer()
    watch = TaskWatch(
        dc,
        producer,
        ini.topic.name,
        ini.task,
        watcher_id("adoctor-diag-scheduler"),
        takeover=ini.bus.kind == "memory",
    )
    service = DiagScheduler(ini, dc, producer, watch)
    scheduler.attach(app, service)
    if start_jobs:
        service.start_jobs()
    return app
