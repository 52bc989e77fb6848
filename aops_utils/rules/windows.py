"""The built-in functions, vectorized over every evaluated sample of every host at once.

A function runs on its target's own samples (at the positions the target is aligned to),
never on resampled data. Windows: a time window w covers the samples with ts in
[ts_j - w, ts_j] (found with one searchsorted on millisecond keys); `#N` covers the last N
samples up to and including j. count() counts with cumulative sums of the predicate;
max/min/sum over windows use ufunc.reduceat on (start, end) pairs, which is exact (no prefix
differences) and O(total window length). NaN inside a window makes max/min/sum/avg NaN.
A `#N` window or a diff/change/abschange that reaches before the host's first sample is
NOT_EVALUABLE for that sample; a time window always holds at least the current sample.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from aops_utils.rules.batch import NOT_A_NUMBER
from aops_utils.rules.batch import Batch
from aops_utils.rules.batch import search
from aops_utils.rules.columns import BatchSeries
from aops_utils.rules.columns import IndexArray
from aops_utils.rules.nodes import Scalar
from aops_utils.rules.plan import FunctionPlan
from aops_utils.rules.scalar import NOT_EVALUABLE
from aops_utils.rules.values import BoolArray
from aops_utils.rules.values import Fails
from aops_utils.rules.values import Kind
from aops_utils.rules.values import Val
from aops_utils.rules.values import binary
from aops_utils.rules.values import fail
from aops_utils.rules.values import merge

_REDUCERS: dict[str, np.ufunc] = {"max": np.maximum, "min": np.minimum, "sum": np.add, "avg": np.add}


def scalar_val(value: Scalar) -> Val:
    if value is None:
        return Val(Kind.NULL, None)
    if isinstance(value, bool):
        return Val(Kind.BOOL, value)
    if isinstance(value, str):
        return Val(Kind.STR, value)
    return Val(Kind.NUM, float(value))


def evaluate_function(batch: Batch, plan: FunctionPlan) -> Val:
    n = batch.size
    series = batch.series[plan.target]
    positions = batch.positions(plan.target)
    if n == 0:
        empty = np.empty(0, dtype=object if plan.name == "keyword" else np.float64)
        return Val(Kind.BOOL if plan.name in ("keyword", "diff") else Kind.NUM, empty)
    if plan.name == "keyword":
        texts = series.values[positions].tolist()
        found = np.fromiter((plan.keyword in text for text in texts), dtype=bool, count=n)
        return Val(Kind.BOOL, found)
    starts = batch.segment_starts(plan.target)
    if plan.name in ("diff", "change", "abschange"):
        return _shift(plan, series, positions, starts, n)
    if plan.count is not None:
        left = positions - (plan.count - 1)
        short = left < starts
        left = np.where(short, positions, left)
        fails = fail(short, NOT_EVALUABLE, n)
    else:
        assert plan.window_ms is not None  # analysis gives every window function a window
        keys = batch.keys(plan.target)
        left = np.maximum(search(keys, keys[positions] - plan.window_ms, "left"), starts)
        fails = None
    if plan.name == "count":
        return _count(plan=plan, series=series, positions=positions, left=left, fails=fails, n=n)
    fails = merge(fails, _window_fails(series.bad, NOT_A_NUMBER, left, positions, n))
    edges = np.empty(2 * n, dtype=np.intp)
    edges[0::2] = left
    edges[1::2] = positions + 1
    padded = np.append(series.values, 0.0)  # so that positions + 1 is a valid reduceat index
    result = _REDUCERS[plan.name].reduceat(padded, edges)[0::2]
    if plan.name == "avg":
        result = result / (positions - left + 1)
    return Val(Kind.NUM, result, fails)


def _shift(plan: FunctionPlan, series: BatchSeries, positions: IndexArray, starts: IndexArray, n: int) -> Val:
    assert plan.count is not None  # analysis resolves the count of diff/change/abschange
    earlier = positions - plan.count
    short = earlier < starts
    earlier = np.where(short, positions, earlier)
    current = Val(series.kind, series.values[positions])
    previous = Val(series.kind, series.values[earlier])
    fails = fail(short, NOT_EVALUABLE, n)
    if series.bad is not None:
        fails = merge(fails, fail(series.bad[positions] | series.bad[earlier], NOT_A_NUMBER, n))
    if plan.name == "diff":
        result = binary("!=", current, previous, n)
    else:
        result = binary("-", current, previous, n)
        if plan.name == "abschange":
            result = Val(result.kind, np.abs(result.data), result.fails)
    return Val(result.kind, result.data, merge(fails, result.fails))


def _count(
    *,
    plan: FunctionPlan,
    series: BatchSeries,
    positions: IndexArray,
    left: IndexArray,
    fails: Fails | None,
    n: int,
) -> Val:
    size = len(series.values)
    predicate = binary(plan.op, Val(series.kind, series.values), scalar_val(plan.pattern), size)
    hits = np.broadcast_to(np.asarray(predicate.data, dtype=bool), (size,))
    totals = np.concatenate(([0], np.cumsum(hits, dtype=np.int64)))
    counted = (totals[positions + 1] - totals[left]).astype(np.float64)
    fails = merge(fails, _window_fails(series.bad, NOT_A_NUMBER, left, positions, n))
    if predicate.fails is not None:
        reason = predicate.fails.parts[0][1]
        fails = merge(fails, _window_fails(predicate.fails.mask, reason, left, positions, n))
    return Val(Kind.NUM, counted, fails)


def _window_fails(
    mask: BoolArray | None, reason: str, left: NDArray[Any], positions: IndexArray, n: int
) -> Fails | None:
    """Samples whose window holds at least one sample flagged in mask."""
    if mask is None or not mask.any():
        return None
    totals = np.concatenate(([0], np.cumsum(mask, dtype=np.int64)))
    return fail((totals[positions + 1] - totals[left]) > 0, reason, n)
