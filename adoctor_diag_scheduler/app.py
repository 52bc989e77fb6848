"""Diag scheduler app factory: the routes, the producer of diagnosis requests and the task watch."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask import current_app

from adoctor_diag_scheduler import settings as scheduler_settings
from adoctor_diag_scheduler.jobs import TaskWatch
from adoctor_diag_scheduler.settings import DiagSchedulerIni
from aops_utils.audit import AuditLog
from aops_utils.bus import MessageBus
from aops_utils.bus import Producer
from aops_utils.bus.settings import bus_from
from aops_utils.conf import SystemIni
from aops_utils.data_center import DataCenter
from aops_utils.restful.app import create_service_app
from aops_utils.restful.tokens import token_authenticator
from aops_utils.tasks import Periodic
from aops_utils.tasks import watcher_id


@dataclass
class DiagScheduler:
    settings: DiagSchedulerIni
    data_center: DataCenter
    producer: Producer
    watch: TaskWatch
    loop: Periodic | None = None

    def start_jobs(self) -> None:
        self.loop = Periodic("diag-task-watch", self.watch.run, self.settings.task.watch_interval)
        self.loop.start()

    def close(self) -> None:
        if self.loop is not None:
            self.loop.close()
        self.producer.close()


def scheduler() -> DiagScheduler:
    found: DiagScheduler = current_app.extensions["adoctor_diag_scheduler"]
    return found


def create_app(
    system: SystemIni | None = None,
    ini: DiagSchedulerIni | None = None,
    *,
    bus: MessageBus | None = None,
    start_jobs: bool = True,
) -> Flask:
    if system is None or ini is None:
        system, ini = scheduler_settings.load()
    dc = DataCenter.of_service(system, "adoctor-diag-scheduler")
    if bus is None:
        bus = bus_from(ini.bus, producer=ini.producer)
        bus.ensure_topics([ini.topic.name])
    from adoctor_diag_scheduler.api import api

    app = create_service_app(
        "adoctor-diag-scheduler",
        api,
        token_authenticator(dc.codec, "adoctor-diag-scheduler", system.auth.service_token_ttl),
        restful=system.restful,
        audit=AuditLog("diag_scheduler", system.log),
    )
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
    app.extensions["adoctor_diag_scheduler"] = service
    if start_jobs:
        service.start_jobs()
    return app
