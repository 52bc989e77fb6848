"""A record repeating one already joined takes the short way (records._Known): the map it
leaves must be the one the full join leaves, record for record (pure logic: no servers)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from aops_utils import jsonio
from aops_utils.contracts.link_tables import TABLES
from aops_utils.contracts.topology import is_loopback
from gala_spider.graph import Graph
from gala_spider.model import is_local
from gala_spider.records import Filters
from gala_spider.records import Skipped
from gala_spider.records import ingest
from gala_spider.records import ingest_raw_batch
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


def join(records: list[bytes], way: str) -> tuple[Graph, list[str]]:
    """The map `records` make, joined one by one: "full" (no record known), "dict" (decoded,
    then the short way when known) or "raw" (as the consumer does: from their bytes when in the
    probe's shape, wire.py)."""
    graph = Graph(3600, 60)
    now = time.time()
    skipped: list[str] = []
    for raw in records:
        if way == "full":
            graph.plans.clear()
        if way == "raw":
            skipped += [skip.reason for _, skip in ingest_raw_batch(graph, [raw], FILTERS, now)]
            continue
        try:
            value = jsonio.decode(raw)
        except ValueError:
            value = None
        if type(value) is not dict:
            skipped.append("the value is not a JSON object")
            continue
        try:
            ingest(graph, value, FILTERS, now)
        except Skipped as skip:
            skipped.append(skip.reason)
    return graph, skipped


def same_map(short: Graph, full: Graph) -> None:
    assert state(short) == state(full)
    assert {k: (v.proc, v.last_seen) for k, v in short.listeners.items()} == {
        k: (v.proc, v.last_seen) for k, v in full.listeners.items()
    }
    assert {i: (k.server, k.metrics, k.seen.spans) for i, k in short.links.items()} == {
        i: (k.server, k.metrics, k.seen.spans) for i, k in full.links.items()
    }


@pytest.mark.parametrize("passes", [1, 2])
@pytest.mark.parametrize("way", ["dict", "raw"])
def test_a_known_record_changes_the_map_as_the_full_join_does(passes: int, way: str) -> None:
    records = rounds(int(time.time() - 120) * 1000) * passes
    short, short_skips = join(records, way)
    full, full_skips = join(records, "full")
    assert short.plans, "no record took the short way"
    if way == "raw":
        # Only the record with a null counter (not in the probe's shape) is keyed by its fields.
        assert sorted(type(key).__name__ for key in short.plans).count("tuple") == 1
    assert short_skips == full_skips and len(full_skips) == 3 * passes
    same_map(short, full)


def test_records_in_batches_make_the_map_one_by_one_makes() -> None:
    records = rounds(int(time.time() - 120) * 1000) * 2
    graph = Graph(3600, 60)
    skipped = ingest_raw_batch(graph, records, FILTERS, time.time())
    full, full_skips = join(records, "full")
    assert [skip.reason for _, skip in skipped] == full_skips
    same_map(graph, full)


def test_forgetting_drops_the_plans_holding_what_was_forgotten() -> None:
    graph, _ = join(rounds(int(time.time() - 120) * 1000), "raw")
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
    # From its bytes (wire.read when in the probe's shape), as the consumer reads it.
    graph = Graph(3600, 60)
    second = json.dumps({**first, "timestamp": start + 5000, "rx_bytes": raw}).encode()
    skipped = ingest_raw_batch(graph, [json.dumps(first).encode(), second], FILTERS, time.time())
    assert graph.plans
    if expected is None:
        assert [(i, "rx_bytes" in skip.reason) for i, skip in skipped] == [(1, True)]
    else:
        assert not skipped
        (link,) = graph.links.values()
        assert link.metrics[1] == expected


def _known_then(*variants: bytes) -> None:
    """A known record, then `variants` of it: from their bytes they make the map (and skips)
    that decoding each in full makes."""
    start = int(time.time() - 60) * 1000
    first = m.tcp(
        "web1", pid=100, name="curl", role=1, client="10.1.0.1", server="10.1.0.2", port=3306, stamp=start
    )
    records = [first, *(v.replace(b"STAMP", str(start + 5000).encode()) for v in variants)]
    short, short_skips = join(records, "raw")
    full, full_skips = join(records, "full")
    assert short_skips == full_skips
    same_map(short, full)


IDENTITY = (
    b'"hostname": "web1", "table_name": "tcp_link", "pid": "100", "process_name": "curl", "role": "1", '
    b'"client_ip": "10.1.0.1", "server_ip": "10.1.0.2", "server_port": "3306", "protocol": "2"'
)
COUNTS = (
    b', "link_count": "1", "rx_bytes": "7", "tx_bytes": "50", "packets_in": "3", "packets_out": "4", '
    b'"retran_packets": "0", "lost_packets": "0", "rtt": "400"'
)


@pytest.mark.parametrize(
    "variant",
    [
        b'{"timestamp": STAMP, ' + IDENTITY + COUNTS + b"}",  # the probe's own shape
        b'{"timestamp": 0STAMP, ' + IDENTITY + COUNTS + b"}",  # a leading zero: not JSON
        b'{"timestamp": 1STAMP000000, ' + IDENTITY + COUNTS + b"}",  # too many digits, too late
        b'{"timestamp": STAMP.5, ' + IDENTITY + COUNTS + b"}",
        b'{"timestamp": STAMP, ' + IDENTITY + COUNTS + b"}\n",  # JSON with a line break after
        b'{"timestamp": STAMP, ' + IDENTITY + COUNTS + b"}}",  # not JSON
        b'{"timestamp": STAMP, ' + IDENTITY + COUNTS + b', "rtt": "9"}',  # rtt given twice
        b'{"timestamp": STAMP, ' + IDENTITY + COUNTS.replace(b'"7"', b'"99999999999999999999"') + b"}",
        b'{"timestamp": STAMP, ' + IDENTITY + COUNTS.replace(b'"7"', b'""') + b"}",
        b'{"timestamp": STAMP, ' + IDENTITY + COUNTS.replace(b'"7"', b'"\\u0037"') + b"}",
        b'{"timestamp": STAMP, ' + IDENTITY.replace(b'"1"', b'"0"') + COUNTS + b"}",  # another role
        b'{"timestamp": STAMP,' + IDENTITY + COUNTS + b"}",  # other separators
        b"[1, 2, 3]",  # JSON, not an object
        b'"text"',
        b"",
    ],
)
def test_a_record_read_from_its_bytes_is_read_as_decoding_it_reads_it(variant: bytes) -> None:
    _known_then(variant)


def test_an_identity_holding_a_timestamp_is_not_taken_from_its_bytes() -> None:
    # Decoded, the second "timestamp" (in the identity) wins over the first: were such an identity
    # a key, a later record's first stamp would be read in its place.
    twice = IDENTITY.replace(b'"table_name"', b'"timestamp": 1000, "table_name"')
    stamp = str(int(time.time() - 30) * 1000).encode()
    _known_then(
        b'{"timestamp": STAMP, ' + twice + COUNTS + b"}",
        b'{"timestamp": ' + stamp + b", " + twice + COUNTS.replace(b'"7"', b'"8"') + b"}",
    )


@pytest.mark.parametrize("ip", ["127.0.0.1", "127.9.8.7", "::1", "10.0.0.1", "::2", "1270.0.0.1", "fe80::1"])
def test_a_link_is_local_when_its_client_is_where_the_contract_says_loopback_is(ip: str) -> None:
    assert is_local(ip, "10.9.9.9") is is_loopback(ip)
    assert is_local(ip, ip)
