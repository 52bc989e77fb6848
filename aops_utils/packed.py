"""The packed form of `/data/data/get`'s KPI samples: float64 columns as base64 in the JSON reply.

Asked for by `columnar: true, encoding: "f64"` (GetDataBody). Every KPI series of the reply is
laid end to end in two float64 arrays, timestamps (seconds) and values, sent once per reply
under `packed` as the base64 of their little-endian bytes; each series' entry names its part by
`offset` and `length` (in samples) instead of carrying lists. NaN (Prometheus's stale marker)
and the infinities are themselves. The reason is the reader's CPU: a JSON number costs ~18 ns
to become a Python float and as much again to reach numpy, while base64 decodes at GB/s
(pybase64) into a buffer that `np.frombuffer` reads with no Python object per sample. Grafana's
backend answers its data queries the same way (Arrow frames as base64 in its JSON replies).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np
import pybase64
from numpy.typing import NDArray

from aops_utils.contracts.data_center.hosts import PACKED_ENCODING as ENCODING

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.intp]
_WIRE = np.dtype("<f8")


@dataclass(slots=True)
class PackedSamples:
    """The KPI samples of a reply being made: chunks of series, laid end to end at the end."""

    timestamps: list[FloatArray] = field(default_factory=list)
    values: list[FloatArray] = field(default_factory=list)
    count: int = 0

    def add(self, timestamps: FloatArray, values: FloatArray) -> int:
        """Append samples (of one or more series); returns the offset of the first."""
        if len(timestamps) != len(values):
            raise ValueError("as many timestamps as values are needed")
        offset = self.count
        self.timestamps.append(timestamps)
        self.values.append(values)
        self.count += len(timestamps)
        return offset

    def payload(self) -> dict[str, Any]:
        """The reply's `packed` object."""
        return {
            "encoding": ENCODING,
            "count": self.count,
            "timestamps": _text(self.timestamps),
            "values": _text(self.values),
        }


def _text(chunks: list[FloatArray]) -> str:
    joined = np.concatenate(chunks) if chunks else np.empty(0)
    return pybase64.b64encode(joined.astype(_WIRE, copy=False).tobytes()).decode("ascii")


@dataclass(frozen=True, slots=True)
class Packed:
    """A reply's packed samples as arrays (read-only views of the decoded bytes)."""

    timestamps: FloatArray
    values: FloatArray

    @classmethod
    def of(cls, payload: Any) -> Packed:
        """The arrays of a reply's `packed` object; ValueError when it is not one."""
        if not isinstance(payload, Mapping) or payload.get("encoding") != ENCODING:
            raise ValueError(f'a packed reply needs {{"encoding": "{ENCODING}", ...}}')
        count = payload.get("count")
        columns = [_array(payload.get(name), name) for name in ("timestamps", "values")]
        if not isinstance(count, int) or any(len(column) != count for column in columns):
            raise ValueError(f"packed columns of {[len(c) for c in columns]} samples, not count={count!r}")
        return cls(*columns)

    def __len__(self) -> int:
        return len(self.timestamps)


def _array(text: Any, name: str) -> FloatArray:
    if not isinstance(text, str):
        raise ValueError(f"packed {name} must be base64 text")
    try:
        raw = pybase64.b64decode(text, validate=True)
    except ValueError as exc:  # binascii.Error is a ValueError
        raise ValueError(f"packed {name} is not base64: {exc}") from None
    if len(raw) % _WIRE.itemsize:
        raise ValueError(f"packed {name} is not a whole number of float64 ({len(raw)} bytes)")
    return np.frombuffer(raw, dtype=_WIRE).astype(np.float64, copy=False)


def places(entries: Sequence[Mapping[str, Any]], total: int) -> tuple[IndexArray, IndexArray]:
    """The packed series' offsets and lengths; ValueError when one is not a part of the reply's
    `total` samples."""
    starts = [entry.get("offset") for entry in entries]
    counts = [entry.get("length") for entry in entries]
    if not all(type(v) is int for v in starts) or not all(type(v) is int for v in counts):
        raise ValueError("a packed series needs an integer offset and length")
    try:
        offsets = np.array(starts, dtype=np.intp)
        lengths = np.array(counts, dtype=np.intp)
    except OverflowError:
        raise ValueError("a packed series lies outside the reply's samples") from None
    # Each bounded before the sum, which could otherwise wrap around.
    inside = (offsets >= 0) & (lengths >= 0) & (offsets <= total) & (lengths <= total)
    if len(entries) and not bool((inside & (offsets + lengths <= total)).all()):
        raise ValueError(f"a packed series lies outside the reply's {total} samples")
    return offsets, lengths
