"""Host groups through HTTP against MariaDB."""

from __future__ import annotations

from tests.aops_manager.factories import add
from tests.aops_manager.factories import group
from tests.aops_manager.factories import host
from tests.suite import Suite


def test_a_group_name_is_unique_per_user(suite: Suite, token: str) -> None:
    group(suite, token, "web")
    status, body = suite.call(
        "POST", "/manage/host/group/add", {"host_group_name": "web", "description": ""}, token
    )
    assert (status, body["code"], body["msg"]) == (409, 1105, "data has existed")


def test_groups_list_with_live_host_counts_sorted_and_paged(suite: Suite, token: str) -> None:
    for name in ("a", "b", "c"):
        group(suite, token, name)
    add(suite, token, host("b"), host("b"), host("c"))
    body = suite.call("POST", "/manage/host/group/get", {"sort": "host_count", "direction": "desc"}, token)[1]
    assert [(g["host_group_name"], g["host_count"]) for g in body["host_group_infos"]] == [
        ("b", 2),
        ("c", 1),
        ("a", 0),
    ]
    body = suite.call(
        "POST", "/manage/host/group/get", {"sort": "host_group_name", "page": 2, "per_page": 2}, token
    )[1]
    assert [g["host_group_name"] for g in body["host_group_infos"]] == ["c"]
    assert (body["total_count"], body["total_page"]) == (3, 2)


def test_groups_are_deleted_per_item_and_those_holding_hosts_are_kept_with_1106(
    suite: Suite, token: str
) -> None:
    for name in ("empty", "full"):
        group(suite, token, name)
    ids = add(suite, token, host("full"))[1]["host_list"]
    status, body = suite.call(
        "DELETE", "/manage/host/group/delete", {"host_group_list": ["empty", "full", "unknown"]}, token
    )
    assert (status, body["code"], body["deleted"], body["kept"]) == (207, 206, ["empty"], ["full"])
    assert (body["succeed_list"], body["fail_list"]) == (["empty"], ["full", "unknown"])
    assert body["detail"] == "these groups still hold hosts: full; no such host group: unknown"
    status, body = suite.call("DELETE", "/manage/host/group/delete", {"host_group_list": ["full"]}, token)
    assert (status, body["code"], body["kept"], body["fail_list"]) == (409, 1106, ["full"], ["full"])
    status, body = suite.call("DELETE", "/manage/host/group/delete", {"host_group_list": ["unknown"]}, token)
    assert (status, body["code"], body["fail_list"]) == (404, 1103, ["unknown"])
    suite.call("DELETE", "/manage/host/delete", {"host_list": ids}, token)
    status, body = suite.call("DELETE", "/manage/host/group/delete", {"host_group_list": ["full"]}, token)
    assert (status, body["code"], body["deleted"]) == (200, 200, ["full"])
    assert suite.call("POST", "/manage/host/group/get", {}, token)[1]["total_count"] == 0


def test_host_counts_do_not_drift_after_rejected_duplicates(suite: Suite, token: str) -> None:
    group(suite, token, "g")
    first = host("g")
    add(suite, token, first)
    add(suite, token, dict(first))
    body = suite.call("POST", "/manage/host/group/get", {}, token)[1]
    assert body["host_group_infos"][0]["host_count"] == 1
