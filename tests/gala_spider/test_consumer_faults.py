"""A fault of the join (a bug, not a bad record) costs the record that set it off, not the map:
the consumer joins that batch again record by record and skips the failing one as an `error`
(pure logic: the fault is injected, no servers)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import pytest

from aops_utils.bus import RawMessage
from aops_utils.contracts.link_tables import TABLES
from gala_spider import consumer as consumer_module
from gala_spider.consumer import GraphConsumer
from gala_spider.graph import Graph
from gala_spider.records import Filters
from gala_spider.records import Skipped
from gala_spider.records import ingest_raw_batch
from tests.gala_spider import messages as m

POISON = b'{"poison": true}'


def failing_on_poison(
    graph: Graph, values: Sequence[bytes], filters: Filters, now: float
) -> list[tuple[int, Skipped]]:
    skipped = ingest_raw_batch(graph, [v for v in values if v != POISON], filters, now)
    if POISON in values:
        raise RuntimeError("a bug")
    return skipped


def test_a_record_that_makes_the_join_fail_is_skipped_and_the_rest_are_joined(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(consumer_module, "ingest_raw_batch", failing_on_poison)
    graph = Graph(3600, 60)
    consumer = GraphConsumer(
        graph,
        None,  # type: ignore[arg-type]  # take() does not store
        Filters(frozenset(TABLES), frozenset(), frozenset()),
        topic="t",
        group_id="g",
        flush_interval=5,
        retention=86400,
    )
    stamp = int(time.time()) * 1000
    before = m.pair("a", "10.0.0.1", (1, "curl"), "b", "10.0.0.2", (2, "httpd"), 80, stamp)
    after = m.pair("c", "10.0.0.3", (3, "curl"), "b", "10.0.0.2", (2, "httpd"), 80, stamp)
    values = [*before, POISON, *after, b"not json"]
    with caplog.at_level(logging.ERROR, logger="gala_spider.consumer"):
        consumer.take([RawMessage("t", 0, i, None, v) for i, v in enumerate(values)])
    assert consumer.status.skipped == {"error": 1, "malformed": 1}
    assert consumer.status.used == len(values) - 2
    assert {link.client for link in graph.links.values() if link.client} == {
        ("a", "1", "curl"),
        ("c", "3", "curl"),
    }
    assert any("record 2 of the batch failed" in r.getMessage() and r.exc_info for r in caplog.records)
