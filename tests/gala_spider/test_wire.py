"""Reading a tcp_link record from its bytes (gala_spider.wire): what it reads of the probe's own
records, and what it leaves to the decoder (pure logic; the maps it makes are compared with the
decoder's in test_records.py)."""

from __future__ import annotations

import json

import pytest

from gala_spider import wire
from tests.gala_spider import messages as m


def probe(name: str = "curl", **fields: object) -> bytes:
    return m.tcp(
        "web1",
        pid=100,
        name=name,
        role=1,
        client="10.1.0.1",
        server="10.1.0.2",
        port=3306,
        stamp=1_700_000_000_000,
        **fields,
    )  # type: ignore[arg-type]


def test_a_probe_record_is_read_whole() -> None:
    raw = probe(rx=1234, tx=5, retrans=2, rtt=99)
    shape = wire.read(raw)
    assert shape is not None
    value = json.loads(raw)
    assert shape.stamp == value["timestamp"]
    assert shape.metrics == tuple(int(value[n]) for n in wire.TCP_METRICS)
    assert wire.fields(shape.identity) == [value[n] for n in wire.IDENTITY_NAMES]


@pytest.mark.parametrize("name", ["名字", "a b", "x-y.z"])
def test_plain_text_in_any_script_is_read_as_written(name: str) -> None:
    raw = json.dumps(json.loads(probe()) | {"process_name": name}, ensure_ascii=False).encode()
    shape = wire.read(raw)
    assert shape is not None and wire.fields(shape.identity) is not None
    assert wire.fields(shape.identity)[2] == name  # type: ignore[index]


@pytest.mark.parametrize(
    "name", ['say "hi"', "back\\slash", "tab\there", "é"], ids=["quote", "backslash", "control", "escaped"]
)
def test_a_value_written_with_an_escape_is_left_to_the_decoder(name: str) -> None:
    raw = json.dumps(json.loads(probe()) | {"process_name": name}).encode()  # ensure_ascii: \\u00e9
    shape = wire.read(raw)
    assert shape is not None  # the stamp and counters read; the identity's values are not
    assert wire.fields(shape.identity) is None


def test_another_table_or_order_is_left_to_the_decoder() -> None:
    value = json.loads(probe())
    for changed in ({**value, "table_name": "lvs_link"}, {"hostname": value.pop("hostname"), **value}):
        shape = wire.read(json.dumps(changed).encode())
        assert shape is None or wire.fields(shape.identity) is None
