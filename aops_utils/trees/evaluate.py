"""Three-valued evaluation of a tree for one host and time slice, with the evidence of every node.

Leaves take their value from the caller's LeafEvidence for their rule: abnormal -> true, normal ->
false, unknown -> null; a rule with no evidence at all is unknown, "Not checked". Branches run
their condition with Kleene logic: `!unknown` is unknown, `true || unknown` is true,
`false && unknown` is false, anything else involving unknown is unknown.

21.09 had two values: a leaf with only "No data" or "Internal error" results was false for its
parent (while its own `value` was null), so such a leaf could make an `&&` false or leave an `||`
to the other side; it now makes the parent unknown unless the other side decides alone.

The report keeps the 21.09 node keys (`node name`, `value`, `condition`, `description`,
`advice`, `children` for branches; `node name`, `value`, `check item`, `msg` for leaves) and adds
`evidence`:
* leaf: `status`, `reason`, `text`, `result_count` and the first MAX_RESULTS `results` (each
  reduced to RESULT_KEYS: times, value, series, reason);
* branch: `decided_by` (the children that decided its value, see condition.run) and `text`, a
  sentence such as "true because 硬件问题 is true".
A leaf's `msg` is "" when its value is known, else the reason ("No data", "Internal error: ...",
"Not checked").

A leaf whose scope is the neighbours (tree.py) takes its value from `neighbours`, the evidence
of its rule across the host's neighbours on the topology map (`across_neighbours` builds it):
true when any neighbour has an abnormal result in the slice, false only when the map was read
and every neighbour's rule was checked over the slice (or the host has no neighbour), else
unknown with the reason. Such a leaf's node says `"scope": "neighbours"` and its results name
their host.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Literal
from typing import get_args

from aops_utils.contracts.checks import Value
from aops_utils.trees.condition import Truth
from aops_utils.trees.condition import run
from aops_utils.trees.tree import CHECK_ITEM
from aops_utils.trees.tree import CHILDREN
from aops_utils.trees.tree import CONDITION
from aops_utils.trees.tree import NAME
from aops_utils.trees.tree import NEIGHBOURS
from aops_utils.trees.tree import SCOPE
from aops_utils.trees.tree import Tree

Status = Literal["abnormal", "normal", "unknown"]
ABNORMAL, NO_DATA, INTERNAL_ERROR = Value.ABNORMAL, Value.NO_DATA, Value.INTERNAL_ERROR
NORMAL = "Normal"
NOT_CHECKED = "Not checked"

# A leaf's report keeps this many results: enough to see when and where, not the whole slice.
MAX_RESULTS = 20
RESULT_KEYS = ("start", "end", "series", "value", "reason")
NEIGHBOUR_RESULT_KEYS = ("host_id", *RESULT_KEYS)
# A branch's sentence names at most this many children; `decided_by` lists them all.
MAX_NAMED = 10

_STATUSES = frozenset(get_args(Status))
_VALUE_OF: dict[str, Truth] = {"abnormal": True, "normal": False, "unknown": None}
_WORD = {True: "true", False: "false", None: "unknown"}


@dataclass(frozen=True, slots=True)
class LeafEvidence:
    """What the check results of one rule say about one host and slice."""

    status: Status
    results: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""

    def __post_init__(self) -> None:
        if self.status not in _STATUSES:
            raise ValueError(f"status must be one of {sorted(_STATUSES)}, not {self.status!r}")

    @classmethod
    def from_results(
        cls, results: Iterable[dict[str, Any]], *, checked: bool, unchecked: str = NOT_CHECKED
    ) -> LeafEvidence:
        """Classify stored check results (5.6 records) of one rule, host and slice.

        Any "Abnormal" result makes it abnormal (as in 21.09, abnormal wins). Otherwise "No data"
        or "Internal error" (or any other value) results make it unknown, "No data" being the
        reason when both occur, as in 21.09. With no such result it is normal if `checked` (the
        rule was evaluated over the whole slice: normal results are not stored), else unknown
        with the reason `unchecked` ("Not checked", or a sentence that starts with it).
        """
        abnormal: list[dict[str, Any]] = []
        no_data: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for result in results:
            value = result.get("value")
            if value == ABNORMAL:
                abnormal.append(result)
            elif value == NO_DATA:
                no_data.append(result)
            elif value != NORMAL:
                failed.append(result)
        if abnormal:
            return cls("abnormal", abnormal)
        if no_data:
            return cls("unknown", no_data + failed, NO_DATA)
        if failed:
            detail = next((str(r["reason"]) for r in failed if r.get("reason")), "")
            return cls("unknown", failed, f"{INTERNAL_ERROR}: {detail}" if detail else INTERNAL_ERROR)
        return cls("normal") if checked else cls("unknown", [], unchecked)


_MISSING = LeafEvidence("unknown", [], NOT_CHECKED)


def across_neighbours(
    item: str, found: str, per_host: Sequence[tuple[str, LeafEvidence]], total: int
) -> LeafEvidence:
    """A rule's evidence across a host's neighbours: `found` is the map's answer for the slice
    (the neighbours section's status and text when it listed no host), `per_host` each listed
    neighbour's evidence by name, `total` how many neighbours the map has (some may be unlisted).

    Abnormal on any neighbour wins; normal needs every neighbour listed and checked (or none at
    all: nothing on the other end of a link can be at fault); anything else is unknown."""
    abnormal = [(name, proof) for name, proof in per_host if proof.status == "abnormal"]
    if abnormal:
        results = [r for _, proof in abnormal for r in proof.results]
        return LeafEvidence("abnormal", results, f"abnormal on {_names([name for name, _ in abnormal])}")
    if not per_host:
        if found:
            return LeafEvidence("unknown", [], f"{NOT_CHECKED}: no neighbours ({found})")
        return LeafEvidence("normal", [], "no neighbour on the map in this slice")
    unknown = [(name, proof) for name, proof in per_host if proof.status == "unknown"]
    if unknown:
        name, proof = unknown[0]
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        return LeafEvidence(
            "unknown", [r for _, p in unknown for r in p.results], f"on {name}{more}: {proof.reason}"
        )
    if total > len(per_host):
        return LeafEvidence(
            "unknown", [], f"{NOT_CHECKED}: {len(per_host)} of the {total} neighbours are listed in a report"
        )
    return LeafEvidence(
        "normal", [], f"checked on {_count(len(per_host), 'neighbour')}: {_names([n for n, _ in per_host])}"
    )


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMED])
    return f"{shown} and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else shown


def evaluate_tree(
    tree: Tree, evidence: Mapping[str, LeafEvidence], neighbours: Mapping[str, LeafEvidence] | None = None
) -> dict[str, Any]:
    """The report of one evaluation (a fresh dict tree; nothing is shared between calls)."""
    names = tree.names
    on_neighbours = tree.on_neighbours
    near = neighbours or {}
    children = tree.children
    programs = tree.programs
    check_item_of = tree.check_item_of
    conditions = tree.conditions
    texts = tree.texts
    count = len(names)
    values: list[Truth] = [None] * count
    nodes: list[dict[str, Any]] = [{}] * count
    leaves: dict[tuple[bool, str], tuple[Truth, str, dict[str, Any]]] = {}
    # Children have higher indexes than their parent, so a backwards sweep meets them first.
    node: dict[str, Any]
    for index in range(count - 1, -1, -1):
        item = check_item_of[index]
        if item is not None:
            scope = on_neighbours[index]
            leaf = leaves.get((scope, item))
            if leaf is None:
                # The first leaf of a rule takes the evidence as built; later ones get copies.
                given = (near if scope else evidence).get(item, _MISSING)
                value, msg, proof = leaves[(scope, item)] = _leaf(item, given, on_neighbours=scope)
            else:
                value, msg, proof = leaf
                proof = {**proof, "results": [dict(r) for r in proof["results"]]}
            node = {NAME: names[index], "value": value, CHECK_ITEM: item, "msg": msg}
            if texts[index]:
                node.update(texts[index])
            if scope:
                node[SCOPE] = NEIGHBOURS
            node["evidence"] = proof
        else:
            kids = children[index]
            value, mask = run(programs[index], [values[kid] for kid in kids])
            decided = _selected(kids, mask)
            node = {
                NAME: names[index],
                "value": value,
                CONDITION: conditions[index],
                "description": texts[index].get("description", ""),
                "advice": texts[index].get("advice", ""),
                CHILDREN: [nodes[kid] for kid in kids],
                "evidence": {
                    "decided_by": [names[kid] for kid in decided],
                    "text": _sentence(
                        value, [(names[kid], values[kid]) for kid in decided[:MAX_NAMED]], len(decided)
                    ),
                },
            }
        values[index] = value
        nodes[index] = node
    return nodes[0]


def _selected(kids: Sequence[int], mask: int) -> list[int]:
    """The kids whose positions are set in mask, in child order."""
    if mask == (1 << len(kids)) - 1:
        return list(kids)
    # Through the binary text: linear in the number of children, also for very wide nodes.
    return [kids[position] for position, bit in enumerate(reversed(f"{mask:b}")) if bit == "1"]


def _sentence(value: Truth, named: list[tuple[str, Truth]], total: int) -> str:
    parts = ", ".join(f"{name} is {_WORD[child]}" for name, child in named)
    more = f" and {total - len(named)} more" if total > len(named) else ""
    return f"{_WORD[value]} because {parts}{more}"


def _leaf(item: str, proof: LeafEvidence, *, on_neighbours: bool) -> tuple[Truth, str, dict[str, Any]]:
    """Value, msg and evidence of the leaves of one rule and scope (shared by leaves naming the
    same rule in the same scope)."""
    value = _VALUE_OF[proof.status]
    results = proof.results
    keys = NEIGHBOUR_RESULT_KEYS if on_neighbours else RESULT_KEYS
    where = " on the neighbours" if on_neighbours else ""
    if proof.status == "abnormal":
        text = f"rule '{item}' has {_count(len(results), 'abnormal result')}{where} in this slice"
    elif proof.status == "normal":
        text = f"rule '{item}' was checked{where} and found nothing abnormal"
    else:
        text = f"rule '{item}' is unknown{where} in this slice: {proof.reason or 'no reason given'}"
    if on_neighbours and proof.reason and value is not None:
        text = f"{text} ({proof.reason})"
    msg = "" if value is not None else proof.reason or "unknown"
    return (
        value,
        msg,
        {
            "status": proof.status,
            "reason": proof.reason,
            "text": text,
            "result_count": len(results),
            "results": [{k: r[k] for k in keys if k in r} for r in results[:MAX_RESULTS]],
        },
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
