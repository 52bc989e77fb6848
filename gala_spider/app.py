"""gala_spider's app factory: the map, its store, the consumer thread and the routes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from dataclasses import field

from flask import Flask

from aops_utils import collector
from aops_utils.audit import AuditLog
from aops_utils.bus import MessageBus
from aops_utils.bus.settings import BusSection
from aops_utils.bus.settings import bus_from
from aops_utils.conf import SystemIni
from aops_utils.data_center import DataCenter
from aops_utils.docstore import DocumentStore
from aops_utils.docstore.factory import open_document_store
from aops_utils.restful.app import AppState
from aops_utils.restful.app import create_user_service_app
from aops_utils.threads import Threads
from gala_spider.answers import Answers
from gala_spider.consumer import GraphConsumer
from gala_spider.graph import Graph
from gala_spider.records import Filters
from gala_spider.settings import SpiderIni
from gala_spider.store import GraphStore

SERVICE = "gala-spider"


@dataclass
class Spider:
    settings: SpiderIni
    graph: Graph
    store: GraphStore
    consumer: GraphConsumer
    data_center: DataCenter
    bus: MessageBus
    started_at: float
    threads: Threads
    # What it opened itself and so closes; what a caller gave (aops standalone) is the caller's.
    owns_bus: bool = True
    owns_docs: bool = True
    # The 21.09 answers, made ready by the consumer thread after each store of the map.
    answers: Answers = field(init=False)

    def __post_init__(self) -> None:
        self.answers = Answers(self.graph)
        self.consumer.after_flush = self.answers.remake

    def start(self) -> None:
        collector.for_bulk()
        self.threads.spawn("gala-spider-consumer", lambda: self.consumer.run(self.bus, self.threads.stop))

    def close(self) -> None:
        self.threads.close()
        if self.owns_bus:
            self.bus.close()
        if self.owns_docs:
            self.store.docs.close()


spider: AppState[Spider] = AppState("gala_spider")


def open_docs(ini: SpiderIni) -> DocumentStore:
    if ini.store.document == "sql":
        from aops_utils.db import open_relational_store

        engine = open_relational_store("sqlite", sqlite_path=ini.store.sqlite_path).engine
        return open_document_store("sql", engine=engine)
    es = ini.elasticsearch
    return open_document_store(
        "elasticsearch", es_hosts=es.endpoint.url, prefix=es.index_prefix, timeout=es.timeout
    )


def build(ini: SpiderIni, docs: DocumentStore, bus: MessageBus) -> tuple[Graph, GraphStore, GraphConsumer]:
    graph = Graph(ini.spider.ttl, ini.spider.metrics_interval)
    store = GraphStore(docs)
    filters = Filters(
        tables=ini.table_info.tables,
        exclude_addr=frozenset(ini.option.exclude_addr),
        exclude_process=frozenset(ini.option.exclude_process),
    )
    consumer = GraphConsumer(
        graph,
        store,
        filters,
        topic=ini.kafka.topic,
        group_id=ini.kafka.group_id,
        flush_interval=ini.spider.flush_interval,
        retention=ini.spider.retention_days * 86400,
        poll_seconds=ini.kafka.timeout_ms / 1000,
        max_records=ini.kafka.max_records,
    )
    return graph, store, consumer


def create_app(
    system: SystemIni,
    ini: SpiderIni,
    *,
    bus: MessageBus | None = None,
    docs: DocumentStore | None = None,
    start: bool = True,
) -> Flask:
    """The service; `bus` and `docs` given (aops standalone) are shared and not closed by it."""
    owns_bus, owns_docs = bus is None, docs is None
    if bus is None:
        bus = bus_from(BusSection(kind=ini.global_.data_source), consumer=ini.kafka.consumer())
        bus.ensure_topics([ini.kafka.topic])
    docs = docs or open_docs(ini)
    graph, store, consumer = build(ini, docs, bus)
    from gala_spider.api import api

    dc = DataCenter.of_service(system, SERVICE)
    audit = AuditLog("gala_spider", system.log)
    app = create_user_service_app(SERVICE, api, dc.codec, system, audit)
    service = Spider(
        ini,
        graph,
        store,
        consumer,
        dc,
        bus,
        time.time(),
        Threads(),
        owns_bus=owns_bus,
        owns_docs=owns_docs,
    )
    spider.attach(app, service)
    if start:
        service.start()
    return app
