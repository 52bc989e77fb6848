"""The check-rule expression language: lexer, parser, static analysis and vectorized evaluator.

Compile with CompiledRule.compile(condition, data_list) (RuleError on any fault, with the
character position), then evaluate(vector, start) for one host or, much faster per host,
evaluate_batch(vectors, starts) for all hosts of a task in one call, or evaluate_columns(columns,
starts) on columns built straight from the data center's packed reply (what the executor does).

Semantics fixed or decided relative to 21.09 (details in the module docstrings):
* `#N` is N samples everywhere; a time window w holds the samples in [ts - w, ts]; a bare
  number as a window is seconds; avg is the mean of the window; history_seconds is
  max(widest time window, largest N x sample_period).
* $1..$n are aligned onto $0's real timestamps by nearest sample (ties: the later one), not
  resampled; functions run on their target's own samples (batch.py).
* `&&`, `||` short-circuit per sample and yield booleans (21.09 returned an operand: 1&&2 was 2);
  the ternary evaluates only the chosen branch per sample.
* Per sample, the first failure in evaluation order decides: "Internal error" with a reason
  (division by zero, null operand, string/number ordering, a value that is not a number), or
  "not evaluable" when a function needs more history than exists (no finding at all).
  NaN compares false; `==`/`!=` between a string and a number is simply False/True.
* `L in R` for dict literals is a subset test ({} is in anything); bit operators work on
  64-bit integers.

Module map: lexer -> parser (nodes) -> analysis (plan) -> evaluator (values, scalar, windows)
over a batch (series, columns, batch) -> results; layout.py and reply.py judge a packed or
columnar `/data/data/get` reply.
"""

from __future__ import annotations

from aops_utils.rules.columns import Columns
from aops_utils.rules.errors import RuleError
from aops_utils.rules.results import ABNORMAL
from aops_utils.rules.results import INTERNAL_ERROR
from aops_utils.rules.results import BatchEvaluation
from aops_utils.rules.results import Evaluation
from aops_utils.rules.results import Finding
from aops_utils.rules.rule import CompiledRule
from aops_utils.rules.series import Series
from aops_utils.rules.series import Vector
from aops_utils.rules.series import merge_log_messages
from aops_utils.rules.series import parse_numbers

__all__ = [
    "ABNORMAL",
    "INTERNAL_ERROR",
    "BatchEvaluation",
    "Columns",
    "CompiledRule",
    "Evaluation",
    "Finding",
    "RuleError",
    "Series",
    "Vector",
    "merge_log_messages",
    "parse_numbers",
]
