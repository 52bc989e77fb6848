"""Data-center app factory: opens the three stores and mounts the `/data/...` routes."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request

from aops_database import settings as db_settings
from aops_database.services.accounts import Accounts
from aops_database.services.data import Prometheus
from aops_database.settings import DatabaseIni
from aops_utils.auth import TokenCodec, TokenType, load_secret
from aops_utils.conf import SystemIni
from aops_utils.db import RelationalStore, open_relational_store
from aops_utils.docstore import DocumentStore
from aops_utils.docstore.factory import open_document_store
from aops_utils.errors import TokenError
from aops_utils.restful import Principal
from aops_utils.restful.app import create_service_app

HOST_INFO_INDEX = "host_information"
ACTING_USER_HEADER = "X-Aops-User"


@dataclass(frozen=True, slots=True)
class DataCenter:
    store: RelationalStore
    docs: DocumentStore
    accounts: Accounts
    prometheus: Prometheus
    codec: TokenCodec


def center() -> DataCenter:
    found: DataCenter = current_app.extensions["aops_database"]
    return found


def open_stores(ini: DatabaseIni) -> tuple[RelationalStore, DocumentStore]:
    store = open_relational_store(
        ini.store.relational,
        url=ini.mysql.url,
        sqlite_path=ini.store.sqlite_path,
        pool_size=ini.mysql.pool_size,
        pool_recycle=ini.mysql.pool_recycle,
    )
    docs = open_document_store(
        ini.store.document,
        es_hosts=ini.elasticsearch.url,
        engine=store.engine,
        prefix=ini.elasticsearch.index_prefix,
    )
    return store, docs


def create_app(
    system: SystemIni | None = None,
    ini: DatabaseIni | None = None,
    *,
    stores: tuple[RelationalStore, DocumentStore] | None = None,
) -> Flask:
    if system is None or ini is None:
        system, ini = db_settings.load()
    store, docs = stores or open_stores(ini)
    codec = TokenCodec(load_secret(system.auth.secret_file))
    data_center = DataCenter(
        store,
        docs,
        Accounts(store, codec, system.auth),
        Prometheus(ini.prometheus.url, ini.prometheus.timeout),
        codec,
    )
    from aops_database.api import api

    app = create_service_app("aops-database", api, _authenticator(data_center), max_body=64 * 1024 * 1024)
    app.extensions["aops_database"] = data_center
    return app


def _authenticator(data_center: DataCenter):  # type: ignore[no-untyped-def]
    def authenticate(token: str) -> Principal:
        claims = data_center.codec.decode(token)
        if claims.type is TokenType.SERVICE:
            # Services act for the user whose request they serve, named in a header.
            acting = request.headers.get(ACTING_USER_HEADER, "")
            return Principal(acting, token, claims.token_id, service=claims.subject)
        if not data_center.accounts.session_alive(claims.token_id):
            raise TokenError("the session has ended (logged out or password changed); log in again")
        return Principal(claims.subject, token, claims.token_id)

    return authenticate
