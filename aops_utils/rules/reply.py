"""One rule judged over a `/data/data/get` reply (packed or columnar), as the executors and the dry run do.

The reply's series are matched to the task's hosts and to the rule's data items and laid end
to end as columns (layout.py: one segment per series of $0, its partners in the same segment
of the other macros), evaluated in one call, and only the hits become result documents, at
the end. Nothing is built per host but the matching's bookkeeping: no Series, no vector, no
tuple per sample or per hit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from aops_utils.contracts import NO_DATA_REASON
from aops_utils.contracts.checks import TaskHost
from aops_utils.contracts.checks import Value
from aops_utils.rules.columns import BatchSeries
from aops_utils.rules.layout import Layout
from aops_utils.rules.results import BatchEvaluation
from aops_utils.rules.series import BoolArray

LOG = logging.getLogger(__name__)
Record = dict[str, Any]
_INTERNAL_ERROR = Value.INTERNAL_ERROR.value


@dataclass(frozen=True, slots=True)
class _Documents:
    """Result documents of one rule over one window: its fields (`base`) and the verdict's."""

    base: Mapping[str, Any]
    start: int
    end: int

    def verdict(self, host_id: str, name: str, value: Value, reason: str) -> Record:
        """A host's or a series' verdict over the whole window (No data, Internal error)."""
        found = {"host_id": host_id, "series": name, "start": self.start, "end": self.end}
        return {**self.base, **found, "value": value.value, "reason": reason}

    def of(
        self, host_ids: Sequence[str], names: Sequence[str], main: BatchSeries, evaluation: BatchEvaluation
    ) -> _Hits:
        """Every segment's documents: its hits in the window, or No data when $0 has no sample
        in the window, or nothing when its samples all precede the window while another series
        of its host has some in it."""
        start, end = self.start, self.end
        inside = _any_inside(main, start, end)
        judged = inside & ~evaluation.no_data
        # A series whose samples are all in the history read before the window, beside another
        # of its host that has some in it, measured something that ended (a removed network
        # device, a container's veth): it says nothing of the window, as 21.09's query of the
        # window alone never returned it. As No data it made the rule unchecked for the host in
        # every window of that history, and a diagnosis "unknown" for a host that was fine.
        # Only when some series lacks samples in the window (seldom): no pass over every series.
        ended: frozenset[int] = frozenset()
        missing = np.flatnonzero(~inside).tolist()
        if missing:
            present = {host_ids[s] for s in np.flatnonzero(inside).tolist()}
            ended = frozenset(s for s in missing if host_ids[s] in present)
        flagged = np.flatnonzero(evaluation.abnormal | evaluation.errors)
        segment_of = np.searchsorted(evaluation.offsets, flagged, side="right") - 1
        kept = (evaluation.timestamps[flagged] <= end) & judged[segment_of]
        flagged, segment_of = flagged[kept], segment_of[kept]
        bounds = np.searchsorted(segment_of, np.arange(len(host_ids) + 1)).tolist()
        reasons = evaluation.error_reasons
        # A copy of a filled-in document and a few keys set is half the cost of a dict display;
        # the hits of a segment copy one made for it, with its host and series set.
        template = self.verdict("", "", Value.ABNORMAL, "")
        hits: list[Record] = []
        last, mine = -1, template
        for segment, stamp, abnormal, slot in zip(
            segment_of.tolist(),
            evaluation.timestamps[flagged].tolist(),
            evaluation.abnormal[flagged].tolist(),
            np.searchsorted(evaluation.error_index, flagged).tolist(),
            strict=True,
        ):
            if segment != last:
                last, mine = segment, template.copy()
                mine["host_id"] = host_ids[segment]
                mine["series"] = names[segment]
            hit = mine.copy()
            hit["start"] = hit["end"] = stamp
            if not abnormal:
                hit["value"] = _INTERNAL_ERROR
                hit["reason"] = reasons[slot]
            hits.append(hit)
        return _Hits(self, host_ids, names, hits, bounds, judged.tolist(), ended)


def _any_inside(main: BatchSeries, start: int, end: int) -> BoolArray:
    """Per segment, whether it has a sample in [start, end]: an `or` over each non-empty
    segment's samples (reduceat needs strictly increasing indices; an empty one has none)."""
    stamps = main.timestamps
    lengths = np.diff(main.offsets)
    found = np.zeros(len(lengths), dtype=bool)
    filled = np.flatnonzero(lengths)
    if len(filled):
        inside = (stamps >= start) & (stamps <= end)
        found[filled] = np.logical_or.reduceat(inside, main.offsets[filled])
    return found


@dataclass(frozen=True, slots=True)
class _Hits:
    """The documents of evaluated segments, laid end to end in segment order."""

    documents: _Documents
    host_ids: Sequence[str]
    names: Sequence[str]
    hits: list[Record]
    bounds: list[int]  # segment s's hits are hits[bounds[s]:bounds[s + 1]]
    judged: list[bool]
    ended: frozenset[int]  # no sample in the window, while its host has another series there

    def __call__(self, segment: int) -> list[Record]:
        if self.judged[segment]:
            return self.hits[self.bounds[segment] : self.bounds[segment + 1]]
        if segment in self.ended:
            return []
        return [
            self.documents.verdict(self.host_ids[segment], self.names[segment], Value.NO_DATA, NO_DATA_REASON)
        ]


def judge(
    reply: Mapping[str, Any],
    data_list: Sequence[Mapping[str, Any]],
    base: Mapping[str, Any],
    compiled: Any,
    hosts: Sequence[TaskHost],
    *,
    start: int,
    end: int,
) -> list[Record]:
    """The result documents of one rule (`compiled`, whose fields for the documents are `base`)
    over the hosts for [start, end], from a packed or columnar reply covering the history the
    rule needs.

    In host order, and within a host by series then time, as 21.09 gave them; normal samples
    record nothing, a host or series that cannot be evaluated records why (No data, Internal
    error).
    """
    layout = Layout(reply, data_list, {h.public_ip for h in hosts})
    documents = _Documents(base, start, end)
    # Documents that need no evaluation, and a segment's number where its documents go.
    slots: list[Record | int] = []
    for host in hosts:
        missing = layout.missing(host.public_ip)
        if missing is not None:
            slots.append(documents.verdict(host.host_id, "", *missing))
            continue
        for name, segment in layout.add(host.host_id, host.public_ip):
            if isinstance(segment, int):
                slots.append(segment)
            else:
                slots.append(documents.verdict(host.host_id, name, Value.INTERNAL_ERROR, segment))
    # Without segments no slot is a segment's number.
    of_segment = _evaluate(layout, documents, compiled) if layout.host_ids else _nothing
    out: list[Record] = []
    for slot in slots:
        if isinstance(slot, int):
            out += of_segment(slot)
        else:
            out.append(slot)
    return out


def _nothing(segment: int) -> list[Record]:
    raise IndexError(segment)


def _evaluate(layout: Layout, documents: _Documents, compiled: Any) -> Callable[[int], list[Record]]:
    """Every segment's documents from one evaluation; when it fails, segment by segment, so that
    only the series that make it fail record the failure."""
    size = len(layout.host_ids)
    item = documents.base["check_item"]
    try:
        columns = layout.columns()
        evaluation = compiled.evaluate_columns(columns, float(documents.start))
        if len(evaluation) != size:
            raise ValueError(f"evaluate_columns gave {len(evaluation)} evaluations for {size} series")
        return documents.of(layout.host_ids, layout.names, columns["$0"], evaluation)
    except Exception as exc:  # one host's failure must not abort the others: evaluate them alone
        LOG.warning(
            "rule %s failed on a batch of %d series (%s); evaluating them one by one", item, size, exc
        )
    found: list[list[Record]] = []
    for segment in range(size):
        host_id, name = layout.host_ids[segment], layout.names[segment]
        try:
            columns = layout.columns(slice(segment, segment + 1))
            evaluation = compiled.evaluate_columns(columns, float(documents.start))
            found.append(documents.of([host_id], [name], columns["$0"], evaluation)(0))
        except Exception as exc:  # a plugin's failure must not abort the other hosts
            LOG.warning("rule %s failed on %s: %s", item, host_id, exc)
            reason = f"evaluation failed: {exc}"
            found.append([documents.verdict(host_id, name, Value.INTERNAL_ERROR, reason)])
    return found.__getitem__
