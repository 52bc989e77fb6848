"""Rules refused at import are listed per item with the problem, the others stored; big imports pass.

The check scheduler runs on the module's MariaDB + ES-API suite with an in-memory bus and no
schedule: every request here goes through its HTTP API.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.schedulers import check_scheduler
from tests.suite import Suite


@dataclass
class Scheduler:
    url: str

    def call(
        self,
        path: str,
        body: Any = None,
        *,
        token: str | None,
        method: str = "POST",
        data: bytes | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, dict[str, Any]]:
        """One request; returns (HTTP status, envelope). `data` is sent as raw bytes."""
        headers = {"Content-Type": content_type}
        if token is not None:
            headers["access_token"] = token
        reply = requests.request(method, self.url + path, json=body, data=data, headers=headers, timeout=120)
        assert "Traceback" not in reply.text, reply.text
        return reply.status_code, dict(reply.json())

    def count(self, token: str) -> int:
        status, reply = self.call("/check/rule/count", token=token)
        assert status == 200, reply
        return int(reply["rule_count"])


@pytest.fixture(scope="module")
def scheduler(suite: Suite) -> Iterator[Scheduler]:
    """The check scheduler on a free port, on the suite's data center, with an in-memory bus."""
    with check_scheduler(suite.conf_dir) as served:
        yield Scheduler(served.url)


def rule(name: str, condition: str = "$0 > 1", metric: str = "node_load1") -> dict[str, Any]:
    return {"check_item": name, "data_list": [{"name": metric, "type": "kpi"}], "condition": condition}


def alternatives(count: int) -> str:
    """`$0 > 1 || ...` with `count` alternatives as a balanced tree (a flat chain nests too deep)."""
    if count == 1:
        return "$0 > 1"
    return f"({alternatives(count // 2)} || {alternatives(count - count // 2)})"


def padded(condition: str, size: int) -> str:
    assert len(condition) <= size
    return condition + " " * (size - len(condition))


def stored(scheduler: Scheduler, token: str) -> dict[str, str]:
    """The user's rules as {name: condition}."""
    status, reply = scheduler.call("/check/rule/get", {}, token=token)
    assert status == 200, reply
    return {r["check_item"]: r["condition"] for r in reply["check_items"]}


@pytest.mark.parametrize(
    ("condition", "problem", "position"),
    [
        pytest.param(
            "$0 > (1",
            "expected ')' to close the '(' at position 5 but found end of condition at position 7",
            7,
            id="unparsable",
        ),
        pytest.param(
            "$1 > 0", "$1 is beyond the data_list, which has 1 item(s) at position 0", 0, id="macro"
        ),
        pytest.param("$0.nope() > 1", "unknown function 'nope' (known: abschange, avg,", 3, id="function"),
        pytest.param("$0.max(5m, 2) > 1", "max() takes 1 argument (2 given) at position 3", 3, id="arity"),
    ],
)
def test_a_bad_condition_is_listed_naming_the_rule_the_problem_and_its_position_and_the_rest_is_stored(
    scheduler: Scheduler, token: str, condition: str, problem: str, position: int
) -> None:
    assert scheduler.call("/check/rule/import", {"check_items": [rule("kept")]}, token=token)[0] == 200
    body = {"check_items": [rule("kept", "$0 > 99"), rule("fresh"), rule("bad", condition)]}
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    assert (status, reply["code"], reply["msg"]) == (207, 206, "partial succeed"), reply
    assert (reply["succeed_list"], reply["update_list"]) == (["fresh"], ["kept"])
    [failed] = reply["fail_list"]
    assert failed["reason"].startswith(f"condition: {problem}"), failed
    assert {k: failed[k] for k in ("check_item", "index", "field", "position")} == {
        "check_item": "bad",
        "index": 2,
        "field": "check_items.2.condition",
        "position": position,
    }
    assert stored(scheduler, token) == {"kept": "$0 > 99", "fresh": "$0 > 1"}


def test_when_every_rule_is_bad_nothing_is_stored_and_the_answer_is_400_naming_the_first(
    scheduler: Scheduler, token: str
) -> None:
    body = {"check_items": [rule("one", "$0 > (1"), rule("two", "$1 > 0")]}
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    assert (status, reply["code"]) == (400, 1000), reply
    assert reply["field"] == "check_items.0.condition"
    assert reply["detail"].startswith("rule one: condition: expected ')'"), reply["detail"]
    assert [f["check_item"] for f in reply["fail_list"]] == ["one", "two"]
    assert reply["succeed_list"] == reply["update_list"] == []
    assert scheduler.count(token) == 0


def test_a_data_list_that_does_not_fit_the_function_is_refused_naming_the_rule(
    scheduler: Scheduler, token: str
) -> None:
    logs = {**rule("logs", "$0.max(5m) > 1"), "data_list": [{"name": "messages", "type": "log"}]}
    status, reply = scheduler.call("/check/rule/import", {"check_items": [logs]}, token=token)
    assert status == 400 and reply["code"] == 1000, reply
    assert reply["field"] == "check_items.0.condition"
    assert reply["detail"].startswith("rule logs: condition: max() needs a kpi item but $0 is log"), reply
    assert scheduler.count(token) == 0


def test_an_unknown_plugin_is_refused_on_the_plugin_field(scheduler: Scheduler, token: str) -> None:
    body = {"check_items": [{**rule("odd"), "plugin": "no_such_plugin"}]}
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    assert status == 400 and reply["code"] == 1000, reply
    assert reply["field"] == "check_items.0.plugin"
    assert reply["detail"] == (
        "rule odd: plugin: unknown plugin 'no_such_plugin' (registered: expression_rule_plugin)"
    )
    assert scheduler.count(token) == 0


def test_a_kpi_name_outside_the_prometheus_grammar_is_one_failed_item_naming_the_field(
    scheduler: Scheduler, token: str
) -> None:
    body = {"check_items": [rule("fine"), rule("sly", metric='node_load1{instance=~".+"} #')]}
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    assert (status, reply["code"], reply["succeed_list"]) == (207, 206, ["fine"]), reply
    (failed,) = reply["fail_list"]
    assert (failed["check_item"], failed["index"], failed["field"]) == (
        "sly",
        1,
        "check_items.1.data_list.0.name",
    )
    assert "Prometheus metric name" in failed["reason"], failed
    assert scheduler.count(token) == 1


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"condition": ""}, "check_items.1.condition", id="blank-condition"),
        pytest.param({"data_list": []}, "check_items.1.data_list", id="no-data"),
        pytest.param({"surprise": 1}, "check_items.1.surprise", id="unknown-field"),
        pytest.param({"check_item": 7}, "check_items.1.check_item", id="name-not-text"),
    ],
)
def test_an_item_the_rule_schema_refuses_fails_alone(
    scheduler: Scheduler, token: str, bad: dict[str, Any], field: str
) -> None:
    body = {"check_items": [rule("fine"), rule("bad") | bad, rule("also")]}
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    assert (status, reply["code"], reply["succeed_list"]) == (207, 206, ["fine", "also"]), reply
    (failed,) = reply["fail_list"]
    assert (failed["index"], failed["field"]) == (1, field), failed
    assert scheduler.count(token) == 2


def test_when_every_item_fails_the_schema_the_answer_names_the_first(
    scheduler: Scheduler, token: str
) -> None:
    body = {"check_items": [rule("a") | {"condition": ""}, {"check_item": "b"}]}
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    assert (status, reply["code"], reply["field"]) == (400, 1000, "check_items.0.condition"), reply
    assert [f["index"] for f in reply["fail_list"]] == [0, 1]
    assert scheduler.count(token) == 0


@pytest.mark.parametrize(
    ("second", "shown"),
    [pytest.param("dup", "'dup'", id="exact"), pytest.param("dup ", "'dup '", id="trailing-space")],
)
def test_a_name_twice_in_one_import_keeps_the_first_and_lists_the_second(
    scheduler: Scheduler, token: str, second: str, shown: str
) -> None:
    body = {"check_items": [rule("dup"), rule("other"), rule(second, "$0 > 2")]}
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    assert (status, reply["code"]) == (207, 206), reply
    assert reply["succeed_list"] == ["dup", "other"]
    [failed] = reply["fail_list"]
    assert failed["field"] == "check_items.2.check_item"
    # MariaDB ignores trailing spaces, so the second spelling is the same rule; it is quoted.
    assert failed["reason"] == f"duplicate check item {shown} (also at index 0)"
    assert stored(scheduler, token) == {"dup": "$0 > 1", "other": "$0 > 1"}


def test_rules_are_deleted_per_item_and_unknown_names_are_listed(scheduler: Scheduler, token: str) -> None:
    imported = {"check_items": [rule("a"), rule("b")]}
    assert scheduler.call("/check/rule/import", imported, token=token)[0] == 200
    body = {"check_items": ["a", "nope"]}
    status, reply = scheduler.call("/check/rule/delete", body, token=token, method="DELETE")
    assert (status, reply["code"], reply["succeed_list"], reply["fail_list"]) == (207, 206, ["a"], ["nope"])
    assert reply["detail"] == "no such check item: nope"
    status, reply = scheduler.call("/check/rule/delete", {"check_items": ["a"]}, token=token, method="DELETE")
    assert (status, reply["code"], reply["fail_list"]) == (404, 1103, ["a"]), reply
    assert stored(scheduler, token) == {"b": "$0 > 1"}


def test_ten_thousand_rules_are_imported_at_once_within_thirty_seconds(
    scheduler: Scheduler, token: str
) -> None:
    body = {"check_items": [rule(f"r{i:05d}", f"$0.avg(5m) > {i} || $0 < -{i}") for i in range(10_000)]}
    began = time.monotonic()
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    took = time.monotonic() - began
    assert status == 200 and reply["code"] == 200, reply
    assert len(reply["succeed_list"]) == 10_000 and reply["update_list"] == []
    assert took < 30, f"10,000 rules took {took:.1f} s"
    assert scheduler.count(token) == 10_000
    status, page = scheduler.call(
        "/check/rule/get", {"check_items": ["r09999"], "page": 1, "per_page": 10}, token=token
    )
    assert status == 200 and page["check_items"][0]["condition"] == "$0.avg(5m) > 9999 || $0 < -9999"


def test_ten_thousand_and_one_rules_are_refused_as_too_many(scheduler: Scheduler, token: str) -> None:
    body = {"check_items": [rule(f"r{i}") for i in range(10_001)]}
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    assert status == 400 and reply["code"] == 1000, reply
    assert reply["field"] == "check_items" and "10000" in reply["detail"]
    assert scheduler.count(token) == 0


def test_a_100_kb_condition_is_refused_naming_the_limit(scheduler: Scheduler, token: str) -> None:
    huge = padded(alternatives(8000), 102_400)
    body = {"check_items": [rule("small"), rule("huge", huge)]}
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    assert (status, reply["code"], reply["succeed_list"]) == (207, 206, ["small"]), reply
    (failed,) = reply["fail_list"]
    assert failed["field"] == "check_items.1.condition"
    assert "100000 characters" in failed["reason"], failed
    assert stored(scheduler, token) == {"small": "$0 > 1"}


def test_a_condition_just_within_the_limit_is_imported(scheduler: Scheduler, token: str) -> None:
    long = padded(alternatives(8000), 100_000)
    status, reply = scheduler.call("/check/rule/import", {"check_items": [rule("long", long)]}, token=token)
    assert status == 200, reply
    assert stored(scheduler, token) == {"long": long}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        pytest.param(b'{"check_items": [{"check_item": "caf\xe9"}]}', "not valid JSON", id="not-utf-8"),
        pytest.param(b"check_items=a&b", "not valid JSON", id="not-json"),
        pytest.param(b'{"check_items": [', "not valid JSON", id="truncated"),
        pytest.param(b'[{"check_item": "a"}]', "must be a JSON object", id="array"),
        pytest.param(b'"rules"', "must be a JSON object", id="string"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400_envelope(
    scheduler: Scheduler, token: str, data: bytes, problem: str
) -> None:
    status, reply = scheduler.call("/check/rule/import", data=data, token=token)
    assert status == 400, reply
    assert reply["code"] == 1000 and reply["field"] == "body" and problem in reply["detail"], reply
    assert scheduler.count(token) == 0


def test_a_body_that_is_not_json_by_content_type_is_a_415(scheduler: Scheduler, token: str) -> None:
    status, reply = scheduler.call(
        "/check/rule/import", data=b'{"check_items": []}', token=token, content_type="text/plain"
    )
    assert status == 415, reply
    assert reply["code"] == 1000 and reply["field"] == "body"
    assert reply["detail"] == "content type must be application/json, got text/plain"


def test_unknown_and_missing_fields_are_named(scheduler: Scheduler, token: str) -> None:
    body = {"check_items": [{**rule("a"), "colour": "red"}]}
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    assert (status, reply["field"], reply["detail"]) == (
        400,
        "check_items.0.colour",
        "rule a: colour: is not a known field",
    )
    body = {"check_items": [{"check_item": "a", "condition": "$0 > 1"}]}
    status, reply = scheduler.call("/check/rule/import", body, token=token)
    assert (status, reply["field"]) == (400, "check_items.0.data_list")
    status, reply = scheduler.call("/check/rule/import", {"check_items": []}, token=token)
    assert (status, reply["field"]) == (400, "check_items")
    assert scheduler.count(token) == 0


def test_without_a_token_every_route_is_401_code_1201(scheduler: Scheduler) -> None:
    for path, body, method in [
        ("/check/rule/import", {"check_items": [rule("a")]}, "POST"),
        ("/check/rule/get", {}, "POST"),
        ("/check/rule/count", None, "POST"),
        ("/check/rule/delete", {"check_items": ["a"]}, "DELETE"),
        ("/check/result/get", {}, "POST"),
        ("/check/rule/test", {"check_item": "a", "time_range": [0, 60]}, "POST"),
    ]:
        status, reply = scheduler.call(path, body, token=None, method=method)
        assert (status, reply["code"]) == (401, 1201), (path, reply)
    status, reply = scheduler.call("/check/rule/count", token="not-a-token")
    assert (status, reply["code"]) == (401, 1201), reply


def test_another_users_rules_are_invisible_and_untouchable(
    suite: Suite, scheduler: Scheduler, token: str
) -> None:
    _, other = suite.add_user()
    assert scheduler.call("/check/rule/import", {"check_items": [rule("secret")]}, token=token)[0] == 200
    assert stored(scheduler, other) == {} and scheduler.count(other) == 0
    status, reply = scheduler.call("/check/rule/get", {"check_items": ["secret"]}, token=other)
    assert status == 200 and reply["check_items"] == []
    status, reply = scheduler.call(
        "/check/rule/test", {"check_item": "secret", "time_range": [0, 60]}, token=other
    )
    assert (status, reply["code"]) == (404, 1000), reply
    scheduler.call("/check/rule/delete", {"check_items": ["secret"]}, token=other, method="DELETE")
    # The same name is the other user's own rule, not a clash.
    assert (
        scheduler.call("/check/rule/import", {"check_items": [rule("secret", "$0 > 5")]}, token=other)[0]
        == 200
    )
    assert stored(scheduler, token) == {"secret": "$0 > 1"}
    assert stored(scheduler, other) == {"secret": "$0 > 5"}


def test_rule_test_needs_exactly_one_of_a_stored_or_an_inline_rule(scheduler: Scheduler, token: str) -> None:
    now = int(time.time())
    for body in (
        {"check_item": "a", "rule": rule("a"), "time_range": [now - 60, now]},
        {"time_range": [now - 60, now]},
    ):
        status, reply = scheduler.call("/check/rule/test", body, token=token)
        assert (status, reply["code"]) == (400, 1000), reply
        assert "give either check_item (a stored rule) or rule (an inline rule)" in reply["detail"]


def test_rule_test_of_an_unknown_stored_rule_is_404(scheduler: Scheduler, token: str) -> None:
    now = int(time.time())
    body = {"check_item": "nope", "time_range": [now - 60, now]}
    status, reply = scheduler.call("/check/rule/test", body, token=token)
    assert (status, reply["code"], reply["field"]) == (404, 1000, "check_item"), reply
    assert reply["detail"] == "check item nope does not exist"


def test_rule_test_on_an_unknown_host_is_404(scheduler: Scheduler, token: str) -> None:
    now = int(time.time())
    body = {"rule": rule("a"), "host_list": ["f" * 32], "time_range": [now - 60, now]}
    status, reply = scheduler.call("/check/rule/test", body, token=token)
    assert (status, reply["code"], reply["field"]) == (404, 1000, "host_list"), reply
    assert reply["detail"] == f"unknown hosts: {'f' * 32}"


def test_rule_test_of_a_bad_inline_rule_names_the_problem(scheduler: Scheduler, token: str) -> None:
    now = int(time.time())
    body = {"rule": rule("bad", "$0 >"), "time_range": [now - 60, now]}
    status, reply = scheduler.call("/check/rule/test", body, token=token)
    assert (status, reply["code"], reply["field"]) == (400, 1000, "rule.condition"), reply
    assert reply["detail"] == "rule bad: condition: unexpected end of condition at position 4"


def test_rule_test_over_more_than_seven_days_or_backwards_is_400(scheduler: Scheduler, token: str) -> None:
    now = int(time.time())
    week = 7 * 24 * 3600
    status, reply = scheduler.call(
        "/check/rule/test", {"rule": rule("a"), "time_range": [now - week - 1, now]}, token=token
    )
    assert (status, reply["code"]) == (400, 1000), reply
    assert "time_range may span at most 7 days" in reply["detail"]
    status, reply = scheduler.call(
        "/check/rule/test", {"rule": rule("a"), "time_range": [now, now - 60]}, token=token
    )
    assert (status, reply["field"]) == (400, "time_range"), reply
    assert "start must not be after end" in reply["detail"]
    # Exactly seven days, on a user without hosts: nothing to check, nothing wrong.
    status, reply = scheduler.call(
        "/check/rule/test", {"rule": rule("a"), "time_range": [now - week, now]}, token=token
    )
    assert status == 200 and reply["total_count"] == 0, reply


# A 21.09 rule file with one bad rule among 21.

RULE_FILE_2109 = Path(__file__).parent / "data" / "check_rules_2109.json"


def test_a_2109_rule_file_with_one_bad_rule_imports_its_20_good_rules_and_names_the_bad_one(
    scheduler: Scheduler, token: str
) -> None:
    rules = json.loads(RULE_FILE_2109.read_text())
    assert len(rules["check_items"]) == 21
    status, reply = scheduler.call("/check/rule/import", rules, token=token)
    assert (status, reply["code"], reply["msg"]) == (207, 206, "partial succeed"), reply
    good = [r["check_item"] for r in rules["check_items"] if r["check_item"] != "prometheus_up"]
    assert (reply["succeed_list"], reply["update_list"]) == (good, [])
    assert reply["fail_list"] == [
        {
            "check_item": "prometheus_up",
            "index": 12,
            "field": "check_items.12.condition",
            "reason": (
                "condition: unknown name 'prom_up' (data items are referred to as $0..$0) at position 0"
            ),
            "position": 0,
        }
    ]
    assert "prometheus_up" in reply["detail"]
    assert sorted(stored(scheduler, token)) == sorted(good)
    assert scheduler.count(token) == 20
