"""A compiled rule: check once at import, then evaluate one host or a whole batch of hosts.

evaluate_columns is the fast path: its cost is a fixed number of numpy calls per batch, whatever
the number of hosts, so an executor passes all hosts of a task in one call, as columns built
straight from the data center's packed reply (columns.py). evaluate_batch lays Series out as
columns first (a few microseconds of Python per host); evaluate(vector, start) is evaluate_batch
for one host. All three run the same code on columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from aops_utils.rules.analysis import compile_plan
from aops_utils.rules.batch import Batch
from aops_utils.rules.batch import SpanTooLarge
from aops_utils.rules.columns import Columns
from aops_utils.rules.evaluator import evaluate_column
from aops_utils.rules.evaluator import evaluate_plan
from aops_utils.rules.plan import RulePlan
from aops_utils.rules.results import BatchEvaluation
from aops_utils.rules.results import Evaluation
from aops_utils.rules.results import classify
from aops_utils.rules.series import Vector
from aops_utils.rules.values import pylist


class CompiledRule:
    """A condition checked against its data_list; RuleError at compile time, never later."""

    __slots__ = ("condition", "plan")

    def __init__(self, condition: str, plan: RulePlan) -> None:
        self.condition = condition
        self.plan = plan

    @classmethod
    def compile(cls, condition: str, data_list: Sequence[Any]) -> CompiledRule:
        return cls(condition, compile_plan(condition, data_list))

    @property
    def macros(self) -> frozenset[str]:
        """The series ("$0", ...) an evaluation needs; a host missing one gets no_data."""
        return frozenset(f"${index}" for index in self.plan.macros)

    def history_seconds(self, sample_period: int) -> int:
        return self.plan.history_seconds(sample_period)

    def evaluate(self, vector: Vector, start: float) -> Evaluation:
        return self.evaluate_batch([vector], start).host(0)

    def values(self, vector: Vector, start: float) -> list[tuple[float, Any, str | None]]:
        """Diagnostics: (ts, value of the condition, failure reason or None) per evaluated sample."""
        batch = Batch(self.plan, Columns.of_vectors([vector], self._kinds()), start)
        if batch.size == 0:
            return []
        val = evaluate_column(self.plan, batch)
        stamps = batch.series[0].timestamps[batch.positions0].tolist()
        reasons: list[str | None] = [None] * batch.size
        for mask, reason in reversed(val.fails.parts if val.fails else []):
            for index in np.flatnonzero(mask).tolist():
                reasons[index] = reason  # walking backwards leaves the first part's reason
        return list(zip(stamps, pylist(val, batch.size), reasons, strict=True))

    def evaluate_batch(self, vectors: Sequence[Vector], starts: float | ArrayLike) -> BatchEvaluation:
        """Evaluate many hosts in one pass; `starts` is one task start for all, or one per host."""
        return self.evaluate_columns(Columns.of_vectors(vectors, self._kinds()), starts)

    def evaluate_columns(self, columns: Columns, starts: float | ArrayLike) -> BatchEvaluation:
        """Evaluate every segment of the columns (one per series of $0) in one pass."""
        try:
            return self._evaluate(columns, starts)
        except SpanTooLarge:
            if columns.size < 2:
                raise ValueError(
                    "a host's samples span more time than 64-bit millisecond keys hold"
                ) from None
            # Hosts whose clocks are years apart: halve the batch until the keys fit.
            half = columns.size // 2
            host_starts = np.broadcast_to(np.asarray(starts, dtype=np.float64), (columns.size,))
            parts = [
                self.evaluate_columns(columns.part(0, half), host_starts[:half]),
                self.evaluate_columns(columns.part(half, columns.size), host_starts[half:]),
            ]
            return BatchEvaluation.concat(parts)

    def _kinds(self) -> dict[str, str]:
        return {f"${macro}": self.plan.kinds[macro] for macro in sorted(self.plan.macros)}

    def _evaluate(self, columns: Columns, starts: float | ArrayLike) -> BatchEvaluation:
        batch = Batch(self.plan, columns, starts)
        counts = np.zeros(batch.hosts, dtype=np.intp)
        counts[batch.included] = batch.counts
        offsets = np.zeros(batch.hosts + 1, dtype=np.intp)
        np.cumsum(counts, out=offsets[1:])
        no_data = counts == 0
        timestamps = batch.series[0].timestamps[batch.positions0]
        if batch.size == 0:
            nothing = np.zeros(0, dtype=bool)
            return BatchEvaluation(timestamps, nothing, nothing, nothing, offsets, no_data)
        truth, fails = evaluate_plan(self.plan, batch)
        return classify(truth, fails, timestamps, offsets, no_data)
