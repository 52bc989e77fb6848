"""Whether evaluated windows span a slice, by rule version and host (pure logic)."""

from __future__ import annotations

from typing import Any

from adoctor_diag_executor.coverage import Coverage
from adoctor_diag_executor.coverage import concerns
from adoctor_diag_executor.coverage import spans_cover
from aops_utils.rules.evaluation import StoredRule
from aops_utils.rules.evaluation import rule_version


def record(start: int, end: int, hosts: list[str], *rules: tuple[str, str, list[str]]) -> dict[str, Any]:
    return {
        "time_range": [start, end],
        "host_list": hosts,
        "rules": [
            {"check_item": item, "version": version, "failed": failed} for item, version, failed in rules
        ],
    }


def test_one_window_wider_than_the_slice_covers_it() -> None:
    assert spans_cover([(0, 600)], 60, 120)


def test_windows_sharing_an_end_join_into_one_span() -> None:
    assert spans_cover([(120, 180), (0, 60), (60, 120)], 30, 170)


def test_a_gap_of_one_second_between_windows_leaves_the_slice_uncovered() -> None:
    assert not spans_cover([(0, 60), (61, 120)], 0, 120)


def test_a_window_that_stops_short_of_either_end_does_not_cover() -> None:
    assert not spans_cover([(10, 120)], 0, 120)
    assert not spans_cover([(0, 110)], 0, 120)
    assert not spans_cover([], 0, 120)


def test_overlapping_and_nested_windows_count_once_each() -> None:
    assert spans_cover([(0, 100), (20, 40), (90, 200), (150, 160)], 5, 200)


def test_windows_before_the_slice_are_skipped_without_breaking_the_union() -> None:
    assert spans_cover([(0, 10), (50, 100), (100, 130)], 60, 130)
    assert not spans_cover([(0, 10), (70, 130)], 60, 130)


def test_an_instant_slice_is_covered_only_by_a_window_containing_it() -> None:
    assert spans_cover([(0, 60)], 60, 60)
    assert not spans_cover([(0, 59)], 60, 60)
    assert not spans_cover([], 60, 60)


def test_coverage_is_per_rule_version_and_host() -> None:
    found = Coverage([record(0, 60, ["h1", "h2"], ("cpu", "v1", []))])
    assert found.covers("cpu", "v1", "h1", 0, 60)
    assert not found.covers("cpu", "v2", "h1", 0, 60)  # the rule changed since
    assert not found.covers("cpu", "v1", "h3", 0, 60)  # a host added since
    assert not found.covers("mem", "v1", "h1", 0, 60)  # a rule imported since


def test_a_host_whose_evaluation_failed_is_not_covered_until_a_retry_succeeds() -> None:
    window = record(0, 60, ["h1", "h2"], ("cpu", "v1", ["h2"]), ("mem", "v1", []))
    found = Coverage([window])
    assert found.covers("mem", "v1", "h2", 0, 60)
    assert not found.covers("cpu", "v1", "h2", 0, 60)
    found.add([record(0, 60, ["h2"], ("cpu", "v1", []))])
    assert found.covers("cpu", "v1", "h2", 0, 60)


def test_failed_windows_count_as_evaluated_but_never_as_covered() -> None:
    found = Coverage(
        [record(0, 60, ["h1"], ("cpu", "v1", [])), record(60, 120, ["h1"], ("cpu", "v1", ["h1"]))]
    )
    assert not found.covers("cpu", "v1", "h1", 0, 120)
    assert found.evaluated("cpu", "v1", "h1", 0, 120)
    assert not found.evaluated("cpu", "v1", "h1", 0, 180)
    assert not found.evaluated("cpu", "v2", "h1", 0, 120)


def test_windows_of_several_records_join_for_one_host() -> None:
    found = Coverage(
        [record(0, 60, ["h1"], ("cpu", "v1", [])), record(60, 120, ["h0", "h1"], ("cpu", "v1", []))]
    )
    assert found.covers("cpu", "v1", "h1", 0, 120)
    assert not found.covers("cpu", "v1", "h0", 0, 120)


def test_a_rule_and_its_stored_results_have_one_version() -> None:
    row = {
        "check_item": "cpu",
        "data_list": [{"name": "node_load1"}],
        "condition": "$0 > 4",
        "description": "x",
        "plugin": "",
    }
    rule = StoredRule.of(row)
    stored = {"name": "node_load1", "type": "kpi", "label": {}}  # as a result keeps its data list
    assert rule.version == rule_version("$0 > 4", [stored], "")
    result = {"condition": "$0 > 4", "data_list": [stored], "plugin": ""}
    assert rule.recorded(result)
    assert not rule.recorded(result | {"condition": "$0 > 5"})
    assert not rule.recorded(result | {"plugin": "p"})
    assert StoredRule.of(row | {"description": "other words"}).version == rule.version
    assert StoredRule.of(row | {"condition": "$0 > 5"}).version != rule.version
    assert StoredRule.of(row | {"plugin": "p"}).version != rule.version
    labelled = [{"name": "node_load1", "label": {"b": "2", "a": "1"}}]
    assert StoredRule.of(row | {"data_list": labelled}).version == rule_version(
        "$0 > 4", [{"label": {"a": "1", "b": "2"}, "type": "kpi", "name": "node_load1"}], ""
    )
    assert StoredRule.of(row | {"data_list": labelled}).version != rule.version


def test_a_verdict_of_the_next_window_says_nothing_of_a_slice_it_only_touches() -> None:
    # Windows [375, 435] and [435, 495] share 435: the second's Internal error is not the first's.
    assert not concerns(435, 495, 375, 435)
    assert not concerns(315, 375, 375, 435)
    assert concerns(430, 495, 375, 435) and concerns(300, 500, 375, 435)
    # An Abnormal instant at a shared end belongs to both slices, inside to its own.
    assert concerns(435, 435, 375, 435) and concerns(375, 375, 375, 435) and concerns(400, 400, 375, 435)
    assert not concerns(436, 436, 375, 435)
