"""Evaluating rules on data: verdicts per sample, history, alignment, logs, batches."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from aops_utils import jsonio
from aops_utils.packed import Packed
from aops_utils.packed import PackedSamples
from aops_utils.rules import ABNORMAL
from aops_utils.rules import INTERNAL_ERROR
from aops_utils.rules import BatchEvaluation
from aops_utils.rules import Columns
from aops_utils.rules import CompiledRule
from aops_utils.rules import Evaluation
from aops_utils.rules import Finding
from aops_utils.rules import Series
from aops_utils.rules import merge_log_messages
from aops_utils.rules import parse_numbers
from aops_utils.rules.batch import _SEARCH_BLOCK
from aops_utils.rules.batch import search
from aops_utils.rules.columns import kpi_column
from aops_utils.rules.columns import log_column
from aops_utils.rules.columns import packed_column

KPI = {"name": "m", "type": "kpi", "label": {}}
LOG = {"name": "dmesg", "type": "log", "label": {}}
T0 = 1_630_120_927.931


def kpi(values: list[Any], start: float = T0, step: float = 15.0) -> Series:
    return Series([start + step * i for i in range(len(values))], [str(v) for v in values])


def verdicts(evaluation: Evaluation) -> list[str]:
    """One letter per sample: A abnormal, E error, - not evaluable, . normal."""
    letters = []
    for i in range(len(evaluation)):
        if evaluation.abnormal[i]:
            letters.append("A")
        elif evaluation.errors[i]:
            letters.append("E")
        elif evaluation.not_evaluable[i]:
            letters.append("-")
        else:
            letters.append(".")
    return letters


def run(condition: str, vector: dict[str, Series], start: float = 0.0, data_list: Any = None) -> Evaluation:
    """The evaluation of one host, which columns built from the lists of a columnar reply
    (what the executor evaluates) give too."""
    data_list = data_list or [KPI] * len(vector)
    rule = CompiledRule.compile(condition, data_list)
    evaluation = rule.evaluate(vector, start)
    assert_same(rule.evaluate_columns(reply_columns(vector, data_list), start).host(0), evaluation)
    packed = packed_columns(vector, data_list)
    if packed is not None:
        assert_same(rule.evaluate_columns(packed, start).host(0), evaluation)
    return evaluation


def reply_columns(vector: dict[str, Series], data_list: list[dict[str, Any]]) -> Columns:
    """The vector as a columnar reply would carry it: per series its lists of timestamps and values."""
    macros = {}
    for macro, series in vector.items():
        build = log_column if data_list[int(macro[1:])]["type"] == "log" else kpi_column
        macros[macro] = build([series.timestamps.tolist()], [list(series.values)])
    return Columns(1, macros)


def packed_columns(vector: dict[str, Series], data_list: list[dict[str, Any]]) -> Columns | None:
    """The vector as a packed reply carries it: KPI series through the data center's packer and
    the reader's decoder (aops_utils.packed); None when a KPI value is not a number (the packed
    form has no place for one)."""
    samples = PackedSamples()
    places = {}
    for macro, series in vector.items():
        if data_list[int(macro[1:])]["type"] != "log":
            numbers, bad = series.numbers()
            if bad is not None:
                return None
            places[macro] = (samples.add(series.timestamps, numbers), len(series))
    arrays = Packed.of(jsonio.decode(jsonio.encode(samples.payload())))
    macros = {}
    for macro, series in vector.items():
        if macro in places:
            start, length = places[macro]
            one = np.array([start]), np.array([length])
            macros[macro] = packed_column(arrays.timestamps, arrays.values, *one)
        else:
            macros[macro] = log_column([series.timestamps.tolist()], [list(series.values)])
    return Columns(1, macros)


def assert_same(got: Evaluation, expected: Evaluation) -> None:
    assert verdicts(got) == verdicts(expected)
    assert got.reasons == expected.reasons and got.no_data == expected.no_data
    np.testing.assert_array_equal(got.timestamps, expected.timestamps)


def test_threshold_verdicts_and_findings() -> None:
    evaluation = run("$0 > 90", {"$0": kpi([10, 95, "NaN", "+Inf", "-Inf", "oops", 91])})
    assert "".join(verdicts(evaluation)) == ".A.A.EA"
    assert list(evaluation.findings()) == [
        Finding(T0 + 15, ABNORMAL, ""),
        Finding(T0 + 45, ABNORMAL, ""),
        Finding(T0 + 75, INTERNAL_ERROR, "value is not a number"),
        Finding(T0 + 90, ABNORMAL, ""),
    ]
    assert evaluation.reasons == {5: "value is not a number"}
    np.testing.assert_array_equal(evaluation.timestamps, T0 + 15 * np.arange(7))


def test_nan_compares_false_and_is_not_an_error() -> None:
    vector = {"$0": kpi(["NaN", 1, "NaN"])}
    assert "".join(verdicts(run("$0 != $0", vector))) == "A.A"
    assert "".join(verdicts(run("$0 == $0 || $0 < 0 || $0 >= 0", vector))) == ".A."
    assert "".join(verdicts(run("$0", vector))) == "AAA"  # truthiness of NaN, as in Python


def test_samples_before_start_are_history_only() -> None:
    vector = {"$0": kpi([1, 2, 3, 4, 5, 6])}
    evaluation = run("diff(#1)", vector, start=T0 + 30)
    np.testing.assert_array_equal(evaluation.timestamps, T0 + np.array([30.0, 45.0, 60.0, 75.0]))
    assert "".join(verdicts(evaluation)) == "AAAA"


def test_not_evaluable_when_history_is_short() -> None:
    vector = {"$0": kpi([1, 2, 3, 4, 5])}
    assert "".join(verdicts(run("diff(#3)", vector))) == "---AA"
    assert "".join(verdicts(run("max(#2) > 0", vector))) == "-AAAA"
    assert "".join(verdicts(run("count(#4, 0, '>') == 4", vector))) == "---AA"
    assert "".join(verdicts(run("max(1m) > 0", vector))) == "AAAAA"  # a time window always has a sample
    evaluation = run("diff(#3)", vector)
    assert list(evaluation.findings()) == [Finding(T0 + 45, ABNORMAL, ""), Finding(T0 + 60, ABNORMAL, "")]


def test_short_circuit_decides_whether_history_is_needed() -> None:
    vector = {"$0": kpi([100, 1, 100, 1])}
    assert "".join(verdicts(run("$0 > 50 || diff(#2)", vector))) == "A-A."
    assert "".join(verdicts(run("$0 < 50 && diff(#2)", vector))) == ".-.."


def test_division_by_zero_fails_only_its_sample() -> None:
    evaluation = run("100 / $0 > 10", {"$0": kpi([5, 0, 20, 2])})
    assert "".join(verdicts(evaluation)) == "AE.A"
    assert evaluation.reasons == {1: "division by zero"}
    assert "".join(verdicts(run("$0 != 0 && 100 / $0 > 10", {"$0": kpi([5, 0, 20, 2])}))) == "A..A"
    assert "".join(verdicts(run("$0 % ($0 - 3) == 0", {"$0": kpi([3, 6, 4])}))) == "EAA"


def test_null_and_type_errors_per_sample() -> None:
    vector = {"$0": kpi([1, 2]), "$1": Series([T0, T0 + 15], ["error", "fine"])}
    data_list = [KPI, LOG]
    evaluation = run("$0 + null > 1", vector, data_list=data_list)
    assert set(evaluation.reasons.values()) == {"null operand"} and evaluation.errors.all()
    evaluation = run("$1 > 5", vector, data_list=data_list)
    assert evaluation.reasons == {0: "cannot compare a string with a number using >"} | {
        1: "cannot compare a string with a number using >"
    }
    assert not run("$1 == 5", vector, data_list=data_list).errors.any()
    assert "".join(verdicts(run("$1 != 5 && $0 > 1", vector, data_list=data_list))) == ".A"


def test_bit_operators_on_data() -> None:
    vector = {"$0": kpi([1, 2, 3.9, "NaN", 1e30])}
    evaluation = run("$0 & 1", vector)
    assert "".join(verdicts(evaluation)) == "A.AEE"
    assert evaluation.reasons[3] == "operator & needs an integer within 64 bits"


def test_mixed_kind_ternary_results() -> None:
    vector = {"$0": kpi([1, 50, 100])}
    rule = CompiledRule.compile("($0 > 10 ? 'big' : $0) == 'big'", [KPI])
    assert [value for _, value, _ in rule.values(vector, 0)] == [False, True, True]
    rule = CompiledRule.compile("($0 > 10 ? null : $0) + 1 > 0", [KPI])
    assert [reason for _, _, reason in rule.values(vector, 0)] == [None, "null operand", "null operand"]
    rule = CompiledRule.compile("($0 > 60 ? 'x' : 2) < 3", [KPI])
    values = rule.values(vector, 0)
    assert [v for _, v, _ in values[:2]] == [True, True]
    assert values[2][2] == "cannot compare a string with a number using <"


def test_dict_membership_per_sample() -> None:
    vector = {"$0": kpi([1, 2, 3]), "$1": kpi([1, 5, 3])}
    assert "".join(verdicts(run("{'k': $0} in {'k': $1, 'x': 1}", vector))) == "A.A"
    assert "".join(verdicts(run("{$0: 1} notin {1: 1, 3: 1}", vector))) == ".A."


def aligned(main: Series, other: Series, start: float = 0.0) -> list[Any]:
    rule = CompiledRule.compile("$1", [KPI, KPI])
    return [value for _, value, _ in rule.values({"$0": main, "$1": other}, start)]


def test_alignment_takes_the_nearest_sample_later_on_ties() -> None:
    main = Series([100.0, 115.0, 130.0, 145.0, 160.0], ["0"] * 5)
    other = Series([98.0, 107.5, 122.0, 140.0, 200.0], ["1", "2", "3", "4", "5"])
    # 100 -> 98; 115 -> 122 (7 < 7.5); 130 -> 122 (8 < 10); 145 -> 140; 160 -> 140 (20 < 40)
    assert aligned(main, other) == [1, 3, 3, 4, 4]
    assert aligned(main, Series([92.5, 107.5], ["1", "2"])) == [2, 2, 2, 2, 2]  # 100: a tie -> 107.5
    assert aligned(main, Series([107.5, 122.5], ["1", "2"]), start=115) == [2, 2, 2, 2]
    assert aligned(main, Series([1000.0], ["7"])) == [7] * 5  # one far sample still aligns
    same_time = Series([115.0, 115.0, 116.0], ["1", "2", "3"])
    assert aligned(main, same_time) == [2, 2, 3, 3, 3]  # two samples at 115: the later one


def test_functions_on_another_target_use_its_own_samples() -> None:
    main = kpi([0, 0, 0, 0], step=15)
    other = Series([T0 + 5 * i for i in range(12)], [str(i) for i in range(12)])  # every 5 s
    rule = CompiledRule.compile(
        "$1.diff(#1) && $1.count(10s, 100, '<') == 3 && $1.abschange(#3) == 3", [KPI, KPI]
    )
    assert "".join(verdicts(rule.evaluate({"$0": main, "$1": other}, 0))) == "-AAA"
    values = CompiledRule.compile("$1.avg(#2)", [KPI, KPI]).values({"$0": main, "$1": other}, 0)
    # $0's times T0, +15, +30, +45 meet $1's samples 0, 3, 6, 9: the mean of each and the one before.
    assert [v for _, v, reason in values if reason is None] == [2.5, 5.5, 8.5]
    assert values[0][2] == "not evaluable: not enough history"


def test_window_functions_with_nan_and_bad_values() -> None:
    vector = {"$0": kpi([1, "NaN", 3, 4, "bad", 6, 7])}
    values = CompiledRule.compile("max(#2)", [KPI]).values(vector, 0)
    history, not_number = "not evaluable: not enough history", "value is not a number"
    assert [r for _, _, r in values] == [history, None, None, None, not_number, not_number, None]
    assert np.array([v for _, v, r in values if r is None]) == pytest.approx(
        [np.nan, np.nan, 4, 7], nan_ok=True
    )
    values = CompiledRule.compile("count(#3, 2, '>')", [KPI]).values(vector, 0)
    assert [v for _, v, r in values if r is None] == [1, 2]
    assert [r for _, _, r in values][4:] == [not_number] * 3
    values = CompiledRule.compile("sum(30s)", [KPI]).values(vector, 0)
    assert np.array([v for _, v, r in values if r is None]) == pytest.approx(
        [1, np.nan, np.nan, np.nan], nan_ok=True
    )
    assert [r for _, _, r in values][4:] == [not_number] * 3


def test_log_keyword_rules_on_merged_messages() -> None:
    log = merge_log_messages(
        [[T0 + 10, "link up"], [T0, "boot"], [T0 + 10, "oom-killer: error"], [T0 + 20, "ok"]]
    )
    assert log.values == ["boot", "link up oom-killer: error", "ok"]
    np.testing.assert_array_equal(log.timestamps, [T0, T0 + 10, T0 + 20])
    evaluation = run("keyword('error') == True", {"$0": log}, data_list=[LOG])
    assert "".join(verdicts(evaluation)) == ".A."
    assert "".join(verdicts(run("keyword('up oom')", {"$0": log}, data_list=[LOG]))) == ".A."
    assert Series.from_log([[5, "a"], [5, "b"]]).values == ["a b"]


def test_kpi_rule_over_log_and_kpi_items() -> None:
    log = merge_log_messages([[T0 + 14, "error: disk"], [T0 + 31, "fine"]])
    vector = {"$0": kpi([95, 95, 50]), "$1": log}
    evaluation = run("$0 > 90 && $1.keyword('error')", vector, data_list=[KPI, LOG])
    assert "".join(verdicts(evaluation)) == "AA."


def test_no_data_cases() -> None:
    rule = CompiledRule.compile("$0 + $1 > 1", [KPI, KPI])
    assert rule.evaluate({"$0": kpi([1])}, 0).no_data
    assert rule.evaluate({"$0": kpi([1]), "$1": Series([], [])}, 0).no_data
    assert rule.evaluate({"$0": kpi([1]), "$1": kpi([1])}, T0 + 1).no_data  # nothing at or after start
    evaluation = rule.evaluate({"$0": kpi([1]), "$1": kpi([1])}, 0)
    assert not evaluation.no_data and "".join(verdicts(evaluation)) == "A"
    unused = CompiledRule.compile("$0 > 1", [KPI, KPI])
    assert not unused.evaluate({"$0": kpi([5])}, 0).no_data  # $1 is not referred to


def test_parse_numbers_handles_prometheus_strings() -> None:
    numbers, bad = parse_numbers(["12.5", "NaN", "+Inf", "-Inf", "1e-07", "3564846944", "null", "x", ""])
    assert numbers[:6].tolist()[2:] == [float("inf"), float("-inf"), 1e-07, 3564846944.0]
    assert numbers[0] == 12.5 and np.isnan(numbers[1])
    assert bad is not None and bad.tolist() == [False] * 6 + [True] * 3
    assert parse_numbers(["1", "2"])[1] is None
    assert parse_numbers([1, 2.5])[0].tolist() == [1.0, 2.5]
    assert parse_numbers(["1,2", "3"])[1].tolist() == [True, False]  # type: ignore[union-attr]


def test_series_validation() -> None:
    with pytest.raises(ValueError, match="sorted"):
        Series([2.0, 1.0], ["a", "b"])
    with pytest.raises(ValueError, match="as many timestamps"):
        Series([1.0], ["a", "b"])
    with pytest.raises(ValueError, match="Unix seconds"):
        Series([float("nan")], ["a"])
    assert Series.from_pairs([[3, "c"], [1, "a"], [2, "b"]]).values == ["a", "b", "c"]


def host(seed: int) -> dict[str, Series]:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(0, 30))
    stamps = np.cumsum(rng.uniform(1, 20, size)) + 1e9
    values = [str(v) for v in rng.integers(-3, 100, size)]
    if size > 3:
        values[int(rng.integers(0, size))] = "NaN"
    other = np.cumsum(rng.uniform(1, 20, size)) + 1e9
    return {"$0": Series(stamps, values), "$1": Series(other, [str(v) for v in rng.integers(0, 9, size)])}


@pytest.mark.parametrize(
    "condition",
    [
        "$0 > 50",
        "$0.count(30s, 50, '>') > 1 && $1 < 5",
        "abschange(#2) > 40 || 100 / $1 > 30",
        "$1.max(#3) - min(20s) > avg(1m)",
        "{$1: 1} in {0: 1, 3: 1}",
    ],
)
def test_batch_matches_per_host_evaluation(condition: str) -> None:
    rule = CompiledRule.compile(condition, [KPI, KPI])
    hosts = [host(seed) for seed in range(40)]
    starts = [1e9 + (seed % 5) * 20 for seed in range(40)]
    batch = rule.evaluate_batch(hosts, starts)
    assert len(batch) == 40
    singles = [rule.evaluate(h, s) for h, s in zip(hosts, starts, strict=True)]
    for index, single in enumerate(singles):
        part = batch[index]
        assert part.no_data == single.no_data
        np.testing.assert_array_equal(part.timestamps, single.timestamps)
        np.testing.assert_array_equal(part.abnormal, single.abnormal)
        np.testing.assert_array_equal(part.errors, single.errors)
        np.testing.assert_array_equal(part.not_evaluable, single.not_evaluable)
        assert part.reasons == single.reasons
    expected = [(i, f) for i, single in enumerate(singles) for f in single.findings()]
    assert list(batch.findings()) == expected
    joined = BatchEvaluation.concat(singles)
    assert list(joined.findings()) == expected
    mixed = BatchEvaluation.concat([batch, joined[3]])
    assert list(mixed.findings()) == expected + [(40, f) for f in singles[3].findings()]


def test_batch_of_nothing() -> None:
    rule = CompiledRule.compile("$0 > 1", [KPI])
    assert len(rule.evaluate_batch([], 0)) == 0
    batch = rule.evaluate_batch([{}, {"$0": kpi([5])}], [0, 0])
    assert batch.no_data.tolist() == [True, False] and len(batch[0]) == 0
    assert [host for host, _ in batch.findings()] == [1]


def test_hosts_with_far_apart_clocks_are_split_not_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from aops_utils.rules import batch as batch_module

    monkeypatch.setattr(batch_module, "_KEY_LIMIT", 10**15)  # as if the clocks were far more apart
    rule = CompiledRule.compile("$0.max(1m) > 1", [KPI])
    early = {"$0": kpi([5, 5], start=1.0)}
    late = {"$0": Series([9e10, 9e10 + 15], ["5", "0"])}
    batch = rule.evaluate_batch([early, late] * 600, 0)
    assert len(batch) == 1200 and batch.abnormal.sum() == 2400
    monkeypatch.setattr(batch_module, "_KEY_LIMIT", 10**4)
    with pytest.raises(ValueError, match="span more time"):
        rule.evaluate(late, 0)


def test_trees_at_the_depth_limit_evaluate() -> None:
    vector = {"$0": kpi([1, 2, 3])}
    chain = " + ".join(["$0"] * 199)  # 198 nested additions, the comparison makes 200 levels
    assert "".join(verdicts(run(f"{chain} > 300", vector))) == ".AA"
    negations = "-" * 198 + "$0"
    assert "".join(verdicts(run(f"{negations} > 2", vector))) == "..A"
    ternaries = "($0 > 1 ? " * 99 + "1" + " : 0)" * 99
    assert "".join(verdicts(run(ternaries, vector))) == ".AA"


@pytest.mark.parametrize("seed", range(6))
def test_the_blocked_search_finds_what_searchsorted_finds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Keys with runs of equal values (samples sharing a timestamp), queries on and between them.
    keys = np.sort(rng.integers(0, 30_000, size=int(rng.integers(5_000, 40_000)))).astype(np.int64)
    queries = np.sort(np.concatenate((rng.choice(keys, 9_000), rng.integers(-10, 30_010, size=9_000))))
    for side in ("left", "right"):
        np.testing.assert_array_equal(search(keys, queries, side), np.searchsorted(keys, queries, side=side))
        shuffled = rng.permutation(queries)  # not sorted: one plain searchsorted
        np.testing.assert_array_equal(
            search(keys, shuffled, side), np.searchsorted(keys, shuffled, side=side)
        )
    assert len(queries) > 4 * _SEARCH_BLOCK  # several blocks, the last one short
