"""What static analysis hands to the evaluator: resolved function calls and history needs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from aops_utils.rules.nodes import Call
from aops_utils.rules.nodes import Node
from aops_utils.rules.nodes import Scalar

KPI = "kpi"
LOG = "log"


@dataclass(frozen=True, slots=True)
class FunctionPlan:
    """One call with its arguments resolved to constants.

    window_ms: a time window (time filter or seconds); count: a count filter `#N`
    (window functions take the last N samples, diff/change/abschange compare with N back).
    """

    name: str
    target: int
    window_ms: int | None = None
    count: int | None = None
    pattern: Scalar = None
    op: str = ""
    keyword: str = ""


@dataclass(frozen=True, slots=True)
class RulePlan:
    root: Node
    kinds: tuple[str, ...]  # the data_list type ("kpi" or "log") of each macro
    macros: frozenset[int]  # macros the evaluation needs ($0 always: it gives the timestamps)
    functions: Mapping[Call, FunctionPlan] = field(default_factory=dict)
    max_window_seconds: float = 0.0
    max_count: int = 0

    @property
    def max_window_ms(self) -> int:
        return round(self.max_window_seconds * 1000)

    def history_seconds(self, sample_period: int) -> int:
        """Seconds of data to fetch before the task window: the widest time window, or
        N sample periods for the largest count filter `#N`, whichever is larger."""
        return math.ceil(max(self.max_window_seconds, self.max_count * sample_period))
