"""Flask app factory shared by the services: error handling, body limit, OpenAPI route."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version
from typing import Generic
from typing import TypeVar

from flask import Flask
from flask import Response
from flask import current_app
from werkzeug.exceptions import HTTPException

from aops_utils.audit import AuditLog
from aops_utils.auth import TokenCodec
from aops_utils.codes import Code
from aops_utils.conf import RestfulSection
from aops_utils.conf import SystemIni
from aops_utils.errors import AopsError
from aops_utils.errors import DefaultPasswordError
from aops_utils.restful import auditing
from aops_utils.restful import openapi
from aops_utils.restful.addresses import TRUSTED_PROXIES
from aops_utils.restful.auditing import AUDIT
from aops_utils.restful.routes import LEGACY_HTTP_STATUS
from aops_utils.restful.routes import Api
from aops_utils.restful.routes import Authenticator
from aops_utils.restful.routes import envelope_response
from aops_utils.restful.routes import json_response
from aops_utils.restful.routes import read_token
from aops_utils.restful.tokens import token_authenticator

LOG = logging.getLogger(__name__)

StateT = TypeVar("StateT")
_HTTP_CODES = {404: Code.PARAM_ERROR, 413: Code.PARAM_ERROR, 415: Code.PARAM_ERROR}


class AppState(Generic[StateT]):
    """A service's own state on its app (stores, clients, threads), kept in `app.extensions`
    under the service's package name: the app factory attaches it, a view calls this to get it."""

    def __init__(self, package: str) -> None:
        self.package = package

    def attach(self, app: Flask, state: StateT) -> None:
        app.extensions[self.package] = state

    def __call__(self) -> StateT:
        found: StateT = current_app.extensions[self.package]
        return found


def package_version() -> str:
    try:
        return version("aops")
    except PackageNotFoundError:
        return "0+local"


def create_user_service_app(
    name: str, api: Api, codec: TokenCodec, system: SystemIni, audit: AuditLog
) -> Flask:
    """The app of a service that users call with their own tokens (the manager, the schedulers):
    it checks those itself with the suite's secret, and takes service tokens made out to `name`."""
    authenticator = token_authenticator(codec, name, system.auth.service_token_ttl)
    return create_service_app(name, api, authenticator, restful=system.restful, audit=audit)


def create_service_app(
    name: str,
    api: Api,
    authenticator: Authenticator,
    *,
    restful: RestfulSection,
    audit: AuditLog | None = None,
) -> Flask:
    app = Flask(name)
    # Each route reads at most its own limit (routes.read_body); this ceiling covers the rest.
    max_body = api.largest_body()
    app.config["MAX_CONTENT_LENGTH"] = max_body
    app.config[LEGACY_HTTP_STATUS] = restful.legacy_http_status
    app.config[TRUSTED_PROXIES] = restful.trusted_proxies
    app.extensions[AUDIT] = audit
    app.config["AOPS_AUTHENTICATOR"] = authenticator
    api.init_app(app)
    document = openapi.build(api, package_version())

    @app.get("/openapi.json")
    def openapi_document() -> Response:
        return json_response(document, 200)

    @app.errorhandler(AopsError)
    def on_aops_error(exc: AopsError) -> Response:
        if exc.code is Code.SERVER_ERROR or exc.http_status >= 500:
            LOG.warning("%s answered %s: %s", name, int(exc.code), exc.detail)
        if exc.code is Code.TOKEN_ERROR or isinstance(exc, DefaultPasswordError):
            auditing.record_refused_token(read_token(), int(exc.code), exc.detail)
        return envelope_response(exc.envelope(), exc.http_status)

    @app.errorhandler(HTTPException)
    def on_http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = _HTTP_CODES.get(status, Code.PARAM_ERROR if status < 500 else Code.SERVER_ERROR)
        detail = exc.description or exc.name
        if status == 413:
            detail = f"the request body is larger than {max_body} bytes"
        body = {"code": int(code), "msg": code.label, "detail": detail}
        return envelope_response(body, status)

    @app.errorhandler(Exception)
    def on_unexpected(exc: Exception) -> Response:
        LOG.exception("%s: unexpected failure", name)
        body = {
            "code": int(Code.SERVER_ERROR),
            "msg": Code.SERVER_ERROR.label,
            "detail": "unexpected server failure; see the service log",
        }
        return envelope_response(body, 500)

    return app
