"""gala-ragdoll app factory: the routes, the repository of expected files, the manager client
and the periodic drift check."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from aops_utils.audit import AuditLog
from aops_utils.conf import SystemIni
from aops_utils.data_center import DataCenter
from aops_utils.restful.app import AppState
from aops_utils.restful.app import create_user_service_app
from aops_utils.tasks import Periodic
from gala_ragdoll.clients import SERVICE
from gala_ragdoll.clients import Manager
from gala_ragdoll.settings import RagdollIni
from gala_ragdoll.store import ConfigRepository


@dataclass
class Ragdoll:
    settings: RagdollIni
    repository: ConfigRepository
    manager: Manager
    data_center: DataCenter
    loop: Periodic | None = None

    def start_jobs(self) -> None:
        from gala_ragdoll.drift import check_every_domain

        interval = self.settings.ragdoll.drift_check_interval
        if interval > 0:
            self.loop = Periodic("drift-check", lambda: check_every_domain(self), interval)
            self.loop.start()

    def close(self) -> None:
        if self.loop is not None:
            self.loop.close()


ragdoll: AppState[Ragdoll] = AppState("gala_ragdoll")


def create_app(system: SystemIni, ini: RagdollIni, *, start_jobs: bool = True) -> Flask:
    repository = ConfigRepository(ini.git.git_dir, ini.git.user_name, ini.git.user_email)
    # Makes the repository on first start and adopts a 21.09 one (as 21.09's start ran git init).
    repository.open(ini.ragdoll.legacy_domain_owner)
    dc = DataCenter.of_service(system, SERVICE)
    from gala_ragdoll.api import api

    audit = AuditLog("gala_ragdoll", system.log)
    app = create_user_service_app(SERVICE, api, dc.codec, system, audit)
    service = Ragdoll(ini, repository, Manager(system, ini.collect), dc)
    ragdoll.attach(app, service)
    if start_jobs:
        service.start_jobs()
    return app
