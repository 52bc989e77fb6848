"""expression_rule_plugin: the default plugin, the expression language of section 4.3."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from numpy.typing import ArrayLike

from aops_utils.rules import BatchEvaluation
from aops_utils.rules import Columns
from aops_utils.rules import CompiledRule
from aops_utils.rules import Evaluation
from aops_utils.rules import Vector
from aops_utils.rules.plugins import CheckRulePlugin


class ExpressionCheckRule(CheckRulePlugin):
    """A condition such as `$0.count(5m, 90, '>') > 3 && $1 < 10`, compiled once at import."""

    def __init__(self, rule: CompiledRule) -> None:
        self.rule = rule

    @classmethod
    def compile(cls, condition: str, data_list: Sequence[Mapping[str, Any]]) -> ExpressionCheckRule:
        return cls(CompiledRule.compile(condition, data_list))

    def history_seconds(self, sample_period: int) -> int:
        return self.rule.history_seconds(sample_period)

    def evaluate(self, vector: Vector, start: float) -> Evaluation:
        return self.rule.evaluate(vector, start)

    def evaluate_batch(self, vectors: Sequence[Vector], starts: float | ArrayLike) -> BatchEvaluation:
        return self.rule.evaluate_batch(vectors, starts)

    def evaluate_columns(self, columns: Columns, starts: float | ArrayLike) -> BatchEvaluation:
        return self.rule.evaluate_columns(columns, starts)
