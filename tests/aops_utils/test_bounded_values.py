"""Paging and time values within bounds, names without control characters: a 400 naming the
field (page 2**61 and huge timestamps answered 500; a name with a newline was stored), with the
bounds and the name pattern in the OpenAPI documents.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from aops_utils.contracts.data_center.checks import MAX_TIMESTAMP
from aops_utils.contracts.data_center.hosts import AddUserBody
from aops_utils.errors import ParamError
from aops_utils.restful.paging import MAX_PAGE
from aops_utils.restful.validation import parse
from tests.aops_database.test_check_rules import rule
from tests.aops_database.test_diag_trees import tree
from tests.aops_manager.factories import KEY
from tests.aops_manager.factories import host
from tests.suite import Suite
from tests.suite import data_call

HUGE = 2**61
UP = {"host_id": "127.0.0.1", "data_list": [{"name": "up"}]}
TASK = {
    "task_id": "a" * 32,
    "time": 1_600_000_000,
    "host_list": ["h"],
    "tree_list": ["t"],
    "time_range": [0, 60],
    "interval": 60,
    "expected_report_num": 1,
}


def refused(status: int, reply: dict[str, Any], field: str) -> str:
    assert (status, reply["code"]) == (400, 1000), reply
    assert field in (reply.get("field"), *(e["field"] for e in reply.get("errors", []))), reply
    return str(reply["detail"])


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/data/host/get", {"page": HUGE, "per_page": 50}, "page"),
        ("/data/host/group/get", {"page": MAX_PAGE + 1, "per_page": 1}, "page"),
        ("/data/check/result/get", {"time_range": [0, 1e300]}, "time_range.1"),
        ("/data/diag/task/get", {"time_range": [HUGE, HUGE + 1]}, "time_range.0"),
        ("/data/diag/task/save", {**TASK, "time_range": [0.0, 1.7e308]}, "time_range.1"),
        ("/data/diag/task/save", {**TASK, "time": 2**40}, "time"),
        ("/data/data/get", {"time_range": [0, 2**40], "data_infos": [UP]}, "time_range.1"),
    ],
)
def test_paging_and_time_values_past_their_bounds_are_refused_naming_the_field(
    suite: Suite, token: str, path: str, body: dict[str, Any], field: str
) -> None:
    status, reply = data_call(suite, path, body, token=token)
    refused(status, reply, field)


def test_the_last_page_allowed_is_an_empty_page(suite: Suite, token: str) -> None:
    status, reply = data_call(suite, "/data/host/get", {"page": MAX_PAGE, "per_page": 50}, token=token)
    assert (status, reply["host_infos"]) == (200, []), reply


def test_the_manager_refuses_a_page_past_the_bound(suite: Suite, token: str) -> None:
    status, reply = suite.call("POST", "/manage/host/get", {"page": HUGE, "per_page": 10}, token)
    refused(status, reply, "page")


@pytest.mark.parametrize("name", ["a\nb", "tab\there", "nul\x00", "esc\x1b[31m", "c1\x85", "line\u2028sep"])
def test_a_group_name_with_a_control_character_is_refused_naming_the_field(
    suite: Suite, token: str, name: str
) -> None:
    status, reply = suite.call("POST", "/manage/host/group/add", {"host_group_name": name}, token)
    assert "control characters" in refused(status, reply, "host_group_name")
    status, groups = suite.call("POST", "/manage/host/group/get", {}, token)
    assert groups["host_group_infos"] == [], groups


def test_names_of_every_kind_refuse_control_characters(suite: Suite, token: str) -> None:
    entry = {**host("web"), "host_name": "web\n01"}
    status, reply = suite.call("POST", "/manage/host/add", {"key": KEY, "host_list": [entry]}, token)
    refused(status, reply, "host_list.0.host_name")

    status, reply = data_call(
        suite, "/data/check/rule/add", {"check_items": [rule("cpu\r\nhigh")]}, token=token
    )
    refused(status, reply, "check_items.0.check_item")

    status, reply = data_call(suite, "/data/diag/tree/add", {"trees": [tree("t\x00")]}, token=token)
    refused(status, reply, "trees.0.tree_name")

    # Users are added by `aops-database user add`, which checks the body the same way.
    with pytest.raises(ParamError) as refusal:
        parse(AddUserBody, {"username": "eve\nINFO admin logged in", "password": "Passw0rd!"})
    assert refusal.value.field == "username"


def test_the_openapi_documents_show_the_bounds_and_the_name_pattern(suite: Suite) -> None:
    manager = requests.get(f"{suite.manager_url}/openapi.json", timeout=30).json()["components"]["schemas"]
    data = requests.get(f"{suite.database_url}/openapi.json", timeout=30).json()["components"]["schemas"]
    assert manager["GetHostsBody"]["properties"]["page"]["anyOf"][0]["maximum"] == MAX_PAGE
    pattern = manager["HostEntry"]["properties"]["host_name"]["pattern"]
    for schema, field in (
        (manager["AddGroupBody"], "host_group_name"),
        (data["Rule"], "check_item"),
        (data["Tree"], "tree_name"),
        (AddUserBody.model_json_schema(), "username"),
    ):
        assert schema["properties"][field]["pattern"] == pattern, field
    assert data["SaveTaskBody"]["properties"]["time"]["maximum"] == MAX_TIMESTAMP
    assert data["GetDataBody"]["properties"]["time_range"]["items"]["maximum"] == MAX_TIMESTAMP
