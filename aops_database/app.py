"""Data-center app factory: opens the three stores and mounts the `/data/...` routes."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from aops_database.services.abnormal import open_abnormal
from aops_database.services.accounts import Accounts
from aops_database.services.check_results import ResultStores
from aops_database.services.data import Prometheus
from aops_database.settings import DatabaseIni
from aops_utils.audit import AuditLog
from aops_utils.auth import DATA_CENTER
from aops_utils.auth import TokenCodec
from aops_utils.auth import load_secret
from aops_utils.conf import SystemIni
from aops_utils.db import RelationalStore
from aops_utils.db import open_relational_store
from aops_utils.docstore import DocumentStore
from aops_utils.docstore.factory import open_document_store
from aops_utils.docstore.protocol import IndexSpec
from aops_utils.restful.app import AppState
from aops_utils.restful.app import create_service_app
from aops_utils.restful.tokens import service_authenticator

HOST_INFO_INDEX = "host_information"
# A host's facts are read whole by its id, never searched.
HOST_INFO_SPEC = IndexSpec(keyword_fields=("host_id",), others_indexed=False)
# gala-ragdoll's last check of each domain (one document per domain, by its name).
DRIFT_INDEX = "config_drift"
DRIFT_SPEC = IndexSpec(keyword_fields=("domain", "username"), numeric_fields=("checked_at",))


@dataclass(frozen=True, slots=True)
class DataCenter:
    store: RelationalStore
    docs: DocumentStore
    # The abnormal check results' index in the relational database (services/abnormal.py).
    abnormal: DocumentStore
    accounts: Accounts
    prometheus: Prometheus
    codec: TokenCodec

    @property
    def results(self) -> ResultStores:
        return ResultStores(self.docs, self.abnormal)


center: AppState[DataCenter] = AppState("aops_database")


def open_stores(ini: DatabaseIni) -> tuple[RelationalStore, DocumentStore]:
    store = open_relational_store(
        ini.store.relational,
        url=ini.mysql.url,
        sqlite_path=ini.store.sqlite_path,
        pool_size=ini.mysql.pool_size,
        pool_recycle=ini.mysql.pool_recycle,
        tls=ini.mysql.tls,
    )
    docs = open_document_store(
        ini.store.document,
        es_hosts=ini.elasticsearch.url,
        engine=store.engine,
        prefix=ini.elasticsearch.index_prefix,
        timeout=ini.elasticsearch.timeout,
    )
    return store, docs


def create_app(
    system: SystemIni, ini: DatabaseIni, *, stores: tuple[RelationalStore, DocumentStore] | None = None
) -> Flask:
    store, docs = stores or open_stores(ini)
    codec = TokenCodec(load_secret(system.auth.secret_file))
    audit = AuditLog("database", system.log)
    data_center = DataCenter(
        store,
        docs,
        open_abnormal(store),
        Accounts(store, codec, system.auth, audit),
        Prometheus(ini.prometheus.url, ini.prometheus.timeout),
        codec,
    )
    from aops_database.api import api

    app = create_service_app(
        "aops-database",
        api,
        # Services only: a user's token is refused on every route (see service_authenticator).
        service_authenticator(
            codec, DATA_CENTER, system.auth.service_token_ttl, data_center.accounts.session_alive
        ),
        restful=system.restful,
        audit=audit,
    )
    center.attach(app, data_center)
    return app
