"""A record of a metric bucket already stored and dropped from memory (a partition read late)
adds to the stored sample instead of replacing it, and counts once when it is a replay; on the
document stores the spider runs on (SQLite for the embedded suite, the ES-API server)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from aops_utils.contracts.link_tables import TABLES
from aops_utils.docstore import DocumentStore
from aops_utils.docstore.factory import open_document_store
from gala_spider.graph import Graph
from gala_spider.records import Filters
from gala_spider.records import ingest_raw_batch
from gala_spider.store import METRICS
from gala_spider.store import SPECS
from gala_spider.store import GraphStore
from tests.gala_spider import messages as m

FILTERS = Filters(frozenset(TABLES), frozenset(), frozenset())
BUCKET = 60


@pytest.fixture(params=["sql", pytest.param("elasticsearch", marks=pytest.mark.es)])
def docs(request: pytest.FixtureRequest, tmp_path: Path, unique: str) -> Iterator[DocumentStore]:
    if request.param == "sql":
        engine = sa.create_engine("sqlite:///" + str(tmp_path / "docs.db"))
        store = open_document_store("sql", engine=engine, prefix=f"t{unique}_")
    else:
        store = open_document_store(
            "elasticsearch", es_hosts=request.getfixturevalue("es_url"), prefix=f"t{unique}_"
        )
    try:
        yield store
    finally:
        for index in SPECS:
            store.drop_index(index)
        store.close()


def record(stamp: int, rx: int) -> bytes:
    return m.tcp(
        "web1", pid=1, name="curl", role=1, client="10.1.0.1", server="10.1.0.2", port=80, stamp=stamp, rx=rx
    )


def flush(graph: Graph, store: GraphStore) -> None:
    with graph.lock:
        taken = store.take(graph)
    store.write(*taken)


def stored_sample(store: GraphStore, graph: Graph, bucket: int) -> dict[str, Any]:
    (link_id,) = graph.links
    doc = store.docs.get(METRICS, f"{link_id}-{bucket}")
    assert doc is not None
    return doc


def test_a_late_record_adds_to_the_stored_bucket_and_a_replay_counts_once(docs: DocumentStore) -> None:
    now = time.time()
    bucket = int(now - 10 * BUCKET) // BUCKET * BUCKET  # a closed bucket, ten minutes back
    stamps = [(bucket + 5 * i) * 1000 for i in range(3)]
    graph, store = Graph(3600, BUCKET), GraphStore(docs)
    assert not ingest_raw_batch(graph, [record(stamps[0], 100), record(stamps[1], 20)], FILTERS, now)
    flush(graph, store)
    graph.drop_samples_before(now - 2 * BUCKET)  # as after every store
    assert not graph.samples

    # The third record of the bucket arrives late, with the first again (a replay).
    assert not ingest_raw_batch(graph, [record(stamps[2], 3), record(stamps[0], 100)], FILTERS, now)
    flush(graph, store)

    doc = stored_sample(store, graph, bucket)
    assert doc["stamps"] == stamps
    assert list(doc["sums"])[1] == 123  # rx of the three, once each
    # Read back by a restarted spider, the bucket is whole; a later store of it changes nothing.
    flush(graph, store)
    assert stored_sample(store, graph, bucket) == doc


def test_a_spider_started_after_the_bucket_was_stored_adds_to_it(docs: DocumentStore) -> None:
    now = time.time()
    bucket = int(now - 10 * BUCKET) // BUCKET * BUCKET
    first, store = Graph(3600, BUCKET), GraphStore(docs)
    assert not ingest_raw_batch(first, [record(bucket * 1000, 7)], FILTERS, now)
    flush(first, store)

    again = Graph(3600, BUCKET)
    store.load(again, now - 2 * BUCKET)  # what the consumer does at start: older buckets not held
    assert not again.samples
    assert not ingest_raw_batch(again, [record((bucket + 5) * 1000, 8)], FILTERS, now)
    flush(again, store)
    doc = stored_sample(store, again, bucket)
    assert doc["stamps"] == [bucket * 1000, (bucket + 5) * 1000]
    assert list(doc["sums"])[1] == 15
