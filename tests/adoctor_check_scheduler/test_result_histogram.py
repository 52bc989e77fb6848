"""`/check/result/histogram` (beyond 21.09, the web dashboard's chart): a user's results of one
value per rule per time bucket, counted by the data center on both document stores (the real
ES-API server, the SQL store on SQLite); bounded buckets; bad input named; each user's results
their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.adoctor_check_scheduler import test_rule_import
from tests.adoctor_check_scheduler.test_rule_import import Scheduler
from tests.conftest import suite_on
from tests.suite import Suite
from tests.web.through_nginx import result
from tests.web.through_nginx import save_results

scheduler = test_rule_import.scheduler  # the module's check scheduler on the suite's data center


@pytest.fixture(scope="module", params=["mariadb", "sqlite"])
def suite(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with suite_on(request.param, tmp_path_factory.mktemp(f"histogram-{request.param}")) as running:
        yield running


T0 = 1_700_000_000


def test_results_are_counted_per_rule_per_bucket_of_their_start(suite: Suite, scheduler: Scheduler) -> None:
    username, token = suite.add_user()
    other, other_token = suite.add_user()
    save_results(
        suite,
        username,
        [
            result("h1", "cpu", T0 + 10),
            result("h2", "cpu", T0 + 3599),
            result("h1", "load", T0 + 3600),
            result("h1", "load", T0 + 7200),  # the range's last second: the last bucket
            result("h1", "cpu", T0 + 20, value="No data"),
            result("h1", "cpu", T0 - 1),  # began before the range
            result("h1", "cpu", T0 + 7201),  # after it
        ],
    )
    save_results(suite, other, [result("h9", "theirs", T0 + 30)])
    body = {"time_range": [T0, T0 + 7200], "interval": 3600}

    status, reply = scheduler.call("/check/result/histogram", body, token=token)
    assert (status, reply["code"]) == (200, 200), reply
    assert reply["starts"] == [T0, T0 + 3600] and reply["interval"] == 3600
    assert reply["series"] == [
        {"check_item": "cpu", "counts": [2, 0]},
        {"check_item": "load", "counts": [0, 2]},
    ]
    status, reply = scheduler.call("/check/result/histogram", body | {"value": "No data"}, token=token)
    assert reply["series"] == [{"check_item": "cpu", "counts": [1, 0]}], reply
    status, reply = scheduler.call("/check/result/histogram", body, token=other_token)
    assert reply["series"] == [{"check_item": "theirs", "counts": [1, 0]}], reply


def test_bad_input_is_refused_naming_the_field(suite: Suite, scheduler: Scheduler) -> None:
    _, token = suite.add_user()
    for body, field in [
        ({"time_range": [T0, T0 + 86400], "interval": 60}, "interval"),  # 1,440 buckets
        ({"time_range": [T0, T0 + 86400], "interval": 0}, "interval"),
        ({"time_range": [T0 + 10, T0], "interval": 60}, "time_range"),
        ({"time_range": [T0], "interval": 60}, "time_range"),
        ({"time_range": [T0, T0 + 60], "interval": 60, "value": "Normal"}, "value"),
        ({"interval": 60}, "time_range"),
    ]:
        status, reply = scheduler.call("/check/result/histogram", body, token=token)
        assert (status, reply["code"], reply.get("field")) == (400, 1000, field), (body, reply)
    status, reply = scheduler.call(
        "/check/result/histogram", {"time_range": [T0, T0 + 60], "interval": 60}, token=None
    )
    assert status == 401, reply


def test_the_counts_match_the_stored_results_bucket_by_bucket(suite: Suite, scheduler: Scheduler) -> None:
    # 5,000 s in 600 s buckets: eight whole ones and a last one of 200 s that includes the end.
    first, last, interval = T0 + 17, T0 + 5017, 600
    starts = [first - 50, first, last, last + 1] + [first + (n * 389) % 5000 for n in range(300)]
    starts += [first + k * interval + edge for k in range(1, 9) for edge in (-1, 0)]
    username, token = suite.add_user()
    other, _ = suite.add_user()
    stored = [result(f"h{n % 7}", f"rule{n % 4}", start) for n, start in enumerate(starts)]
    save_results(suite, username, [*stored, result("h1", "rule0", first + 10, value="No data")])
    save_results(suite, other, [result("h1", "rule0", first + 10 * n) for n in range(20)])
    expected: dict[str, list[int]] = {}
    for row in stored:
        if first <= row["start"] <= last:
            slot = min((row["start"] - first) // interval, 8)
            expected.setdefault(row["check_item"], [0] * 9)[slot] += 1

    status, reply = scheduler.call(
        "/check/result/histogram", {"time_range": [first, last], "interval": interval}, token=token
    )
    assert (status, reply["code"]) == (200, 200), reply
    assert reply["starts"] == list(range(first, last, interval))
    assert reply["series"] == [{"check_item": rule, "counts": expected[rule]} for rule in sorted(expected)]
    assert sum(sum(s["counts"]) for s in reply["series"]) == len(starts) - 2
