"""`/check/result/histogram` (beyond 21.09, the web dashboard's chart): a user's results of one
value per rule per time bucket, counted by the data center on the real ES-API server; bounded
buckets; bad input named; each user's results their own."""

from __future__ import annotations

from tests.adoctor_check_scheduler import test_rule_import
from tests.adoctor_check_scheduler.test_rule_import import Scheduler
from tests.suite import Suite
from tests.web.through_nginx import result
from tests.web.through_nginx import save_results

scheduler = test_rule_import.scheduler  # the module's check scheduler on the suite's data center

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
