"""Manager app factory: local token checks, the data-center client, the keyring and the prober."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request

from aops_manager import settings as manager_settings
from aops_manager.keyring import Keyring
from aops_manager.settings import ManagerIni
from aops_manager.status import StatusProber
from aops_utils.auth import TokenCodec, TokenType, load_secret
from aops_utils.clients import ACTING_USER_HEADER, ServiceClient
from aops_utils.conf import SystemIni
from aops_utils.restful import Principal
from aops_utils.restful.app import create_service_app


@dataclass(frozen=True, slots=True)
class Manager:
    settings: ManagerIni
    data_center: ServiceClient
    keyring: Keyring
    prober: StatusProber


def manager() -> Manager:
    found: Manager = current_app.extensions["aops_manager"]
    return found


def create_app(
    system: SystemIni | None = None, ini: ManagerIni | None = None, *, start_prober: bool = True
) -> Flask:
    if system is None or ini is None:
        system, ini = manager_settings.load()
    codec = TokenCodec(load_secret(system.auth.secret_file))
    data_center = ServiceClient(
        system.database.url, codec, "aops-manager", timeout=ini.manager.data_center_timeout
    )
    section = ini.manager
    prober = StatusProber(
        data_center, section.host_status_interval, section.probe_timeout, section.probe_concurrency
    )
    from aops_manager.api import api

    def authenticate(token: str) -> Principal:
        # Signature and expiry are checked here; the data center checks revocation on the
        # call every route makes, so a logged-out token fails without an extra round trip.
        claims = codec.decode(token)
        if claims.type is TokenType.SERVICE:
            acting = request.headers.get(ACTING_USER_HEADER, "")
            return Principal(acting, token, claims.token_id, service=claims.subject)
        return Principal(claims.subject, token, claims.token_id)

    app = create_service_app("aops-manager", api, authenticate)
    app.extensions["aops_manager"] = Manager(ini, data_center, Keyring(), prober)
    if start_prober:
        prober.start()
    return app
