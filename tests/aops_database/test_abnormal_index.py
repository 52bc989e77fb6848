"""The abnormal results' index in the relational database (services/abnormal.py) answers the
dashboard's questions as the document store itself does: after saves, saves that change a
result's value, deletes and a refill, on both pairs of stores (MariaDB + the ES-API server, and
SQLite + the SQL document store)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from aops_database.app import DataCenter
from aops_database.services import abnormal
from aops_database.services.check_results import RESULT_INDEX
from aops_utils.contracts.checks import Value
from aops_utils.docstore import Buckets
from aops_utils.docstore import GroupBy
from aops_utils.docstore import GroupOrder
from aops_utils.docstore import Slice
from aops_utils.docstore import SortKey
from aops_utils.docstore import Term
from tests.aops_database.test_check_results import result
from tests.aops_database.test_check_results import save
from tests.conftest import suite_on
from tests.suite import Suite
from tests.suite import data_call as call

HOUR = 3600
# A whole hour, so that results fall on both sides of hour boundaries and on them.
T0 = 1_700_000_000 // HOUR * HOUR
ORDERS = [("count", "desc"), ("count", "asc"), ("host_id", "asc"), ("host_id", "desc"), ("", "asc")]
GROUP_ORDERS = [
    GroupOrder.COUNT_DESC,
    GroupOrder.COUNT_ASC,
    GroupOrder.VALUE_ASC,
    GroupOrder.VALUE_DESC,
    GroupOrder.COUNT_DESC,
]


@pytest.fixture(scope="module", params=["mariadb", "sqlite"])
def suite(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with suite_on(request.param, tmp_path_factory.mktemp(f"abnormal-{request.param}")) as running:
        yield running


def center(suite: Suite) -> DataCenter:
    found: DataCenter = suite.servers["database_app"][0].extensions["aops_database"]
    return found


def ok(suite: Suite, token: str, path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
    status, reply = call(suite, path, body, token=token, method=method)
    assert status == 200, reply
    return reply


def stored(host: int, rule: int, start: float, value: str = "Abnormal", series: str = "") -> dict[str, Any]:
    return result(f"h{host}", f"rule{rule}", start, start + 60, value=value, series=series)


def mixed_results() -> list[dict[str, Any]]:
    """Results of 7 hosts and 3 rules over 5 hours: starts on hour boundaries, one second
    either side of them, and at fractions; a tenth "No data"; series of one rule."""
    results = []
    for n in range(300):
        start = T0 + (n * 617) % (5 * HOUR)
        if n % 11 == 0:
            start = T0 + (n % 5) * HOUR + (n % 3 - 1)  # on a boundary or one second either side
        if n % 13 == 0:
            start += 0.5
        value = "No data" if n % 10 == 0 else "Abnormal"
        results.append(stored(n % 7, n % 3, start, value, series=f"cpu{n % 2}" if n % 3 == 0 else ""))
    return results


def assert_same_as_documents(suite: Suite, username: str, token: str) -> None:
    """Every answer the index gives matches what the document store counts and sorts itself."""
    docs = center(suite).docs
    mine = [Term("username", username), Term("value", Value.ABNORMAL)]
    for (sort, direction), order in zip(ORDERS, GROUP_ORDERS, strict=True):
        for page, per_page in ((1, 10), (2, 3), (None, None)):
            window = Slice() if page is None else Slice((page - 1) * per_page, per_page)
            groups = docs.count_by(RESULT_INDEX, mine, GroupBy("host_id", order, window))
            body = {"sort": sort, "direction": direction, "page": page, "per_page": per_page}
            reply = ok(suite, token, "/data/check/result/count", body)
            assert reply["total_count"] == groups.total, body
            assert [(r["host_id"], r["count"]) for r in reply["results"]] == groups.counts, body
    # The dashboard's 24 buckets of an hour, ranges that start or end between hours, and
    # wider buckets; the end of a range is in its last bucket.
    for first, last, interval in [
        (T0 - HOUR, T0 + 23 * HOUR, HOUR),
        (T0, T0 + 4 * HOUR, HOUR),
        (T0 + 1, T0 + 3 * HOUR - 1, HOUR),
        (T0 - 1800, T0 + 5 * HOUR, 2 * HOUR),
        (T0 + HOUR, T0 + HOUR + 1, 60),
    ]:
        counts = docs.count_by_bucket(
            RESULT_INDEX, mine, Buckets("check_item", "start", first, last, interval)
        )
        body = {"time_range": [first, last], "interval": interval, "value": "Abnormal"}
        reply = ok(suite, token, "/data/check/result/histogram", body)
        assert {s["check_item"]: s["counts"] for s in reply["series"]} == counts, body
    # The latest abnormal results, and pages of them by each sort, filtered as the results page does.
    for sort, direction, extra in [
        ("start", "desc", {}),
        ("start", "asc", {"host_list": ["h1", "h2", "nobody"]}),
        ("end", "desc", {"check_items": ["rule0"]}),
        ("check_item", "asc", {"time_range": [T0 + HOUR, T0 + 2 * HOUR]}),
        ("", "asc", {}),
    ]:
        body = {"value": "Abnormal", "sort": sort, "direction": direction, **extra}
        everything = ok(suite, token, "/data/check/result/get", body)  # unpaged: the documents'
        for page in (1, 2, 5):
            reply = ok(suite, token, "/data/check/result/get", body | {"page": page, "per_page": 8})
            assert reply["total_count"] == everything["total_count"], body
            assert reply["check_result"] == everything["check_result"][(page - 1) * 8 : page * 8], body
    latest = docs.search(RESULT_INDEX, mine, [SortKey("start", descending=True)], Slice(0, 1))
    newest = ok(
        suite, token, "/data/check/result/get", {"value": "Abnormal", "sort": "start", "direction": "desc"}
    )
    assert [r["start"] for r in newest["check_result"][:1]] == [h.source["start"] for h in latest.hits]


def test_counts_histograms_and_latest_match_the_documents_after_saves_and_value_changes(
    suite: Suite, user: tuple[str, str]
) -> None:
    username, token = user
    results = mixed_results()
    save(suite, token, *results)
    assert_same_as_documents(suite, username, token)
    # A window checked again: some abnormal results come back as No data and the other way
    # round, others unchanged; a replay of the same batch changes nothing.
    changed = [r | {"value": "No data" if r["value"] == "Abnormal" else "Abnormal"} for r in results[::4]]
    save(suite, token, *changed)
    save(suite, token, *changed)
    assert_same_as_documents(suite, username, token)
    total = sum(
        1
        for r in {
            (r["host_id"], r["check_item"], r["series"], r["start"]): r for r in results + changed
        }.values()
        if r["value"] == "Abnormal"
    )
    assert (
        ok(suite, token, "/data/check/result/get", {"value": "Abnormal", "page": 1, "per_page": 1})[
            "total_count"
        ]
        == total
    )


def test_deletes_leave_the_index_matching_the_documents(suite: Suite, user: tuple[str, str]) -> None:
    username, token = user
    save(suite, token, *mixed_results())
    for body in [
        {"host_list": ["h1", "h2"], "check_items": ["rule0"], "time_range": [T0 + HOUR, T0 + 3 * HOUR + 60]},
        {"check_items": ["rule1"], "time_range": [T0 - 1, T0 + HOUR + 59.5]},
        {"host_list": ["h3"]},
    ]:
        deleted = ok(suite, token, "/data/check/result/delete", body, method="DELETE")["deleted"]
        assert deleted > 0, body
        assert_same_as_documents(suite, username, token)
    ok(suite, token, "/data/check/result/delete", {}, method="DELETE")
    assert ok(suite, token, "/data/check/result/count", {})["results"] == []
    assert (
        ok(
            suite,
            token,
            "/data/check/result/histogram",
            {"time_range": [T0, T0 + 5 * HOUR], "interval": HOUR},
        )["series"]
        == []
    )


def test_another_users_results_are_neither_counted_nor_deleted(suite: Suite, user: tuple[str, str]) -> None:
    username, token = user
    other, other_token = suite.add_user()
    save(suite, token, *mixed_results())
    save(suite, other_token, stored(1, 1, T0), stored(2, 1, T0 + HOUR))
    ok(suite, other_token, "/data/check/result/delete", {}, method="DELETE")
    assert_same_as_documents(suite, username, token)
    assert_same_as_documents(suite, other, other_token)


def test_a_refill_indexes_the_abnormal_results_stored_before_the_index(
    suite: Suite, user: tuple[str, str]
) -> None:
    username, token = user
    save(suite, token, *mixed_results())
    data_center = center(suite)
    index = data_center.abnormal
    # As a database made before the index was: the results are there, the index empty.
    index.drop_index(abnormal.ABNORMAL_INDEX)
    assert ok(suite, token, "/data/check/result/count", {})["results"] == []
    expected = data_center.docs.count(RESULT_INDEX, [Term("value", Value.ABNORMAL)])
    assert abnormal.refill(data_center.docs, RESULT_INDEX, index) == expected > 0
    assert_same_as_documents(suite, username, token)
    # Once filled, a refill leaves it alone.
    assert abnormal.refill(data_center.docs, RESULT_INDEX, index) == 0
