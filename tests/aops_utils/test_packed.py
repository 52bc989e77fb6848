"""The packed form's float64 columns: what the data center packs is what the reader gets back."""

from __future__ import annotations

import base64
import math

import numpy as np
import pytest

from aops_utils import jsonio
from aops_utils.packed import Packed
from aops_utils.packed import PackedSamples
from aops_utils.packed import places


def test_samples_travel_bit_for_bit_with_nan_and_the_infinities() -> None:
    samples = PackedSamples()
    stamps = np.array([1_700_000_000.123, 1_700_000_015.12, 1_700_000_030.0])
    values = np.array([12.5, math.nan, math.inf])
    assert samples.add(stamps, values) == 0
    assert samples.add(stamps[:1] + 60, np.array([-math.inf])) == 3
    payload = jsonio.decode(jsonio.encode(samples.payload()))
    assert payload["encoding"] == "f64" and payload["count"] == 4
    # Little-endian float64 whatever the machine: the bytes of 12.5 are those of IEEE 754.
    assert base64.b64decode(payload["values"])[:8] == bytes.fromhex("0000000000002940")
    arrays = Packed.of(payload)
    assert len(arrays) == 4
    np.testing.assert_array_equal(arrays.timestamps, [*stamps.tolist(), stamps[0] + 60])
    np.testing.assert_array_equal(arrays.values, [12.5, math.nan, math.inf, -math.inf])
    assert arrays.timestamps.tolist()[:2] == [1_700_000_000.123, 1_700_000_015.12]  # exact, not rounded


def test_an_empty_reply_packs_empty_columns() -> None:
    arrays = Packed.of(PackedSamples().payload())
    assert len(arrays) == 0 and arrays.values.dtype == np.float64


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"encoding": "json"}, "encoding"),
        ({"count": 3}, "not count=3"),
        ({"count": "2"}, "not count='2'"),
        ({"values": "AAAA"}, "whole number of float64"),
        ({"values": "@@@@"}, "not base64"),
        ({"timestamps": None}, "must be base64 text"),
    ],
)
def test_a_payload_that_is_not_packed_samples_is_refused(change: dict[str, object], message: str) -> None:
    samples = PackedSamples()
    samples.add(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    with pytest.raises(ValueError, match=message):
        Packed.of({**samples.payload(), **change})
    with pytest.raises(ValueError, match="encoding"):
        Packed.of([samples.payload()])


def test_a_series_part_must_lie_within_the_samples() -> None:
    starts, lengths = places([{"offset": 0, "length": 2}, {"offset": 2, "length": 0}], 2)
    assert starts.tolist() == [0, 2] and lengths.tolist() == [2, 0]
    for entry in (
        {"offset": 1, "length": 2},
        {"offset": -1, "length": 1},
        {"offset": 0, "length": -1},
        {"offset": 2**62, "length": 2**62},
    ):
        with pytest.raises(ValueError, match="outside"):
            places([entry], 2)
    for entry in ({"offset": "0", "length": 1}, {"length": 1}, {"offset": 0, "length": None}):
        with pytest.raises(ValueError, match="integer offset and length"):
            places([entry], 2)  # type: ignore[list-item]
