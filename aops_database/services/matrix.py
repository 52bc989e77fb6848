"""Prometheus's answer to a range query (a matrix) read into float64 columns, for the packed form.

Decoded as JSON, an answer of 240,000 samples is 240,000 lists, strings and floats (~60 ms for
1,000 hosts x 240 samples), which the packed form then turns into arrays. Its samples are read
instead from the bytes: the `"values":[...]` arrays are cut out of the text, their brackets and
quotes dropped, and the numbers parsed as one JSON array; the rest (the series' labels) is
decoded as JSON. Prometheus writes NaN and the infinities as "NaN", "+Inf", "-Inf", which JSON
has no numbers for: they are found in the bytes with numpy, parsed as 0 and set afterwards.
A label value cannot hold the text `"values":[` (its quotes would be escaped), and a values
array holds no `]]`, so the cuts are exact. Anything not shaped as
expected (whitespace, another result type, an error) returns None, and the caller decodes the
answer as JSON.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from aops_utils.rules.columns import IndexArray
from aops_utils.rules.series import FloatArray

_VALUES = b'"values":['
_PAIR_PUNCTUATION = b'[]"'
_COMMA, _PLUS, _MINUS, _N, _I = (ord(c) for c in ",+-NI")


@dataclass(frozen=True, slots=True)
class Matrix:
    """Series of a range query: labels, and all samples laid end to end, series by series."""

    metrics: list[dict[str, str]]
    timestamps: FloatArray
    values: FloatArray
    lengths: list[int]

    @classmethod
    def of_series(
        cls, series: Sequence[dict[str, Any]], samples: tuple[FloatArray, FloatArray, list[int]]
    ) -> Matrix:
        stamps, values, lengths = samples
        return cls([item["metric"] for item in series], stamps, values, lengths)


def read_matrix(body: bytes) -> Matrix | None:
    """The series of a successful matrix answer, or None when `body` is not one as Prometheus
    writes it (compact JSON)."""
    view = memoryview(body)  # slices of it are not copies
    skeleton: list[memoryview] = []
    chunks: list[memoryview] = []
    lengths: list[int] = []
    done = 0
    at = body.find(_VALUES)
    while at >= 0:
        begin = at + len(_VALUES)
        skeleton.append(view[done:begin])
        done = begin
        if body[begin : begin + 1] != b"]":  # a series without samples has none to cut out
            end = body.find(b"]]", begin)
            if end < 0:
                return None
            chunks.append(view[begin : end + 1])  # [ts,"v"],...,[ts,"v"]: no bracket inside a pair
            lengths.append(body.count(b"],[", begin, end) + 1)
            done = end + 1
        else:
            lengths.append(0)
        at = body.find(_VALUES, done)
    skeleton.append(view[done:])
    try:
        document = orjson.loads(b"".join(skeleton))
        data = document["data"]
        result = data["result"]
        shaped = document["status"] == "success" and data["resultType"] == "matrix"
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    if not shaped or len(result) != len(lengths) or any(item.get("values") != [] for item in result):
        return None
    numbers = _numbers(b",".join(chunks).translate(None, _PAIR_PUNCTUATION), 2 * sum(lengths))
    if numbers is None:
        return None
    pairs = numbers.reshape(-1, 2)
    return Matrix([item["metric"] for item in result], pairs[:, 0].copy(), pairs[:, 1].copy(), lengths)


def _numbers(text: bytes, count: int) -> FloatArray | None:
    """`count` comma-separated numbers (Prometheus's NaN and infinities among them), or None.

    The special words are found in the bytes with numpy (their token's index is the number of
    commas before them), replaced by 0 for the JSON parse, and set afterwards: a list of floats
    goes into numpy half again as fast as one holding None."""
    specials: tuple[IndexArray, IndexArray, IndexArray] | None = None
    words = text
    if b"N" in text or b"I" in text:
        specials = _special_tokens(text)
        if specials is None:
            return None
        nans, ups, downs = (len(slots) for slots in specials)
        # Each replace copies the text: only for the words found; "-Inf" becomes -0, then -inf.
        if nans:
            words = words.replace(b"NaN", b"0")
        if ups:
            words = words.replace(b"+Inf", b"0")
        if ups or downs:
            words = words.replace(b"Inf", b"0")
    if b"t" in words or b"f" in words:  # true, false: JSON, but not numbers
        return None
    try:
        parsed = orjson.loads(b"[" + words + b"]")
        numbers = np.fromiter(parsed, dtype=np.float64, count=len(parsed))
    except (TypeError, ValueError):  # not JSON, or null or a list among the numbers
        return None
    if numbers.shape != (count,):
        return None
    if specials is not None:
        for slots, value in zip(specials, (math.nan, math.inf, -math.inf), strict=True):
            numbers[slots] = value
    return numbers


def _special_tokens(text: bytes) -> tuple[IndexArray, IndexArray, IndexArray] | None:
    """The token indexes of NaN, of +Inf (or Inf) and of -Inf in `text`; None when an N or an I
    is not at the start of one of those words (after its sign)."""
    raw = np.frombuffer(text, dtype=np.uint8)
    commas = np.flatnonzero(raw == _COMMA)
    edge = np.array([_COMMA], dtype=np.uint8)
    padded = np.concatenate((edge, raw, edge))  # padded[i + 1] is raw[i]; padded[i] the byte before it
    nans = np.flatnonzero(raw == _N)
    nans = nans[padded[nans] != ord("a")]  # NaN's second N follows an a
    infs = np.flatnonzero(raw == _I)
    before = padded[infs]
    first = np.where((before == _PLUS) | (before == _MINUS), infs - 1, infs)  # where the token starts
    whole = (padded[nans] == _COMMA) & (padded[nans + 4] == _COMMA)
    if not (bool(whole.all()) and bool(((padded[first] == _COMMA) & (padded[infs + 4] == _COMMA)).all())):
        return None
    tokens = np.searchsorted(commas, infs)
    return np.searchsorted(commas, nans), tokens[before != _MINUS], tokens[before == _MINUS]
