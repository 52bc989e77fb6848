"""Evaluation results: per sample abnormal / internal error / not evaluable / normal.

Normal samples produce no finding (the executor records nothing for them, as in 21.09).
A "not evaluable" sample (a function needs history the data does not reach) is neither
abnormal nor an error: it produces no finding either.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from aops_utils.contracts.checks import Value
from aops_utils.rules.scalar import NOT_EVALUABLE
from aops_utils.rules.series import BoolArray
from aops_utils.rules.series import FloatArray
from aops_utils.rules.values import Fails

ABNORMAL = Value.ABNORMAL
INTERNAL_ERROR = Value.INTERNAL_ERROR
IndexArray = NDArray[np.intp]


class Finding(NamedTuple):
    timestamp: float
    status: str  # ABNORMAL or INTERNAL_ERROR
    reason: str  # empty for ABNORMAL


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One host: the evaluated timestamps ($0's real ones) and a verdict per sample."""

    timestamps: FloatArray
    abnormal: BoolArray
    errors: BoolArray
    reasons: Mapping[int, str]  # index of each erroring sample -> why
    not_evaluable: BoolArray
    no_data: bool = False  # a needed series is missing/empty, or $0 has nothing at or after start

    def __len__(self) -> int:
        return len(self.timestamps)

    @classmethod
    def of(
        cls, timestamps: FloatArray, abnormal: BoolArray, reasons: Mapping[int, str] | None = None
    ) -> Evaluation:
        """From abnormal flags and, optionally, erroring indexes with reasons (for plugins)."""
        errors = np.zeros(len(timestamps), dtype=bool)
        errors[list(reasons or {})] = True
        nothing = np.zeros(len(timestamps), dtype=bool)
        flags = np.asarray(abnormal, dtype=bool) & ~errors
        return cls(timestamps, flags, errors, dict(reasons or {}), nothing, len(timestamps) == 0)

    def findings(self) -> Iterator[Finding]:
        """(ts, "Abnormal" | "Internal error", reason) in time order; normal samples yield nothing."""
        flagged = np.flatnonzero(self.abnormal | self.errors).tolist()
        stamps = self.timestamps[flagged].tolist()
        for index, stamp in zip(flagged, stamps, strict=True):
            if self.abnormal[index]:
                yield Finding(stamp, ABNORMAL, "")
            else:
                yield Finding(stamp, INTERNAL_ERROR, self.reasons[index])


@dataclass(frozen=True, slots=True)
class BatchEvaluation:
    """Many hosts at once: arrays of all hosts' samples end to end, host i at offsets[i]:offsets[i+1]."""

    timestamps: FloatArray
    abnormal: BoolArray
    errors: BoolArray
    not_evaluable: BoolArray
    offsets: IndexArray
    no_data: BoolArray  # per host
    error_index: IndexArray = field(default_factory=lambda: np.empty(0, dtype=np.intp))  # ascending
    error_reasons: Sequence[str] = ()  # parallel to error_index

    def __len__(self) -> int:
        return len(self.no_data)

    def __getitem__(self, host: int) -> Evaluation:
        return self.host(host)

    def host(self, host: int) -> Evaluation:
        begin, end = int(self.offsets[host]), int(self.offsets[host + 1])
        first, last = np.searchsorted(self.error_index, [begin, end]).tolist()
        reasons = {
            int(index) - begin: self.error_reasons[first + k]
            for k, index in enumerate(self.error_index[first:last].tolist())
        }
        return Evaluation(
            self.timestamps[begin:end],
            self.abnormal[begin:end],
            self.errors[begin:end],
            reasons,
            self.not_evaluable[begin:end],
            bool(self.no_data[host]),
        )

    def findings(self) -> Iterator[tuple[int, Finding]]:
        """(host index, finding) for every abnormal or erroring sample, host by host."""
        flagged = np.flatnonzero(self.abnormal | self.errors)
        hosts = (np.searchsorted(self.offsets, flagged, side="right") - 1).tolist()
        slots = np.searchsorted(self.error_index, flagged).tolist()
        stamps = self.timestamps[flagged].tolist()
        abnormal = self.abnormal[flagged].tolist()
        for host, stamp, is_abnormal, slot in zip(hosts, stamps, abnormal, slots, strict=True):
            if is_abnormal:
                yield host, Finding(stamp, ABNORMAL, "")
            else:
                yield host, Finding(stamp, INTERNAL_ERROR, self.error_reasons[slot])

    @classmethod
    def concat(cls, parts: Sequence[Evaluation | BatchEvaluation]) -> BatchEvaluation:
        """Join single-host evaluations and batches, in order, into one batch."""
        batches = [_as_batch(part) for part in parts]
        if not batches:
            return _empty_batch()
        shifts = np.cumsum([0] + [len(b.timestamps) for b in batches[:-1]])
        offsets = [batches[0].offsets[:1]] + [
            b.offsets[1:] + shift for b, shift in zip(batches, shifts, strict=True)
        ]
        return cls(
            np.concatenate([b.timestamps for b in batches]),
            np.concatenate([b.abnormal for b in batches]),
            np.concatenate([b.errors for b in batches]),
            np.concatenate([b.not_evaluable for b in batches]),
            np.concatenate(offsets),
            np.concatenate([b.no_data for b in batches]),
            np.concatenate([b.error_index + shift for b, shift in zip(batches, shifts, strict=True)]),
            [reason for b in batches for reason in b.error_reasons],
        )


def _as_batch(part: Evaluation | BatchEvaluation) -> BatchEvaluation:
    if isinstance(part, BatchEvaluation):
        return part
    index = np.array(sorted(part.reasons), dtype=np.intp)
    return BatchEvaluation(
        part.timestamps,
        part.abnormal,
        part.errors,
        part.not_evaluable,
        np.array([0, len(part.timestamps)], dtype=np.intp),
        np.array([part.no_data]),
        index,
        [part.reasons[i] for i in index.tolist()],
    )


def _empty_batch() -> BatchEvaluation:
    nothing = np.zeros(0, dtype=bool)
    return BatchEvaluation(
        np.zeros(0), nothing, nothing, nothing, np.zeros(1, dtype=np.intp), np.ones(0, dtype=bool)
    )


def classify(
    truth: BoolArray, fails: Fails | None, timestamps: FloatArray, offsets: IndexArray, no_data: BoolArray
) -> BatchEvaluation:
    """Split the samples into abnormal, internal error (with reasons) and not evaluable.

    The first failure part covering a sample decides: an error or NOT_EVALUABLE.
    """
    n = len(truth)
    if fails is None:
        nothing = np.zeros(n, dtype=bool)
        return BatchEvaluation(timestamps, truth.copy(), nothing, nothing, offsets, no_data)
    assigned = np.zeros(n, dtype=bool)
    not_evaluable = np.zeros(n, dtype=bool)
    indexes: list[IndexArray] = []
    reasons: list[str] = []
    for mask, reason in fails.parts:
        fresh = mask & ~assigned
        if not fresh.any():
            continue
        assigned |= fresh
        if reason == NOT_EVALUABLE:
            not_evaluable |= fresh
        else:
            found = np.flatnonzero(fresh)
            indexes.append(found)
            reasons.extend([reason] * len(found))
    errors = assigned & ~not_evaluable
    error_index = np.concatenate(indexes) if indexes else np.empty(0, dtype=np.intp)
    order = np.argsort(error_index, kind="stable")
    ordered_reasons = [reasons[i] for i in order.tolist()]
    return BatchEvaluation(
        timestamps,
        truth & ~assigned,
        errors,
        not_evaluable,
        offsets,
        no_data,
        error_index[order],
        ordered_reasons,
    )
