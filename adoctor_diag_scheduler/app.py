"""Diag scheduler app factory: the routes and the producer of diagnosis requests."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask import current_app

from adoctor_diag_scheduler import settings as scheduler_settings
from adoctor_diag_scheduler.settings import DiagSchedulerIni
from aops_utils.bus import MessageBus
from aops_utils.bus import Producer
from aops_utils.bus.settings import bus_from
from aops_utils.conf import SystemIni
from aops_utils.data_center import DataCenter
from aops_utils.restful.app import create_service_app
from aops_utils.restful.tokens import token_authenticator


@dataclass
class DiagScheduler:
    settings: DiagSchedulerIni
    data_center: DataCenter
    producer: Producer

    def close(self) -> None:
        self.producer.close()


def scheduler() -> DiagScheduler:
    found: DiagScheduler = current_app.extensions["adoctor_diag_scheduler"]
    return found


def create_app(
    system: SystemIni | None = None, ini: DiagSchedulerIni | None = None, *, bus: MessageBus | None = None
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
        token_authenticator(dc.codec),
        restful=system.restful,
    )
    app.extensions["adoctor_diag_scheduler"] = DiagScheduler(ini, dc, bus.producer())
    return app
