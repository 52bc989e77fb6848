"""How the diag worker groups a polled batch into result queries (pure logic)."""

from __future__ import annotations

from adoctor_diag_executor.worker import _by_host
from adoctor_diag_executor.worker import _clusters
from adoctor_diag_executor.worker import _Job
from adoctor_diag_executor.worker import _parse_trees
from aops_utils.contracts.diagnosis import DiagnoseRequest
from aops_utils.rules.evaluation import StoredRule
from aops_utils.trees import parse_tree
from tests.aops_utils.trees.trees import EXAMPLE
from tests.aops_utils.trees.trees import branch
from tests.aops_utils.trees.trees import leaf

DATA = [{"name": "m", "type": "kpi", "label": {}}]
RULE_A = StoredRule.of({"check_item": "rule_a", "data_list": [{"name": "m"}], "condition": "$0 > 1"})
SMALL = branch("root", "a || b", leaf("a", "rule_a"), leaf("b", "rule_b"))


def job(host: str, start: int, end: int, tree: dict = SMALL) -> _Job:  # type: ignore[type-arg]
    request = DiagnoseRequest(
        username="u", host_id=host, time_range=[start, end], tree_name="t", tree_content=tree, task_id="x"
    )
    parsed = parse_tree(tree)
    return _Job(request, parsed, frozenset(parsed.check_items))


def spans(clusters: list[list[_Job]]) -> list[list[tuple[str, int]]]:
    return [[(j.request.host_id, j.request.time_range[0]) for j in cluster] for cluster in clusters]


def test_consecutive_slices_of_many_hosts_make_one_query() -> None:
    jobs = [job(f"h{h}", 1000 + 60 * s, 1060 + 60 * s) for h in range(17) for s in range(6)]
    [cluster] = _clusters(jobs)
    assert len(cluster) == len(jobs)


def test_far_apart_slices_are_queried_apart() -> None:
    jobs = [job("h1", 0, 60), job("h2", 10**6, 10**6 + 60), job("h1", 60, 120)]
    assert spans(_clusters(jobs)) == [[("h1", 0), ("h1", 60)], [("h2", 10**6)]]


def test_a_gap_wider_than_the_slices_covered_starts_a_new_query() -> None:
    # 0-60 and 60-120 cover 120 s; 310-370 would make a 370 s span for 180 s of slices.
    jobs = [job("h", 0, 60), job("h", 60, 120), job("h", 310, 370)]
    assert spans(_clusters(jobs)) == [[("h", 0), ("h", 60)], [("h", 310)]]
    # 300-360 makes it exactly twice: still one query.
    assert len(_clusters([job("h", 0, 60), job("h", 60, 120), job("h", 300, 360)])) == 1


def test_one_slice_repeated_for_many_hosts_does_not_widen_the_bound() -> None:
    jobs = [job(f"h{n}", 0, 60) for n in range(100)] + [job("h0", 5000, 5060)]
    assert [len(c) for c in _clusters(jobs)] == [100, 1]


def test_a_tree_repeated_in_a_batch_is_parsed_once() -> None:
    requests = [job(f"h{n}", 0, 60).request for n in range(5)] + [job("h9", 0, 60, EXAMPLE).request]
    parsed = _parse_trees(requests)
    assert len({id(tree) for tree in parsed}) == 2
    assert parsed[0].check_items == {"rule_a", "rule_b"}


def test_a_result_two_cluster_queries_return_counts_once() -> None:
    def row(host: str, start: int, end: int, value: str = "No data") -> dict[str, object]:
        found = {"host_id": host, "check_item": "rule_a", "series": "", "value": value}
        return found | {"start": start, "end": end, "condition": "$0 > 1", "data_list": DATA, "plugin": ""}

    long = row("h", 0, 3600)  # a backward window's No data, inside both clusters' spans
    first = [long, row("h", 10, 10, "Abnormal")]
    second = [dict(long), row("h", 3000, 3000, "Abnormal"), row("g", 0, 3600)]
    found = _by_host([first, second], {"rule_a": RULE_A})
    assert [(r["start"], r["end"]) for r in found["h"]] == [(0, 3600), (10, 10), (3000, 3000)]
    assert [(r["start"], r["end"]) for r in found["g"]] == [(0, 3600)]


def test_results_of_another_version_of_the_rule_or_of_a_deleted_rule_are_left_out() -> None:
    base = {"host_id": "h", "series": "", "value": "Abnormal", "start": 5, "end": 5, "plugin": ""}
    mine = base | {"check_item": "rule_a", "condition": "$0 > 1", "data_list": DATA}
    older = mine | {"condition": "$0 > 2", "start": 6, "end": 6}
    other_data = mine | {
        "data_list": [{"name": "m", "type": "kpi", "label": {"x": "1"}}],
        "start": 7,
        "end": 7,
    }
    gone = mine | {"check_item": "rule_b", "start": 8, "end": 8}
    found = _by_host([[mine, older, other_data, gone]], {"rule_a": RULE_A})
    assert found["h"] == [mine]
