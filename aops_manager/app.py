"""Manager app factory: local token checks, the data-center client, the keyring, the prober and the
deployment worker."""

from __future__ import annotations

import atexit
from dataclasses import dataclass

from flask import Flask

from aops_manager.cache import ReadCache
from aops_manager.deploy.catalogue import CATALOGUE
from aops_manager.deploy.catalogue import Catalogue
from aops_manager.deploy.custom import with_custom
from aops_manager.deploy.facts import Facts
from aops_manager.deploy.facts import ssh_online
from aops_manager.deploy.worker import Deployer
from aops_manager.keyring import Keyring
from aops_manager.settings import ManagerIni
from aops_manager.status import StatusProber
from aops_utils.audit import AuditLog
from aops_utils.audit import Event
from aops_utils.conf import SystemIni
from aops_utils.data_center import DataCenter
from aops_utils.restful.app import AppState
from aops_utils.restful.app import create_user_service_app


@dataclass(frozen=True, slots=True)
class Manager:
    settings: ManagerIni
    data_center: DataCenter
    keyring: Keyring
    prober: StatusProber
    cache: ReadCache
    audit: AuditLog
    deployer: Deployer
    facts: Facts
    # The components templates may name: the shipped ones and the custom ones of ansible_dir.
    catalogue: Catalogue


manager: AppState[Manager] = AppState("aops_manager")


def create_app(
    system: SystemIni, ini: ManagerIni, *, start_prober: bool = True, start_deployer: bool = True
) -> Flask:
    data_center = DataCenter.of_service(system, "aops-manager", ini.manager.data_center_timeout)
    section = ini.manager
    cache = ReadCache(section.read_cache_seconds)
    prober = StatusProber(data_center, section, on_update=cache.forget_all)
    from aops_manager.api import api

    audit = AuditLog("manager", system.log)

    def key_expired(username: str) -> None:
        audit.record(Event.KEY_DROPPED, user=username, address="", reason="expired")

    keyring = Keyring(section.vault_key_ttl, on_expiry=key_expired)
    app = create_user_service_app("aops-manager", api, data_center.codec, system, audit)
    deployer = Deployer(data_center, ini.deploy)

    online = ssh_online(section.probe_timeout, section.probe_concurrency)
    facts = Facts(data_center, deployer.dirs, deployer.setup, ini.deploy.facts_timeout, online)
    custom = ini.deploy.ansible_dir
    catalogue = with_custom(CATALOGUE, custom) if custom is not None else CATALOGUE
    manager.attach(app, Manager(ini, data_center, keyring, prober, cache, audit, deployer, facts, catalogue))
    if start_prober:
        prober.start()
    if start_deployer:
        deployer.start()
        # uWSGI runs these as its worker stops: runs end as interrupted, their Ansible ended.
        atexit.register(facts.close)
        atexit.register(deployer.close)
    return app
