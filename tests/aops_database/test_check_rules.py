"""`/data/check/rule/*`: rules upserted by (user, name) on MariaDB, listed, counted, deleted."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.suite import Suite
from tests.suite import data_call


def call(
    suite: Suite, path: str, body: Any = None, *, token: str, method: str = "POST", acting: str = ""
) -> tuple[int, dict[str, Any]]:
    token = suite.service_token(acting) if acting else token
    return data_call(suite, path, body, token=token, method=method, timeout=60)


def rule(name: str, **extra: Any) -> dict[str, Any]:
    return {"check_item": name, "data_list": [{"name": "node_load1"}], "condition": "$0 > 1", **extra}


def add(suite: Suite, token: str, *rules: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return call(suite, "/data/check/rule/add", {"check_items": list(rules)}, token=token)


def names(suite: Suite, token: str, **body: Any) -> list[str]:
    status, reply = call(suite, "/data/check/rule/get", body, token=token)
    assert status == 200, reply
    return [item["check_item"] for item in reply["check_items"]]


def count(suite: Suite, token: str) -> int:
    status, reply = call(suite, "/data/check/rule/count", token=token)
    assert status == 200, reply
    return int(reply["rule_count"])


def test_added_rules_are_listed_by_name_with_their_defaults_filled_in(suite: Suite, token: str) -> None:
    status, reply = add(
        suite,
        token,
        rule("mem", description="memory", plugin="expression_rule_plugin"),
        rule("cpu", data_list=[{"name": "node_cpu_seconds_total", "type": "kpi", "label": {"mode": "idle"}}]),
    )
    assert (status, reply["code"]) == (200, 200)
    assert reply["succeed_list"] == ["mem", "cpu"]
    assert (reply["update_list"], reply["fail_list"]) == ([], [])
    status, listing = call(suite, "/data/check/rule/get", {"check_items": []}, token=token)
    assert status == 200
    assert (listing["total_count"], listing["total_page"]) == (2, 1)
    assert listing["check_items"] == [
        {
            "check_item": "cpu",
            "data_list": [{"name": "node_cpu_seconds_total", "type": "kpi", "label": {"mode": "idle"}}],
            "condition": "$0 > 1",
            "description": "",
            "plugin": "",
        },
        {
            "check_item": "mem",
            "data_list": [{"name": "node_load1", "type": "kpi", "label": {}}],
            "condition": "$0 > 1",
            "description": "memory",
            "plugin": "expression_rule_plugin",
        },
    ]


def test_adding_a_known_name_replaces_that_rule_and_reports_it_as_updated(suite: Suite, token: str) -> None:
    add(suite, token, rule("a"), rule("b"))
    status, reply = add(suite, token, rule("b", condition="$0 < 5", description="new"), rule("c"))
    assert status == 200
    assert (reply["succeed_list"], reply["update_list"]) == (["c"], ["b"])
    _, listing = call(suite, "/data/check/rule/get", {"check_items": ["b"]}, token=token)
    [stored] = listing["check_items"]
    assert (stored["condition"], stored["description"]) == ("$0 < 5", "new")
    assert count(suite, token) == 3


def test_a_name_twice_in_one_call_is_refused_naming_it_and_nothing_is_stored(
    suite: Suite, token: str
) -> None:
    status, reply = add(suite, token, rule("x"), rule("y"), rule("x"))
    assert (status, reply["code"], reply["field"]) == (400, 1000, "check_items.2.check_item")
    assert "also at index 0" in reply["detail"]
    # MySQL's comparison ignores trailing spaces, so these two would be one row there.
    status, reply = add(suite, token, rule("z"), rule("z "))
    assert (status, reply["field"]) == (400, "check_items.1.check_item")
    assert count(suite, token) == 0


def test_names_that_differ_only_in_case_are_two_rules(suite: Suite, token: str) -> None:
    status, reply = add(suite, token, rule("Disk"), rule("disk"))
    assert (status, reply["succeed_list"]) == (200, ["Disk", "disk"])
    assert names(suite, token, check_items=["disk"]) == ["disk"]


def test_an_unknown_field_is_refused_naming_it(suite: Suite, token: str) -> None:
    status, reply = call(suite, "/data/check/rule/add", {"check_items": [rule("a")], "extra": 1}, token=token)
    assert (status, reply["code"], reply["field"]) == (400, 1000, "extra")
    status, reply = add(suite, token, rule("a", data_list=[{"name": "n", "unit": "s"}]))
    assert (status, reply["field"]) == (400, "check_items.0.data_list.0.unit")
    status, reply = call(suite, "/data/check/rule/get", {"username": "other"}, token=token)
    assert (status, reply["field"]) == (400, "username")
    status, reply = call(suite, "/data/check/rule/count", {"check_items": []}, token=token)
    assert (status, reply["field"]) == (400, "check_items")


def test_a_value_of_the_wrong_type_is_refused_naming_the_field(suite: Suite, token: str) -> None:
    cases = [
        (rule("a", data_list="node_load1"), "check_items.0.data_list"),
        (rule("a", data_list=[{"name": "n", "type": "metric"}]), "check_items.0.data_list.0.type"),
        (rule("a", data_list=[{"name": "n", "label": {"k": 1}}]), "check_items.0.data_list.0.label.k"),
        (rule("a", condition=5), "check_items.0.condition"),
        ({"check_item": "a", "data_list": [{"name": "n"}]}, "check_items.0.condition"),
    ]
    for body, field in cases:
        status, reply = add(suite, token, body)
        assert (status, reply["code"], reply["field"]) == (400, 1000, field), body
    status, reply = call(suite, "/data/check/rule/add", {"check_items": "a"}, token=token)
    assert (status, reply["field"]) == (400, "check_items")
    assert count(suite, token) == 0


def test_empty_and_oversized_values_are_refused_naming_the_field(suite: Suite, token: str) -> None:
    cases = [
        (rule(""), "check_items.0.check_item"),
        (rule("n" * 129), "check_items.0.check_item"),
        (rule("a", condition=""), "check_items.0.condition"),
        (rule("a", condition="x" * 100_001), "check_items.0.condition"),
        (rule("a", data_list=[]), "check_items.0.data_list"),
        (rule("a", data_list=[{"name": "n"}] * 101), "check_items.0.data_list"),
        (rule("a", data_list=[{"name": "n" * 257}]), "check_items.0.data_list.0.name"),
        (rule("a", description="d" * 1025), "check_items.0.description"),
        (rule("a", plugin="p" * 129), "check_items.0.plugin"),
    ]
    for body, field in cases:
        status, reply = add(suite, token, body)
        assert (status, reply["field"]) == (400, field), field
    status, reply = call(suite, "/data/check/rule/add", {"check_items": []}, token=token)
    assert (status, reply["field"]) == (400, "check_items")
    status, reply = call(
        suite, "/data/check/rule/delete", {"check_items": ["a"] * 10_001}, token=token, method="DELETE"
    )
    assert (status, reply["field"]) == (400, "check_items")
    assert count(suite, token) == 0


def test_a_condition_of_100000_characters_is_stored_whole(suite: Suite, token: str) -> None:
    condition = "$0 > 1 && " * 9_999 + "$0 > 1"
    condition += " " * (100_000 - len(condition))
    assert add(suite, token, rule("long", condition=condition))[0] == 200
    _, listing = call(suite, "/data/check/rule/get", {"check_items": ["long"]}, token=token)
    assert listing["check_items"][0]["condition"] == condition


def test_rules_are_paged_and_sorted_by_name_both_ways(suite: Suite, token: str) -> None:
    every = [f"r{i:02d}" for i in range(25)]
    add(suite, token, *(rule(name) for name in reversed(every)))
    status, page = call(suite, "/data/check/rule/get", {"page": 2, "per_page": 10}, token=token)
    assert status == 200
    assert (page["total_count"], page["total_page"]) == (25, 3)
    assert [item["check_item"] for item in page["check_items"]] == every[10:20]
    body = {"page": 1, "per_page": 10, "sort": "check_item", "direction": "desc"}
    assert names(suite, token, **body) == every[::-1][:10]
    assert names(suite, token, page=3, per_page=10) == every[20:]
    _, beyond = call(suite, "/data/check/rule/get", {"page": 4, "per_page": 10}, token=token)
    assert (beyond["total_count"], beyond["total_page"], beyond["check_items"]) == (25, 3, [])
    # Paging needs both fields, as in 21.09: one alone lists everything.
    assert names(suite, token, page=2) == every


def test_paging_fields_out_of_range_are_refused(suite: Suite, token: str) -> None:
    for body, field in [
        ({"page": 0, "per_page": 10}, "page"),
        ({"page": 1, "per_page": 51}, "per_page"),
        ({"sort": "condition"}, "sort"),
        ({"direction": "up"}, "direction"),
    ]:
        status, reply = call(suite, "/data/check/rule/get", body, token=token)
        assert (status, reply["field"]) == (400, field)


def test_listing_named_rules_returns_those_that_exist(suite: Suite, token: str) -> None:
    add(suite, token, rule("a"), rule("b"), rule("c"))
    assert names(suite, token, check_items=["c", "a", "missing", "a"]) == ["a", "c"]
    _, listing = call(suite, "/data/check/rule/get", {"check_items": ["missing"]}, token=token)
    assert (listing["total_count"], listing["total_page"], listing["check_items"]) == (0, 0, [])


def test_a_user_without_rules_lists_and_counts_nothing(suite: Suite, token: str) -> None:
    _, listing = call(suite, "/data/check/rule/get", token=token)
    assert (listing["total_count"], listing["total_page"], listing["check_items"]) == (0, 0, [])
    assert count(suite, token) == 0


def test_rules_are_deleted_by_name_and_the_reply_names_those_that_existed(suite: Suite, token: str) -> None:
    add(suite, token, rule("a"), rule("b"), rule("c"))
    status, reply = call(
        suite, "/data/check/rule/delete", {"check_items": ["c", "zz", "a", "c"]}, token=token, method="DELETE"
    )
    assert (status, reply["code"], reply["deleted"]) == (207, 206, ["c", "a"])
    assert (reply["succeed_list"], reply["fail_list"], reply["detail"]) == (
        ["c", "a"],
        ["zz"],
        "no such check item: zz",
    )
    assert names(suite, token) == ["b"]
    status, reply = call(suite, "/data/check/rule/delete", {"check_items": []}, token=token, method="DELETE")
    assert (status, reply["deleted"]) == (200, [])
    status, reply = call(
        suite, "/data/check/rule/delete", {"check_items": ["b"]}, token=token, method="DELETE"
    )
    assert (status, reply["code"], reply["succeed_list"], reply["fail_list"]) == (200, 200, ["b"], [])
    assert count(suite, token) == 0


def test_another_user_neither_sees_nor_deletes_the_rules(suite: Suite, token: str) -> None:
    add(suite, token, rule("mine"))
    _, other = suite.add_user()
    assert names(suite, other) == []
    assert names(suite, other, check_items=["mine"]) == []
    assert count(suite, other) == 0
    status, reply = call(
        suite, "/data/check/rule/delete", {"check_items": ["mine"]}, token=other, method="DELETE"
    )
    assert (status, reply["code"], reply["deleted"], reply["fail_list"]) == (404, 1103, [], ["mine"])
    # The same name is free for the other user: it is a new rule of theirs, not an update.
    assert add(suite, other, rule("mine"))[1]["succeed_list"] == ["mine"]
    assert names(suite, token) == ["mine"]


def test_a_service_acting_for_a_user_works_on_that_users_rules(suite: Suite, user: tuple[str, str]) -> None:
    username, token = user
    service = suite.service_token()
    status, reply = call(
        suite, "/data/check/rule/add", {"check_items": [rule("svc")]}, token=service, acting=username
    )
    assert (status, reply["succeed_list"]) == (200, ["svc"])
    assert names(suite, token) == ["svc"]
    status, reply = call(suite, "/data/check/rule/count", token=service)
    assert (status, reply["code"]) == (401, 1201)


def test_a_call_without_a_token_is_refused(suite: Suite) -> None:
    reply = requests.post(f"{suite.database_url}/data/check/rule/get", json={}, timeout=30)
    assert (reply.status_code, reply.json()["code"]) == (401, 1201)


def test_ten_thousand_rules_are_added_in_one_call_within_seconds(suite: Suite, token: str) -> None:
    rules = [rule(f"rule{i:05d}", description=f"rule number {i}") for i in range(10_000)]
    started = time.monotonic()
    status, reply = add(suite, token, *rules)
    elapsed = time.monotonic() - started
    assert (status, len(reply["succeed_list"])) == (200, 10_000)
    assert elapsed < 5, f"adding 10,000 rules took {elapsed:.2f} s"
    started = time.monotonic()
    status, reply = add(suite, token, *rules)
    assert (status, len(reply["update_list"]), reply["succeed_list"]) == (200, 10_000, [])
    assert time.monotonic() - started < 5
    assert count(suite, token) == 10_000
    _, listing = call(suite, "/data/check/rule/get", token=token)
    assert (listing["total_count"], len(listing["check_items"])) == (10_000, 10_000)
    assert listing["check_items"][-1]["description"] == "rule number 9999"
