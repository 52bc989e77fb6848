"""Open the configured document store: Elasticsearch in production, SQL for the embedded suite."""

from __future__ import annotations

import sqlalchemy as sa

from aops_utils.docstore.protocol import DocumentStore
from aops_utils.errors import ConfigError


def open_document_store(
    kind: str, *, es_hosts: str = "", engine: sa.Engine | None = None, prefix: str = "", timeout: float = 30
) -> DocumentStore:
    # Imports are lazy so that the embedded suite never loads the elasticsearch client.
    if kind == "elasticsearch":
        if not es_hosts:
            raise ConfigError("document store 'elasticsearch' needs es_hosts")
        from aops_utils.docstore.elastic import ElasticsearchStore

        return ElasticsearchStore(es_hosts, prefix=prefix, timeout=timeout)
    if kind == "sql":
        if engine is None:
            raise ConfigError("document store 'sql' needs an engine")
        from aops_utils.docstore.sql import SqlDocumentStore

        return SqlDocumentStore(engine, prefix=prefix)
    raise ConfigError(f"unknown document store {kind!r} (elasticsearch or sql)")
