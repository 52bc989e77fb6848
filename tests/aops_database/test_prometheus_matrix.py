"""Prometheus's matrix answer read from its bytes gives what decoding it as JSON gives."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import orjson
import pytest

from aops_database.services.data import sample_arrays
from aops_database.services.matrix import Matrix
from aops_database.services.matrix import read_matrix


def answer(result: list[dict[str, Any]], **change: Any) -> bytes:
    """The bytes Prometheus writes (compact JSON, as orjson writes it too)."""
    return orjson.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}, **change})


def decoded(body: bytes) -> Matrix:
    series = orjson.loads(body)["data"]["result"]
    return Matrix.of_series(series, sample_arrays([item["values"] for item in series]))


def assert_same(got: Matrix | None, expected: Matrix) -> None:
    assert got is not None
    assert got.metrics == expected.metrics and got.lengths == expected.lengths
    np.testing.assert_array_equal(got.timestamps, expected.timestamps)
    np.testing.assert_array_equal(got.values, expected.values)


def test_samples_with_nan_infinities_and_every_number_spelling_read_as_json_reads_them() -> None:
    tricky = {
        "__name__": "m",
        "instance": "10.0.0.1:9100",
        "path": '/a]],["x"]]',
        "q": '"values":[1]',
        "u": "é",
    }
    values = ["NaN", "+Inf", "-Inf", "1e+06", "-2.5e-07", "0", "12", "-0", "3.14159", "NaN", "Inf"]
    result = [
        {"metric": tricky, "values": [[1_700_000_000.123 + 15 * i, v] for i, v in enumerate(values)]},
        {"metric": {"__name__": "m", "values": "a label named values"}, "values": []},
        {"metric": {"__name__": "m", "p": "]],["}, "values": [[1_700_000_000, "NaN"], [1_700_000_015, "7"]]},
    ]
    body = answer(result)
    found = read_matrix(body)
    assert_same(found, decoded(body))
    assert found is not None and found.lengths == [11, 0, 2]
    assert found.values[:3].tolist()[1:] == [math.inf, -math.inf] and math.isnan(found.values[0])
    assert found.values[10] == math.inf and found.timestamps[0] == 1_700_000_000.123


def test_many_series_read_as_json_reads_them() -> None:
    rng = np.random.default_rng(7)
    result = []
    for host in range(200):
        stamps = 1_700_000_000 + np.cumsum(rng.uniform(14.9, 15.1, 60)).round(3)
        values = [repr(float(v)) for v in rng.normal(50, 20, 60).round(int(rng.integers(0, 6)))]
        for slot in rng.choice(60, 3, replace=False).tolist():
            values[slot] = str(rng.choice(["NaN", "+Inf", "-Inf"]))
        metric = {
            "__name__": "cpu",
            "instance": f"10.0.{host // 256}.{host % 256}:9100",
            "cpu": str(host % 4),
        }
        result.append(
            {"metric": metric, "values": [[t, v] for t, v in zip(stamps.tolist(), values, strict=True)]}
        )
    body = answer(result)
    assert_same(read_matrix(body), decoded(body))


@pytest.mark.parametrize(
    "body",
    [
        answer([{"metric": {}, "values": [[1, "2"]]}]).replace(b'"values":', b'"values": '),
        answer([], status="error"),
        orjson.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}),
        answer([{"metric": {}, "values": [[1, "abc"]]}]),
        answer([{"metric": {}, "values": [[1, "true"]]}]),
        answer([{"metric": {}, "values": [[1, "1NaN"]]}]),
        answer([{"metric": {}, "values": [[1, "NaN1"]]}]),
        answer([{"metric": {}, "values": [[1, "+Infinity"]]}]),
        answer([{"metric": {}, "values": [[1, "2", "3"]]}]),
        answer([{"metric": {}, "values": [[1, "2,3"]]}]),
        b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"]',
    ],
)
def test_an_answer_not_shaped_as_expected_is_left_to_the_json_decoder(body: bytes) -> None:
    assert read_matrix(body) is None
