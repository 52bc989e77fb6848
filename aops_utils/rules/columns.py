"""Many series laid end to end, one array per macro: what a batch evaluation reads.

A Columns holds, per macro ("$0", "$1", ...), one BatchSeries of `size` segments: segment s is
one series (of one host) at offsets[s]:offsets[s + 1]; every macro has the same segments, so
segment s of "$1" is the partner of segment s of "$0". An empty segment means the series is
missing. Columns come either from Series objects (the per-host API) or straight from a
`/data/data/get` reply, without a Series per host on the way: views of the packed form's
float64 arrays (packed_column), or the columnar form's number lists (kpi_column).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from aops_utils.rules.plan import LOG
from aops_utils.rules.series import MAX_TIMESTAMP
from aops_utils.rules.series import BoolArray
from aops_utils.rules.series import FloatArray
from aops_utils.rules.series import Series
from aops_utils.rules.series import Vector
from aops_utils.rules.series import merge_log_messages
from aops_utils.rules.series import parse_number_chunks
from aops_utils.rules.values import Kind

IndexArray = NDArray[np.intp]


@dataclass(slots=True)
class BatchSeries:
    kind: Kind  # NUM for kpi items, STR for log items
    timestamps: FloatArray
    offsets: IndexArray  # segment s is [offsets[s], offsets[s + 1])
    values: NDArray[Any]  # float64 (kpi) or object array of str (log)
    bad: BoolArray | None  # kpi values that are not numbers

    @property
    def lengths(self) -> IndexArray:
        return np.diff(self.offsets)

    def part(self, begin: int, end: int) -> BatchSeries:
        """Segments begin..end-1 as a batch series of their own (views, no copy)."""
        low, high = int(self.offsets[begin]), int(self.offsets[end])
        bad = None if self.bad is None else self.bad[low:high]
        return BatchSeries(
            self.kind,
            self.timestamps[low:high],
            self.offsets[begin : end + 1] - low,
            self.values[low:high],
            bad,
        )

    def select(self, keep: BoolArray) -> BatchSeries:
        """Only the segments where `keep` holds, in order."""
        samples = np.repeat(keep, self.lengths)
        offsets = np.zeros(int(keep.sum()) + 1, dtype=np.intp)
        np.cumsum(self.lengths[keep], out=offsets[1:])
        bad = None if self.bad is None else self.bad[samples]
        return BatchSeries(self.kind, self.timestamps[samples], offsets, self.values[samples], bad)

    def series(self, segment: int) -> Series:
        """One segment as a Series (for plugins and the one-by-one fallback); values that are
        not numbers stay recognisable as such (None)."""
        low, high = int(self.offsets[segment]), int(self.offsets[segment + 1])
        values: Any = self.values[low:high]
        if self.bad is not None and self.bad[low:high].any():
            values = values.astype(object)
            values[self.bad[low:high]] = None
        return Series(self.timestamps[low:high], values)


@dataclass(frozen=True, slots=True)
class Columns:
    """Series of many hosts by macro, `size` segments each (see the module docstring)."""

    size: int
    macros: Mapping[str, BatchSeries]

    def __getitem__(self, macro: str) -> BatchSeries:
        return self.macros[macro]

    def part(self, begin: int, end: int) -> Columns:
        return Columns(end - begin, {m: s.part(begin, end) for m, s in self.macros.items()})

    def vector(self, segment: int) -> dict[str, Series]:
        """One segment's series by macro, leaving out the empty ones (missing)."""
        found = {m: s.series(segment) for m, s in self.macros.items()}
        return {m: series for m, series in found.items() if len(series)}

    def vectors(self) -> Iterator[dict[str, Series]]:
        return (self.vector(segment) for segment in range(self.size))

    @classmethod
    def of_vectors(cls, vectors: Sequence[Vector], kinds: Mapping[str, str]) -> Columns:
        """The macros named in `kinds` (macro -> "kpi" or "log") of every vector, one segment per vector."""
        macros: dict[str, BatchSeries] = {}
        for macro, kind in kinds.items():
            parts = [vector.get(macro) for vector in vectors]
            macros[macro] = _of_series(kind, [part for part in parts if part is not None], parts)
        return cls(len(vectors), macros)


def _of_series(kind: str, present: Sequence[Series], parts: Sequence[Series | None]) -> BatchSeries:
    offsets = np.zeros(len(parts) + 1, dtype=np.intp)
    np.cumsum([0 if part is None else len(part.values) for part in parts], out=offsets[1:])
    if present:
        timestamps = np.concatenate([part.timestamps for part in present])
    else:
        timestamps = np.empty(0, dtype=np.float64)
    if kind == LOG:
        texts = np.empty(int(offsets[-1]), dtype=object)
        texts[:] = [v if isinstance(v, str) else str(v) for part in present for v in part.values]
        return BatchSeries(Kind.STR, timestamps, offsets, texts, None)
    numbers, bad = parse_number_chunks([part.values for part in present])
    return BatchSeries(Kind.NUM, timestamps, offsets, numbers, bad)


def kpi_column(stamps: Sequence[Sequence[Any]], values: Sequence[Sequence[Any]]) -> BatchSeries:
    """A kpi column from per-series lists as a columnar reply holds them: timestamps (seconds)
    and values (numbers, null for NaN, "+Inf"/"-Inf"). Series whose timestamps are out of
    order are sorted; timestamps beyond MAX_TIMESTAMP or not numbers raise ValueError."""
    lengths = np.fromiter(map(len, stamps), dtype=np.intp, count=len(stamps))
    if not np.array_equal(lengths, np.fromiter(map(len, values), dtype=np.intp, count=len(values))):
        raise ValueError("a series needs as many timestamps as values")
    offsets = np.zeros(len(stamps) + 1, dtype=np.intp)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    # One pass over all series: fromiter over the chained lists is the cheapest way from
    # decoded JSON to float64 (about 18 ns a value; None becomes NaN, "+Inf" inf).
    timestamps = np.fromiter(itertools.chain.from_iterable(stamps), dtype=np.float64, count=total)
    bad: BoolArray | None = None
    try:
        numbers = np.fromiter(itertools.chain.from_iterable(values), dtype=np.float64, count=total)
    except (TypeError, ValueError):  # not from an A-Ops data center: judge value by value
        numbers, bad = _numbers_slowly(values)
    column = BatchSeries(Kind.NUM, timestamps, offsets, numbers, bad)
    return _checked(column)


def packed_column(
    timestamps: FloatArray, values: FloatArray, starts: IndexArray, lengths: IndexArray
) -> BatchSeries:
    """A kpi column from a packed reply's arrays (aops_utils.packed): segment s is the samples
    starts[s]:starts[s] + lengths[s]. Views of the arrays when the segments follow each other
    there, as a data center lays a query's series; otherwise one gather. Sorted and checked as
    kpi_column does."""
    offsets = np.zeros(len(starts) + 1, dtype=np.intp)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    if len(starts) and bool((starts[1:] == starts[:-1] + lengths[:-1]).all()):
        low = int(starts[0])
        stamps, numbers = timestamps[low : low + total], values[low : low + total]
    else:
        index = np.repeat(starts - offsets[:-1], lengths) + np.arange(total)
        stamps, numbers = timestamps[index], values[index]
    return _checked(BatchSeries(Kind.NUM, stamps, offsets, numbers, None))


def _numbers_slowly(values: Sequence[Sequence[Any]]) -> tuple[FloatArray, BoolArray | None]:
    flat = [np.nan if v is None else v for v in itertools.chain.from_iterable(values)]
    return parse_number_chunks([flat])


def log_column(stamps: Sequence[Sequence[Any]], values: Sequence[Sequence[Any]]) -> BatchSeries:
    """A log column: each series' lines by time, lines sharing a timestamp joined (21.09)."""
    merged = [
        merge_log_messages(zip(ts, texts, strict=True)) for ts, texts in zip(stamps, values, strict=True)
    ]
    return _of_series(LOG, merged, merged)


def _checked(column: BatchSeries) -> BatchSeries:
    stamps = column.timestamps
    if len(stamps) and not bool(np.all(np.abs(stamps) <= MAX_TIMESTAMP)):
        raise ValueError(f"series timestamps must be Unix seconds within ±{MAX_TIMESTAMP:.0e}")
    if len(stamps) < 2:
        return column
    steps = stamps[1:] >= stamps[:-1]
    cuts = column.offsets[1:-1]
    steps[cuts[(cuts > 0) & (cuts < len(stamps))] - 1] = True  # a new series may start earlier
    if bool(steps.all()):
        return column
    segment = np.repeat(np.arange(len(column.offsets) - 1), column.lengths)
    order = np.lexsort((stamps, segment))  # stable: equal timestamps keep their order
    bad = None if column.bad is None else column.bad[order]
    return BatchSeries(column.kind, stamps[order], column.offsets, column.values[order], bad)
