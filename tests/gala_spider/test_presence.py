"""Presence: sightings read out of time order (another Kafka partition's records, a replay) give
the same spans as in order, and a gap longer than the time to live stays a gap."""

from __future__ import annotations

import random

from gala_spider.presence import Presence

TTL = 60


def spans_of(times: list[float]) -> list[list[float]]:
    seen = Presence(times[0])
    for t in times[1:]:
        seen.touch(t, TTL)
    return seen.spans


def test_sightings_a_minute_apart_in_any_order_are_one_span() -> None:
    times = [1000.0 + 60 * i for i in range(31)]
    assert spans_of(times) == [[1000.0, 2800.0]]
    rng = random.Random(3)
    for _ in range(20):
        shuffled = times[:]
        rng.shuffle(shuffled)
        assert spans_of(shuffled) == [[1000.0, 2800.0]], shuffled
    # Two partitions read one after the other: every other minute first, then the rest.
    assert spans_of(times[::2] + times[1::2]) == [[1000.0, 2800.0]]


def test_a_late_sighting_in_a_gap_joins_or_bridges_spans_and_a_lone_one_stays_apart() -> None:
    seen = Presence(1000.0)
    for t in (1030.0, 2000.0, 2030.0, 5000.0):
        seen.touch(t, TTL)
    assert seen.spans == [[1000.0, 1030.0], [2000.0, 2030.0], [5000.0, 5000.0]]
    seen.touch(1500.0, TTL)  # alone: its own span, the gaps around it kept
    assert seen.spans == [[1000.0, 1030.0], [1500.0, 1500.0], [2000.0, 2030.0], [5000.0, 5000.0]]
    assert not seen.alive_at(1300.0, TTL) and seen.alive_at(1520.0, TTL)
    for t in (1550.0, 1600.0, 1650.0, 1700.0, 1750.0, 1800.0, 1850.0, 1900.0, 1950.0):
        seen.touch(t, TTL)  # these bridge it to the next span
    assert seen.spans == [[1000.0, 1030.0], [1500.0, 2030.0], [5000.0, 5000.0]]
    seen.touch(900.0, TTL)  # before the first: a span of its own, first_seen earlier
    assert seen.spans[0] == [900.0, 900.0] and seen.first == 900.0 and seen.last == 5000.0
    seen.touch(2010.0, TTL)  # inside a span: nothing changes
    assert len(seen.spans) == 4
