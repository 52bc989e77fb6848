"""Fault diagnosis: fault trees validated at import, conditions with precedence, Kleene evaluation.

parse_tree(tree_json, known_check_items) validates a 21.09 tree (TreeError names the node path
and the reason); tree.evaluate({check item: LeafEvidence}) gives the report, the 21.09 node
layout with three-valued `value`s and an `evidence` per node; tree_from_xlsx reads the 21.09
MindMaster workbook layout. dumps/loads handle reports of any depth without recursion.

Changes from 21.09, detailed in the module docstrings and docs/diagnosis.md:
* conditions have precedence (`!` > `&&` > `||`), `!!x` is x, and syntax errors are refused;
* "No data" / "Internal error" / unchecked leaves are unknown, not false, and propagate with
  Kleene logic (true || unknown = true, false && unknown = false, otherwise unknown);
* broken trees are refused at import instead of yielding empty reports.
"""

from __future__ import annotations

from aops_utils.jsonio import dumps
from aops_utils.jsonio import loads
from aops_utils.trees.condition import Condition
from aops_utils.trees.condition import parse_condition
from aops_utils.trees.errors import ConditionError
from aops_utils.trees.errors import TreeError
from aops_utils.trees.evaluate import LeafEvidence
from aops_utils.trees.excel import tree_from_xlsx
from aops_utils.trees.tree import MAX_DEPTH
from aops_utils.trees.tree import MAX_NODES
from aops_utils.trees.tree import Tree
from aops_utils.trees.tree import parse_tree

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "Condition",
    "ConditionError",
    "LeafEvidence",
    "Tree",
    "TreeError",
    "dumps",
    "loads",
    "parse_condition",
    "parse_tree",
    "tree_from_xlsx",
]
