"""Route table rows of the accounts, check and monitoring-data routes (see test_routes.py)."""

from __future__ import annotations

from tests.adoctor_diag_executor.test_coverage import record
from tests.aops_database.route_kinds import counting
from tests.aops_database.route_kinds import deleting
from tests.aops_database.route_kinds import listing
from tests.aops_database.route_world import NODE_IP
from tests.aops_database.route_world import NOW
from tests.aops_database.route_world import SERVICE_STATE
from tests.aops_database.route_world import Reply
from tests.aops_database.route_world import Route
from tests.aops_database.route_world import World
from tests.aops_database.route_world import new_id
from tests.aops_database.route_world import refused
from tests.aops_database.test_check_retries import window
from tests.aops_database.test_check_rules import rule


def _result_host(w: World) -> str:
    """Adds a result of rule r1; returns its host."""
    return str(w.add_result()["host_id"])


def _node_load(w: World) -> Reply:
    w.add_host(NODE_IP)
    return {
        "time_range": [NOW - 120, NOW],
        "data_infos": [{"host_id": NODE_IP, "data_list": [{"name": "node_load1"}]}],
    }


ROUTES = [
    # Accounts
    Route(
        "/data/account/login",
        lambda w: {"username": w.owner[0], "password": "Passw0rd!"},
        lambda w, r, b: r["code"] == 200 and r["access_token"],
        {"username": "x"},
        "password",
        refused,
    ),
    Route(
        "/data/account/logout",
        lambda w: None,
        lambda w, r, b: w.owner_call("/data/account/verify")[0] == 401,
        {"x": 1},
        "x",
        lambda w, r, b: r["code"] == 200 and w.ok("/data/account/verify")["username"] == w.owner[0],
    ),
    Route(
        "/data/account/change",
        lambda w: {"password": "N3w-Passw0rd!", "old_password": "Passw0rd!"},
        lambda w, r, b: r["code"] == 200 and w.owner_call("/data/account/verify")[0] == 401,
        {"password": 5, "old_password": "Passw0rd!"},
        "password",
        # The other user changes their own password: the owner's session lives on.
        lambda w, r, b: w.ok("/data/account/verify")["username"] == w.owner[0],
    ),
    Route(
        "/data/account/verify",
        lambda w: None,
        lambda w, r, b: r["username"] == w.owner[0],
        {"x": 1},
        "x",
        lambda w, r, b: r["username"] == w.other[0],
    ),
    # Check rules and results
    Route(
        "/data/check/rule/add",
        lambda w: (w.add_rule(), {"check_items": [rule("r1", condition="$0 > 2")]})[1],
        lambda w, r, b: r["update_list"] == ["r1"] and w.rule_conditions() == {"r1": "$0 > 2"},
        {"check_items": [{"check_item": "r", "data_list": "x", "condition": "$0 > 1"}]},
        "check_items.0.data_list",
        lambda w, r, b: r["update_list"] == [] and w.rule_conditions() == {"r1": "$0 > 1"},
    ),
    deleting(
        "/data/check/rule/delete",
        "check_items",
        World.add_rule,
        lambda w: list(w.rule_conditions()),
        {"check_items": "r1"},
        "check_items",
    ),
    listing(
        "/data/check/rule/get",
        World.add_rule,
        "check_items",
        "check_item",
        {"sort": "nope"},
        "sort",
        names=["r1"],
    ),
    counting("/data/check/rule/count", World.add_rule, "rule_count"),
    Route(
        "/data/check/result/save",
        lambda w: {"check_results": [dict(w.add_result(), value="No data")]},
        lambda w, r, b: [x["value"] for x in w.results()] == ["No data"],
        {"check_results": [{"host_id": "h"}]},
        "check_results.0.check_item",
        lambda w, r, b: [x["value"] for x in w.results()] == ["Abnormal"],
    ),
    Route(
        "/data/check/result/delete",
        lambda w: {"host_list": [_result_host(w)], "check_items": ["r1"], "time_range": [0, NOW]},
        lambda w, r, b: w.results() == [],
        {"time_range": ["x", 1]},
        "time_range.0",
        lambda w, r, b: len(w.results()) == 1,
    ),
    listing(
        "/data/check/result/get",
        _result_host,
        "check_result",
        "host_id",
        {"value": "Sometimes"},
        "value",
        asked="host_list",
    ),
    listing(
        "/data/check/result/count",
        _result_host,
        "results",
        "host_id",
        {"sort": "nope"},
        "sort",
        asked="host_list",
    ),
    Route(
        "/data/check/result/histogram",
        lambda w: (w.add_result(), {"time_range": [900, 1200], "interval": 100})[1],
        # The result starting at 1000 counts in the second of the three buckets.
        lambda w, r, b: (
            r["starts"] == [900, 1000, 1100] and r["series"] == [{"check_item": "r1", "counts": [0, 1, 0]}]
        ),
        {"time_range": [0, 1_000_000], "interval": 1},
        "interval",
        lambda w, r, b: r["code"] == 200 and r["series"] == [],
    ),
    # The check scheduler's state and retry queue: services only
    Route(
        "/data/check/state/get",
        lambda w: (
            w.service("/data/check/state/set", {"state": {SERVICE_STATE: 7}}),
            {"names": [SERVICE_STATE]},
        )[1],
        lambda w, r, b: r["state"] == {SERVICE_STATE: 7},
        {"names": "x"},
        "names",
        refused,
    ),
    Route(
        "/data/check/state/set",
        lambda w: {"state": {SERVICE_STATE: 8}},
        lambda w, r, b: w.service("/data/check/state/get", {"names": [SERVICE_STATE]})["state"] == b["state"],
        {"state": {}},
        "state",
        refused,
    ),
    Route(
        "/data/check/retry/add",
        lambda w: {"retries": [window(w.owner[0], due_at=NOW + 10**6)], "max_attempts": 3},
        lambda w, r, b: len(r["added"]) == 1,
        {"retries": [window("x")], "max_attempts": -1},
        "max_attempts",
        refused,
    ),
    Route(
        "/data/check/retry/due",
        lambda w: {"now": 0, "limit": 10, "lease": 60},
        lambda w, r, b: r["retries"] == [],
        {"now": 0, "limit": 0, "lease": 60},
        "limit",
        refused,
    ),
    Route(
        "/data/check/retry/delete",
        lambda w: {"retry_ids": [new_id()]},
        lambda w, r, b: r["deleted"] == 0,
        {"retry_ids": ["not an id"]},
        "retry_ids.0",
        refused,
    ),
    Route(
        "/data/check/retry/trim",
        lambda w: {"max_dead": 10**6, "discount": 0.5},
        lambda w, r, b: r["deleted"] == 0,
        {"max_dead": 10, "discount": 2},
        "discount",
        refused,
    ),
    Route(
        "/data/check/retry/get",
        lambda w: {"dead": True},
        lambda w, r, b: isinstance(r["retries"], list),
        {"dead": "sometimes"},
        "dead",
        refused,
    ),
    # What check tasks evaluated, per user: services only (other users: test_check_coverage.py)
    Route(
        "/data/check/coverage/save",
        lambda w: {"coverage": [record(0, 60, ["h1"], ("cpu", "1" * 32, []))]},
        lambda w, r, b: (
            r["saved"] == 1
            and w.service(
                "/data/check/coverage/get",
                {"time_range": [0, 60], "check_items": ["cpu"], "host_list": ["h1"]},
            )["coverage"]
            == b["coverage"]
        ),
        {"coverage": [record(60, 0, ["h1"], ("cpu", "1" * 32, []))]},
        "coverage.0.time_range",
        refused,
    ),
    Route(
        "/data/check/coverage/get",
        lambda w: (
            w.service(
                "/data/check/coverage/save", {"coverage": [record(0, 60, ["h1"], ("cpu", "2" * 32, []))]}
            ),
            {"time_range": [0, 60], "check_items": ["cpu"], "host_list": ["h1"]},
        )[1],
        lambda w, r, b: r["coverage"] == [record(0, 60, ["h1"], ("cpu", "2" * 32, []))],
        {"time_range": [0, 60], "check_items": [], "host_list": ["h1"]},
        "check_items",
        refused,
    ),
    # Monitoring data: kept per address, served only for the addresses of the user's hosts
    Route(
        "/data/data/get",
        _node_load,
        lambda w, r, b: r["code"] == 200 and r["succeed_list"][0]["host_id"] == NODE_IP,
        {"time_range": [NOW, NOW - 60, 5], "data_infos": []},
        "time_range",
        # The address is a host of the owner only: the other user gets a per-item failure.
        lambda w, r, b: (
            r["code"] == 1104
            and r["succeed_list"] == []
            and [f["reason"] for f in r["fail_list"]] == ["not a host of yours"]
        ),
    ),
    Route(
        "/data/log/save",
        lambda w: {"logs": [{"host_ip": "10.9.9.8", "data_item": "dmesg", "timestamp": NOW, "message": "m"}]},
        lambda w, r, b: r["code"] == 200,
        {"logs": [{"host_ip": "not an address", "data_item": "dmesg", "timestamp": NOW, "message": "m"}]},
        "logs.0.host_ip",
        refused,
    ),
]
