"""`/data/check/result/*`: results in the real ES-API server's `check_result` index."""

from __future__ import annotations

import time
from typing import Any

from tests.suite import Suite
from tests.suite import data_call as call
from tests.suite import host_ids_paged

DATA_LIST = [{"name": "node_cpu_seconds_total", "type": "kpi", "label": {"mode": "idle"}}]


def result(host: str, item: str, start: float, end: float | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "host_id": host,
        "check_item": item,
        "data_list": DATA_LIST,
        "condition": "$0 > 90",
        "start": start,
        "end": start if end is None else end,
        "value": "Abnormal",
        **extra,
    }


def save(suite: Suite, token: str, *results: dict[str, Any]) -> int:
    status, reply = call(suite, "/data/check/result/save", {"check_results": list(results)}, token=token)
    assert (status, reply["code"]) == (200, 200), reply
    return int(reply["saved"])


def get(suite: Suite, token: str, **body: Any) -> dict[str, Any]:
    status, reply = call(suite, "/data/check/result/get", body, token=token)
    assert status == 200, reply
    return reply


def spans(reply: dict[str, Any]) -> list[tuple[str, str, float]]:
    return [(r["host_id"], r["check_item"], r["start"]) for r in reply["check_result"]]


def test_saved_results_are_read_back_with_every_field(suite: Suite, token: str) -> None:
    series = 'node_cpu_seconds_total{cpu="1",mode="idle"}'
    abnormal = result("h1", "cpu", 100.5, series=series, reason="$0 = 97", plugin="p", description="busy")
    no_data = result("h1", "cpu", 100, 160, value="No data", reason="no data in the time range")
    assert save(suite, token, abnormal, no_data) == 2
    reply = get(suite, token, time_range=[], check_items=[], host_list=[], sort="start")
    assert (reply["total_count"], reply["total_page"]) == (2, 1)
    # Every field comes back: those a result gave as it gave them, the others as their defaults.
    assert reply["check_result"] == [no_data | {"plugin": "", "description": "", "series": ""}, abnormal]


def test_saving_the_same_batch_twice_keeps_one_copy_of_each_result(suite: Suite, token: str) -> None:
    batch = [result(f"h{i % 3}", "cpu", 1000 + i) for i in range(30)]
    assert save(suite, token, *batch) == 30
    assert save(suite, token, *batch) == 30
    assert get(suite, token)["total_count"] == 30


def test_a_later_value_for_the_same_key_replaces_the_stored_one(suite: Suite, token: str) -> None:
    save(
        suite, token, result("h1", "cpu", 0, 60, value="No data"), result("h2", "cpu", 0, 60, value="No data")
    )
    save(suite, token, result("h1", "cpu", 0, 60, value="Internal error", reason="timeout"))
    reply = get(suite, token, sort="check_item")
    values = {(r["host_id"], r["value"], r["reason"]) for r in reply["check_result"]}
    assert values == {("h1", "Internal error", "timeout"), ("h2", "No data", "")}
    # Within one batch the later of two results with one key wins, and is counted once.
    assert save(suite, token, result("h3", "cpu", 5), result("h3", "cpu", 5, value="No data")) == 1
    assert [r["value"] for r in get(suite, token, host_list=["h3"])["check_result"]] == ["No data"]


def test_results_differing_in_series_or_span_are_kept_apart(suite: Suite, token: str) -> None:
    saved = save(
        suite,
        token,
        result("h1", "cpu", 10, series='cpu{cpu="0"}'),
        result("h1", "cpu", 10, series='cpu{cpu="1"}'),
        result("h1", "cpu", 10, 20),
        result("h1", "mem", 10),
        result("h2", "cpu", 10),
    )
    assert saved == 5
    assert get(suite, token)["total_count"] == 5


def test_an_integer_and_a_float_of_the_same_second_are_one_key(suite: Suite, token: str) -> None:
    assert save(suite, token, result("h1", "cpu", 7), result("h1", "cpu", 7.0)) == 1
    save(suite, token, result("h1", "cpu", 7.0, value="No data"))
    [stored] = get(suite, token)["check_result"]
    assert (stored["start"], stored["value"]) == (7, "No data")


def test_the_time_range_selects_results_that_overlap_it(suite: Suite, token: str) -> None:
    windows = {
        "before": (0, 99),
        "touching_start": (50, 100),
        "inside": (120, 130),
        "across": (90, 300),
        "touching_end": (200, 260),
        "after": (201, 260),
    }
    save(suite, token, *(result("h", item, start, end) for item, (start, end) in windows.items()))
    reply = get(suite, token, time_range=[100, 200], sort="check_item")
    assert [r["check_item"] for r in reply["check_result"]] == [
        "across",
        "inside",
        "touching_end",
        "touching_start",
    ]


def test_results_are_filtered_by_host_item_and_value(suite: Suite, token: str) -> None:
    save(
        suite,
        token,
        result("h1", "cpu", 1),
        result("h1", "mem", 2, value="No data"),
        result("h2", "cpu", 3, value="Internal error"),
        result("h3", "disk", 4),
    )
    assert spans(get(suite, token, host_list=["h1"], sort="start")) == [("h1", "cpu", 1), ("h1", "mem", 2)]
    assert spans(get(suite, token, check_items=["cpu"], sort="start")) == [("h1", "cpu", 1), ("h2", "cpu", 3)]
    assert spans(get(suite, token, value="Abnormal", sort="start")) == [("h1", "cpu", 1), ("h3", "disk", 4)]
    combined = get(suite, token, host_list=["h1", "h2"], check_items=["cpu"], value="Internal error")
    assert spans(combined) == [("h2", "cpu", 3)]
    empty = get(suite, token, host_list=["h9"])
    assert (empty["total_count"], empty["total_page"], empty["check_result"]) == (0, 0, [])


def test_results_are_sorted_and_paged(suite: Suite, token: str) -> None:
    save(suite, token, *(result(f"h{i:02d}", f"item{i % 4}", 1000 + i, 2000 - i) for i in range(23)))
    reply = get(suite, token, page=2, per_page=10, sort="start", direction="desc")
    assert (reply["total_count"], reply["total_page"]) == (23, 3)
    assert [r["start"] for r in reply["check_result"]] == list(range(1012, 1002, -1))
    last = get(suite, token, page=3, per_page=10, sort="end")
    assert [r["end"] for r in last["check_result"]] == [1998, 1999, 2000]
    by_item = get(suite, token, sort="check_item", direction="desc")["check_result"]
    items = [r["check_item"] for r in by_item]
    assert items == sorted(items, reverse=True) and len(items) == 23
    # Ties are broken the same way on every page, so pages neither repeat nor skip a result.
    paged = host_ids_paged(
        lambda n: get(suite, token, page=n, per_page=10, sort="check_item")["check_result"], 3
    )
    assert sorted(paged) == sorted(f"h{i:02d}" for i in range(23))


def test_bad_result_bodies_are_refused_naming_the_field(suite: Suite, token: str) -> None:
    cases = [
        ({"check_results": [result("h", "cpu", 1, extra=1)]}, "check_results.0.extra"),
        ({"check_results": [result("h", "cpu", 1, value="Normal")]}, "check_results.0.value"),
        ({"check_results": [result("h", "cpu", "soon")]}, "check_results.0.start"),
        ({"check_results": [result("h", "cpu", 5, 4)]}, "check_results.0"),
        ({"check_results": [result("h", "cpu", -1)]}, "check_results.0.start"),
        ({"check_results": [result("", "cpu", 1)]}, "check_results.0.host_id"),
        ({"check_results": [result("h", "cpu", 1, series="s" * 4097)]}, "check_results.0.series"),
        ({"check_results": [result("h", "cpu", 1, condition="c" * 100_001)]}, "check_results.0.condition"),
        ({"check_results": []}, "check_results"),
        ({}, "check_results"),
    ]
    for body, field in cases:
        status, reply = call(suite, "/data/check/result/save", body, token=token)
        assert (status, reply["code"], reply["field"]) == (400, 1000, field), field
    for path, body, field in [
        ("/data/check/result/get", {"time_range": [1]}, "time_range"),
        ("/data/check/result/get", {"time_range": [5, 1]}, "time_range"),
        ("/data/check/result/get", {"value": "Normal"}, "value"),
        ("/data/check/result/get", {"sort": "value"}, "sort"),
        ("/data/check/result/get", {"per_page": 51, "page": 1}, "per_page"),
        ("/data/check/result/get", {"username": "x"}, "username"),
        ("/data/check/result/count", {"sort": "start"}, "sort"),
        ("/data/check/result/count", {"host_list": "h1"}, "host_list"),
    ]:
        status, reply = call(suite, path, body, token=token)
        assert (status, reply["field"]) == (400, field), (path, body)
    status, reply = call(
        suite, "/data/check/result/delete", {"time_range": [3]}, token=token, method="DELETE"
    )
    assert (status, reply["field"]) == (400, "time_range")
    assert get(suite, token)["total_count"] == 0


def test_delete_removes_only_results_of_those_hosts_and_items_within_the_range(
    suite: Suite, token: str
) -> None:
    save(
        suite,
        token,
        result("h1", "cpu", 100, 160),
        result("h1", "cpu", 90, 160),
        result("h1", "mem", 100, 160),
        result("h2", "cpu", 100, 160),
        result("h1", "cpu", 150, 200),
    )
    body = {"host_list": ["h1"], "check_items": ["cpu"], "time_range": [100, 160]}
    status, reply = call(suite, "/data/check/result/delete", body, token=token, method="DELETE")
    assert (status, reply["deleted"]) == (200, 1)
    remaining = spans(get(suite, token, sort="start"))
    assert ("h1", "cpu", 100) not in remaining and len(remaining) == 4


def test_delete_with_an_empty_list_deletes_nothing_and_without_filters_everything(
    suite: Suite, token: str
) -> None:
    save(suite, token, result("h1", "cpu", 1), result("h2", "mem", 2))
    for body in ({"host_list": []}, {"check_items": [], "host_list": ["h1"]}):
        status, reply = call(suite, "/data/check/result/delete", body, token=token, method="DELETE")
        assert (status, reply["deleted"]) == (200, 0)
    status, reply = call(
        suite, "/data/check/result/delete", {"check_items": ["mem"]}, token=token, method="DELETE"
    )
    assert reply["deleted"] == 1
    status, reply = call(suite, "/data/check/result/delete", {}, token=token, method="DELETE")
    assert (status, reply["deleted"]) == (200, 1)
    assert get(suite, token)["total_count"] == 0


def test_another_user_neither_sees_counts_nor_deletes_the_results(suite: Suite, token: str) -> None:
    save(suite, token, result("h1", "cpu", 1))
    _, other = suite.add_user()
    assert get(suite, other)["total_count"] == 0
    _, counted = call(suite, "/data/check/result/count", token=other)
    assert (counted["total_count"], counted["results"]) == (0, [])
    _, reply = call(suite, "/data/check/result/delete", {}, token=other, method="DELETE")
    assert reply["deleted"] == 0
    # The other user's result with the same key is a document of its own.
    save(suite, other, result("h1", "cpu", 1, value="No data"))
    assert [r["value"] for r in get(suite, token)["check_result"]] == ["Abnormal"]


def test_a_service_saves_results_for_the_user_it_acts_for(suite: Suite, user: tuple[str, str]) -> None:
    username, token = user
    body = {"check_results": [result("h1", "cpu", 1)]}
    status, reply = call(suite, "/data/check/result/save", body, token=suite.service_token(username))
    assert (status, reply["saved"]) == (200, 1)
    assert get(suite, token)["total_count"] == 1


def test_abnormal_results_are_counted_for_every_host_beyond_ten(suite: Suite, token: str) -> None:
    results = [result(f"host{i:02d}", "cpu", t) for i in range(15) for t in range(i + 1)]
    results += [
        result("host00", "cpu", 500, 560, value="No data"),
        result("quiet", "mem", 1, 2, value="No data"),
    ]
    save(suite, token, *results)
    status, reply = call(suite, "/data/check/result/count", {"host_list": []}, token=token)
    assert (status, reply["total_count"], reply["total_page"]) == (200, 15, 1)
    # Unsorted: most abnormal first, as the aggregation gives them.
    assert reply["results"][0] == {"host_id": "host14", "count": 15}
    assert {r["host_id"]: r["count"] for r in reply["results"]} == {f"host{i:02d}": i + 1 for i in range(15)}


def test_counts_are_sorted_paged_and_limited_to_named_hosts(suite: Suite, token: str) -> None:
    counts = {"a": 3, "b": 1, "c": 3, "d": 2}
    save(suite, token, *(result(host, "cpu", t) for host, n in counts.items() for t in range(n)))

    def hosts(**body: Any) -> list[tuple[str, int]]:
        status, reply = call(suite, "/data/check/result/count", body, token=token)
        assert status == 200, reply
        return [(r["host_id"], r["count"]) for r in reply["results"]]

    assert hosts(sort="count") == [("b", 1), ("d", 2), ("a", 3), ("c", 3)]
    assert hosts(sort="count", direction="desc") == [("a", 3), ("c", 3), ("d", 2), ("b", 1)]
    assert hosts(sort="host_id", direction="desc") == [("d", 2), ("c", 3), ("b", 1), ("a", 1 + 2)]
    assert hosts(sort="host_id", page=2, per_page=3) == [("d", 2)]
    assert hosts(host_list=["b", "c", "zz"], sort="host_id") == [("b", 1), ("c", 3)]
    _, paged = call(suite, "/data/check/result/count", {"page": 1, "per_page": 3}, token=token)
    assert (paged["total_count"], paged["total_page"], len(paged["results"])) == (4, 2, 3)


def test_an_unpaged_get_returns_every_one_of_more_than_ten_thousand_results(suite: Suite, token: str) -> None:
    total = 10_200
    started = time.monotonic()
    assert save(suite, token, *(result(f"h{i % 50}", f"item{i % 7}", i) for i in range(total))) == total
    saving = time.monotonic() - started
    started = time.monotonic()
    reply = get(suite, token, time_range=[0, total])
    reading = time.monotonic() - started
    assert (reply["total_count"], reply["total_page"], len(reply["check_result"])) == (total, 1, total)
    assert {r["start"] for r in reply["check_result"]} == set(range(total))
    assert saving < 20 and reading < 20, (saving, reading)
    _, counted = call(suite, "/data/check/result/count", token=token)
    assert (counted["total_count"], sum(r["count"] for r in counted["results"])) == (50, total)
    status, reply = call(
        suite, "/data/check/result/delete", {"time_range": [0, 9_999]}, token=token, method="DELETE"
    )
    assert (status, reply["deleted"]) == (200, 10_000)
    assert get(suite, token)["total_count"] == 200
