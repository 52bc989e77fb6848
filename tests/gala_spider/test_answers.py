"""The ready get_entities answers (answers.py): equal to one made on demand, made again after a
store, and never half made for a viewer reading while records arrive (pure logic: no servers)."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

import orjson
import pytest

from aops_utils.contracts.link_tables import TABLES
from gala_spider import legacy
from gala_spider.answers import Answers
from gala_spider.graph import Graph
from gala_spider.picture import Moment
from gala_spider.picture import take
from gala_spider.records import Filters
from gala_spider.records import ingest
from tests.gala_spider import messages as m

FILTERS = Filters(frozenset(TABLES), frozenset(), frozenset())
HOSTS = 40
# The making itself, as imported (a test below puts a wrapper in legacy's place).
ENTITIES = legacy.entities


def round_of(r: int, stamp: int) -> list[dict[str, Any]]:
    """Every host's client process to the next hosts' servers, every counter and the rtt `r`."""
    out: list[bytes] = []
    for h in range(HOSTS):
        for k in range(1, 7):
            peer = (h + k) % HOSTS
            out += m.pair(
                f"h{h}",
                f"10.2.0.{h + 1}",
                (1000 + k, f"cli{k}"),
                f"h{peer}",
                f"10.2.0.{peer + 1}",
                (80, "srv"),
                8000 + k,
                stamp,
                rx=r,
                tx=r,
                rtt=r,
            )
    return [json.loads(v) for v in out]


def feed(graph: Graph, values: list[dict[str, Any]]) -> None:
    now = time.time()
    with graph.lock:
        for value in values:
            ingest(graph, value, FILTERS, now)


def on_demand(graph: Graph, owned: frozenset[str]) -> list[Any]:
    """The answer as the route made it before answers.py: a new cache, the map under its lock."""
    now = time.time()
    with graph.lock:
        pic = take(graph, Moment(now, now, latest=True), owned.__contains__)
        return list(orjson.loads(orjson.dumps(ENTITIES(pic, dict(graph.listeners), {}))))


def rtts(entities: list[Any]) -> set[str]:
    return {e["attrs"][-1]["value"] for e in entities if e["type"] == "TCP-LINK"}


@pytest.fixture
def fed() -> tuple[Graph, Answers, int]:
    """A map of one round (every counter 1) a minute old, its answers, and that round's stamp."""
    graph = Graph(3600, 60)
    start = m.now_ms() - 60_000
    feed(graph, round_of(1, start))
    return graph, Answers(graph), start


def test_the_ready_answer_is_the_one_made_on_demand_and_is_made_again_after_a_store(
    fed: tuple[Graph, Answers, int],
) -> None:
    graph, answers, start = fed
    everyone = frozenset(graph.hosts)
    mine = frozenset({"h0", "h1"})
    first = answers.latest(everyone)
    assert orjson.loads(first.entities) == on_demand(graph, everyone)
    assert answers.latest(everyone) is first  # nothing changed: the same bytes
    assert orjson.loads(answers.latest(mine).entities) == on_demand(graph, mine)
    assert rtts(orjson.loads(first.entities)) == {"1"}

    feed(graph, round_of(2, start + 5000))
    # Until the store the viewers get the answer of the last one.
    assert answers.latest(everyone) is first
    assert answers.remake() == 2
    again = answers.ready(everyone)
    assert again is not None and again is not first
    assert answers.latest(everyone) is again
    assert orjson.loads(again.entities) == on_demand(graph, everyone)
    assert rtts(orjson.loads(again.entities)) == {"2"}
    mine_again = answers.ready(mine)
    assert mine_again is not None and orjson.loads(mine_again.entities) == on_demand(graph, mine)
    # A store of an unchanged map makes nothing again.
    assert answers.remake() == 0
    assert answers.ready(everyone) is again


def test_a_set_of_hosts_not_asked_for_lately_is_no_longer_made_after_a_store(
    fed: tuple[Graph, Answers, int],
) -> None:
    graph, answers, start = fed
    owned = frozenset(graph.hosts)
    answers.latest(owned, time.time() - 3600)  # asked an hour ago
    feed(graph, round_of(2, start + 5000))
    assert answers.remake() == 0
    assert answers.ready(owned) is None
    # Asked again: made on demand, of the map as it is.
    assert rtts(orjson.loads(answers.latest(owned).entities)) == {"2"}


def test_an_answer_in_which_a_link_outlived_its_ttl_is_made_again_when_asked() -> None:
    graph = Graph(30, 60)
    answers = Answers(graph)
    now = time.time()
    feed(graph, round_of(1, int(now - 25) * 1000))
    owned = frozenset(graph.hosts)
    kept = answers.latest(owned, now)
    assert rtts(orjson.loads(kept.entities)) == {"1"}
    assert answers.latest(owned, now + 1) is kept
    # 10 s later every link is older than the ttl: the answer is made again, and empty of them.
    later = answers.latest(owned, now + 10)
    assert later is not kept
    assert rtts(orjson.loads(later.entities)) == set()


def test_viewers_reading_while_records_arrive_never_see_a_half_made_answer() -> None:
    """The consumer joins rounds (every counter of round r is r) and remakes the answers after
    each, as after a store; viewers read the ready answer and make ones on demand meanwhile:
    each must hold one round's counters only, and be whole JSON."""
    graph = Graph(3600, 60)
    answers = Answers(graph)
    start = m.now_ms() - 600_000
    feed(graph, round_of(0, start))
    owned = frozenset(graph.hosts)
    answers.latest(owned)
    rounds = [round_of(r, start + 5000 * r) for r in range(1, 25)]
    stop = threading.Event()
    seen: list[set[str]] = []
    errors: list[BaseException] = []

    def consumer() -> None:
        try:
            for values in rounds:
                # A round in one batch (under the lock once): between batches the map holds one
                # round's counters, so an answer of one moment does too.
                feed(graph, values)
                answers.remake()
        except BaseException as exc:
            errors.append(exc)
        finally:
            stop.set()

    def viewer(on_demand: bool) -> None:
        try:
            while not stop.is_set():
                if on_demand:
                    now = time.time()
                    answer = answers.make(owned, Moment(now, now, latest=True))
                else:
                    answer = answers.latest(owned)
                seen.append(rtts(orjson.loads(answer.entities)))
        except BaseException as exc:
            errors.append(exc)

    # Threads switched often, so that a making and a batch interleave in many places.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    threads = [threading.Thread(target=consumer)]
    threads += [threading.Thread(target=viewer, args=(flag,)) for flag in (False, True)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join(120)
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
    assert len(seen) > 10
    assert all(len(values) == 1 for values in seen), [v for v in seen if len(v) != 1][:3]
    final = answers.ready(owned)
    assert final is not None and rtts(orjson.loads(final.entities)) == {"24"}


def test_an_answer_is_of_the_moment_its_picture_was_taken_whatever_arrives_while_it_is_made(
    monkeypatch: pytest.MonkeyPatch, fed: tuple[Graph, Answers, int]
) -> None:
    """The consumer joins half of the next round between the picture (under the map's lock) and
    the making of the entities (outside it): the answer still holds the first round only."""
    graph, answers, start = fed
    owned = frozenset(graph.hosts)
    before = on_demand(graph, owned)
    half = round_of(2, start + 5000)
    half = half[: len(half) // 2]

    def meanwhile(*args: Any) -> list[Any]:
        feed(graph, half)
        return ENTITIES(*args)

    monkeypatch.setattr(legacy, "entities", meanwhile)
    answer = answers.latest(owned)
    assert orjson.loads(answer.entities) == before
    assert rtts(before) == {"1"}
    assert rtts(on_demand(graph, owned)) == {"1", "2"}  # the map itself is half way now


def test_an_edge_of_several_links_sums_their_counters_and_averages_their_rtt() -> None:
    """Two curl processes (one 21.09 node, by name) of one host to one server: one TCP-LINK."""
    graph = Graph(3600, 60)
    stamp = m.now_ms() - 5000
    values = m.pair("a", "10.3.0.1", (11, "curl"), "b", "10.3.0.2", (80, "nginx"), 80, stamp, rx=100, rtt=300)
    values += m.pair("a", "10.3.0.1", (12, "curl"), "b", "10.3.0.2", (80, "nginx"), 80, stamp, rx=7, rtt=900)
    feed(graph, [json.loads(v) for v in values])
    (link,) = [
        e
        for e in orjson.loads(Answers(graph).latest(frozenset({"a", "b"})).entities)
        if e["type"] == "TCP-LINK"
    ]
    attrs = {a["key"]: a["value"] for a in link["attrs"]}
    assert link["entityid"] == "a.curl.b.nginx.tcp_link"
    assert attrs["rx_bytes"] == "107"
    assert attrs["link_count"] == "2"
    # Both records have the same segments (m.tcp's packets), so the mean is the plain one.
    assert attrs["rtt"] == "600"
