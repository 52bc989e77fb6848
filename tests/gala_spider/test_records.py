"""A record repeating one already joined takes the short way (records._Known): the map it
leaves must be the one the full join leaves, record for record (pure logic: no servers)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from aops_utils.contracts.link_tables import TABLES
from gala_spider.graph import Graph
from gala_spider.records import Filters
from gala_spider.records import Skipped
from gala_spider.records import ingest
from gala_spider.store import GraphStore
from tests.gala_spider import messages as m

FILTERS = Filters(frozenset(TABLES), frozenset(), frozenset())


def rounds(start_ms: int) -> list[bytes]:
    """Connections reported again and again: new stamps and counters, a round read out of order,
    a server-only link whose client appears later, an endpoint that changes hands, bad records."""
    out: list[bytes] = []
    stamps = [start_ms + 5000 * r for r in range(7)]
    stamps[3], stamps[4] = stamps[4], stamps[3]  # a partition read late
    for r, stamp in enumerate(stamps):
        out += m.pair(
            "web1", "10.1.0.1", (100, "curl"), "db1", "10.1.0.2", (200, "mysqld"), 3306, stamp, rx=r
        )
        # Only the server reports this one until round 3, when its client's probe starts.
        server_end, client_end = m.pair(
            "app9", "10.1.0.9", (9, "java"), "db1", "10.1.0.2", (200, "mysqld"), 3306, stamp, tx=r
        )
        out += [server_end, client_end] if r >= 3 else [server_end]
        # In round 5 another process serves db1's port 5432, then the first one again.
        server = (201, "pg") if r == 5 else (300, "postgres")
        out += m.pair("web1", "10.1.0.1", (100, "curl"), "db1", "10.1.0.2", server, 5432, stamp)
        # A loopback link: scoped to its host.
        out += m.pair("web1", "127.0.0.1", (101, "app"), "web1", "127.0.0.1", (102, "redis"), 6379, stamp)
    # Stamped before the rounds, so that those joined leave the newest counters as they were.
    known = m.tcp(
        "web1", pid=100, name="curl", role=1, client="10.1.0.1", server="10.1.0.2", port=3306, stamp=start_ms
    )
    record = json.loads(known)
    # The same identifying fields as a known record, with what the full check refuses (the
    # first three) or reads its own way (rtt null is 0; a protocol that is a list).
    for change in ({"rx_bytes": "lots"}, {"timestamp": -1}, {"timestamp": start_ms + 10**9}, {"rtt": None}):
        out.append(json.dumps({**record, **change}).encode())
    out.append(json.dumps({**record, "protocol": ["x"]}).encode())
    return out


def state(graph: Graph) -> Any:
    entities, links, samples = GraphStore.take(graph)
    return sorted(map(repr, entities)), sorted(map(repr, links)), sorted(map(repr, samples))


def join(records: list[bytes], short_way: bool) -> tuple[Graph, list[str]]:
    graph = Graph(3600, 60)
    now = time.time()
    skipped: list[str] = []
    for raw in records:
        if not short_way:
            graph.plans.clear()
        try:
            ingest(graph, json.loads(raw), FILTERS, now)
        except Skipped as skip:
            skipped.append(skip.reason)
    return graph, skipped


@pytest.mark.parametrize("passes", [1, 2])
def test_a_known_record_changes_the_map_as_the_full_join_does(passes: int) -> None:
    records = rounds(int(time.time() - 120) * 1000) * passes
    short, short_skips = join(records, short_way=True)
    full, full_skips = join(records, short_way=False)
    assert short.plans, "no record took the short way"
    assert short_skips == full_skips and len(full_skips) == 3 * passes
    assert state(short) == state(full)
    assert {k: (v.proc, v.last_seen) for k, v in short.listeners.items()} == {
        k: (v.proc, v.last_seen) for k, v in full.listeners.items()
    }
    assert {i: (k.server, k.metrics, k.seen.spans) for i, k in short.links.items()} == {
        i: (k.server, k.metrics, k.seen.spans) for i, k in full.links.items()
    }


def test_forgetting_drops_the_plans_holding_what_was_forgotten() -> None:
    graph, _ = join(rounds(int(time.time() - 120) * 1000), short_way=True)
    assert graph.plans
    graph.forget_before(time.time() + 1)
    assert not graph.plans and not graph.links


def _as_int_reads(raw: Any) -> int | None:
    """What the full check makes of a counter (records._count): "-" and null are 0, anything
    else is int() of it; None when int() refuses it (the record is skipped)."""
    if raw in ("-", None):
        return 0
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


# Texts the compiled digit loop reads, and what only int() reads (spaces, signs, underscores,
# other scripts' digits, a number too large for 64 bits) or refuses, and values not texts.
COUNTERS = ["0", "007", "1234567", "9" * 30, " 5", "5\n", "+3", "-4", "1_000", "٣", "-", "", "5.0"]
COUNTERS += ["1,2", "0x1f", "1e3", "]", 5, 5.9, None, True, ["1"]]


@pytest.mark.parametrize("raw", COUNTERS, ids=repr)
def test_a_counter_is_read_as_int_reads_it_on_either_way(raw: Any) -> None:
    start = int(time.time() - 60) * 1000
    link = {"client": "10.1.0.1", "server": "10.1.0.2", "port": 3306, "stamp": start}
    first = json.loads(m.tcp("web1", pid=100, name="curl", role=1, **link))
    expected = _as_int_reads(raw)
    for short_way in (True, False):
        graph = Graph(3600, 60)
        ingest(graph, first, FILTERS)
        if not short_way:
            graph.plans.clear()
        assert bool(graph.plans) == short_way
        try:
            ingest(graph, {**first, "timestamp": start + 5000, "rx_bytes": raw}, FILTERS)
        except Skipped as skip:
            assert expected is None and "rx_bytes" in skip.reason
            continue
        (link,) = graph.links.values()
        assert link.metrics[1] == expected
