"""Series and vectors as the executor receives them, and the fast Prometheus string conversion.

A Series keeps the raw values (Prometheus strings such as "12.5", "NaN", "+Inf"; log
messages). KPI strings become floats in parse_numbers, which the batch evaluator calls once
for all hosts: joining the strings and decoding them as one JSON array with orjson is about
three times faster than calling float() per value.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import numpy as np
import orjson
from numpy.typing import ArrayLike
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# What starts a JSON value other than a number or null (true, false, strings, arrays,
# objects): such text must not be decoded as numbers. Any other stray character makes
# the decoder fail, and the values then go through float() one by one.
_NON_NUMBER_JSON = ("t", "f", '"', "[", "{")
# Beyond this (year 5138) a timestamp is garbage; bounding it keeps millisecond keys in 64 bits.
MAX_TIMESTAMP = 1e11


class Series:
    """One series of one host: ascending timestamps (seconds) and the raw values."""

    __slots__ = ("_numbers", "timestamps", "values")

    def __init__(self, timestamps: ArrayLike, values: Sequence[Any]) -> None:
        stamps = np.asarray(timestamps, dtype=np.float64)
        if stamps.ndim != 1 or len(stamps) != len(values):
            raise ValueError(f"a series needs as many timestamps as values ({stamps.shape} vs {len(values)})")
        if len(stamps) > 1 and not bool(np.all(stamps[1:] >= stamps[:-1])):
            raise ValueError("series timestamps must be sorted ascending (and not NaN)")
        if len(stamps) and not (abs(stamps[0]) <= MAX_TIMESTAMP and abs(stamps[-1]) <= MAX_TIMESTAMP):
            raise ValueError(f"series timestamps must be Unix seconds within ±{MAX_TIMESTAMP:.0e}")
        self.timestamps: FloatArray = stamps
        self.values = values
        self._numbers: tuple[FloatArray, BoolArray | None] | None = None

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"Series({len(self)} samples)"

    @classmethod
    def from_pairs(cls, pairs: Sequence[Sequence[Any]]) -> Series:
        """From `[[ts, "value"], ...]` as Prometheus and `/data/data/get` return them."""
        stamps = np.array(list(map(itemgetter(0), pairs)), dtype=np.float64)
        values = list(map(itemgetter(1), pairs))
        if len(stamps) > 1 and not bool(np.all(stamps[1:] >= stamps[:-1])):
            order = np.argsort(stamps, kind="stable")
            stamps = stamps[order]
            values = [values[i] for i in order.tolist()]
        return cls(stamps, values)

    @classmethod
    def from_log(cls, pairs: Iterable[Sequence[Any]]) -> Series:
        """From `[[ts, message], ...]` log lines; see merge_log_messages."""
        return merge_log_messages(pairs)

    def numbers(self) -> tuple[FloatArray, BoolArray | None]:
        """Values as floats plus a mask of values that are not numbers (None if all are)."""
        if self._numbers is None:
            self._numbers = parse_numbers(self.values)
        return self._numbers


Vector = Mapping[str, Series]
"""The data of one host for one rule: macro ("$0", "$1", ...) to its series."""


def merge_log_messages(pairs: Iterable[Sequence[Any]]) -> Series:
    """Log lines sorted by time; messages sharing a timestamp are joined by one space (21.09)."""
    ordered = sorted(((float(ts), str(message)) for ts, message in pairs), key=itemgetter(0))
    stamps: list[float] = []
    messages: list[str] = []
    for ts, message in ordered:
        if stamps and stamps[-1] == ts:
            messages[-1] = f"{messages[-1]} {message}"
        else:
            stamps.append(ts)
            messages.append(message)
    return Series(np.array(stamps, dtype=np.float64), messages)


def parse_numbers(values: Sequence[Any]) -> tuple[FloatArray, BoolArray | None]:
    """Convert raw values to float64; the mask marks values that are not numbers (their slot is NaN).

    "NaN", "+Inf" and "-Inf" are numbers. A value of any other form falls back to float().
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(np.float64), None
    return parse_number_chunks([values])


def parse_number_chunks(chunks: Sequence[Sequence[Any]]) -> tuple[FloatArray, BoolArray | None]:
    """parse_numbers of the chunks laid end to end, without building one long list first."""
    sizes = np.array([len(chunk) for chunk in chunks], dtype=np.intp)
    starts = np.concatenate(([0], np.cumsum(sizes)))
    count = int(starts[-1])

    def value(index: int) -> Any:
        chunk = int(np.searchsorted(starts, index, side="right")) - 1
        return chunks[chunk][index - int(starts[chunk])]

    numbers = _parse_as_json(chunks, count)
    if numbers is None:
        return _parse_slowly(value, np.arange(count))
    nan_slots = np.flatnonzero(np.isnan(numbers))
    if len(nan_slots):
        # `null` decoded as NaN: recover the real value (NaN, ±Inf) or mark it bad.
        fixed, bad = _parse_slowly(value, nan_slots)
        numbers[nan_slots] = fixed
        if bad is not None:
            mask = np.zeros(count, dtype=bool)
            mask[nan_slots[bad]] = True
            return numbers, mask
    return numbers, None


def _parse_as_json(chunks: Sequence[Sequence[Any]], count: int) -> FloatArray | None:
    """All values at once as a JSON array (specials read as NaN); None if they are not all plain numbers."""
    try:
        text = ",".join([",".join(chunk) for chunk in chunks if len(chunk)])
    except TypeError:  # not all strings: numbers given directly, or garbage
        return None
    # Each replace copies the whole text, so only look for the words that can be there.
    if "N" in text:
        text = text.replace("NaN", "null")
    if "I" in text:
        for word in ("+Inf", "-Inf", "Inf"):
            text = text.replace(word, "null")
    if any(marker in text for marker in _NON_NUMBER_JSON):
        return None
    try:
        numbers = np.array(orjson.loads(f"[{text}]"), dtype=np.float64)
    except (orjson.JSONDecodeError, TypeError, ValueError, OverflowError):
        return None
    return numbers if numbers.shape == (count,) else None  # a value holding a comma


def _parse_slowly(
    value_at: Callable[[int], Any], indexes: NDArray[np.intp]
) -> tuple[FloatArray, BoolArray | None]:
    """float() of the values at the given indexes, one by one."""
    numbers = np.empty(len(indexes), dtype=np.float64)
    bad = np.zeros(len(indexes), dtype=bool)
    for slot, index in enumerate(indexes.tolist()):
        value = value_at(index)
        try:
            if value is None or isinstance(value, bool):
                raise TypeError(value)
            numbers[slot] = float(value)
        except (TypeError, ValueError, OverflowError):
            numbers[slot] = np.nan
            bad[slot] = True
    return numbers, (bad if bad.any() else None)
