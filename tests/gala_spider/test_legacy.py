"""The 21.09 TCP-LINK JSON made from a kept head and a template (legacy._tcp_fragment) is byte for
byte what orjson makes of the entity (pure logic: no servers)."""

from __future__ import annotations

import orjson

from gala_spider import legacy


def test_a_tcp_link_fragment_is_orjson_of_its_entity_as_its_counters_change() -> None:
    cache: legacy.Cache = {}
    edge = ("web1.curl", 'db"1.my\\sql')  # names that JSON escapes
    for sums in [
        (1, 2, 3, 4, 5, 6, 7, 8),
        (0,) * 8,
        (10**15, -1, 0, 3, 4, 5, 6, 7),
        (1, 2, 3, 4, 5, 6, 7, 8),
    ]:
        edge_id = f"{edge[0]}.{edge[1]}.tcp_link"
        fragment = legacy._tcp_fragment(cache, edge_id, *edge, sums)
        assert orjson.dumps([fragment]) == orjson.dumps([legacy._tcp_entity(edge_id, *edge, sums)])
    # Another pair of ends under the same id gets its own head.
    other = legacy._tcp_fragment(cache, edge_id, "x", "y", (1,) * 8)
    assert orjson.dumps(other) == orjson.dumps(legacy._tcp_entity(edge_id, "x", "y", (1,) * 8))
