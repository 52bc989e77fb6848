"""Bad input: each is a 4xx naming the field, with the 21.09 code, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.aops_manager.factories import KEY
from tests.aops_manager.factories import count
from tests.aops_manager.factories import group
from tests.aops_manager.factories import host
from tests.suite import Suite


def _add_body(**over: Any) -> dict[str, Any]:
    entry = host("web")
    entry.update(over)
    return {"key": KEY, "host_list": [{k: v for k, v in entry.items() if v is not ...}]}


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("missing field", _add_body(public_ip=...), "host_list.0.public_ip"),
    ("wrong type", _add_body(ssh_port="twenty-two"), "host_list.0.ssh_port"),
    ("wrong type for a name", _add_body(host_name=12), "host_list.0.host_name"),
    ("unknown field", _add_body(colour="blue"), "host_list.0.colour"),
    ("oversize string", _add_body(host_name="h" * 51), "host_list.0.host_name"),
    ("blank name", _add_body(host_name="   "), "host_list.0.host_name"),
    ("invalid IP", _add_body(public_ip="10.0.0.300"), "host_list.0.public_ip"),
    ("port out of range", _add_body(ssh_port=65536), "host_list.0.ssh_port"),
    ("port zero", _add_body(ssh_port=0), "host_list.0.ssh_port"),
    ("no way to log in", _add_body(password=..., private_key=...), "host_list.0"),
    ("empty host list", {"key": KEY, "host_list": []}, "host_list"),
    ("missing key", {"host_list": _add_body()["host_list"]}, "key"),
    ("a list instead of an object", {"key": KEY, "host_list": ["h1"]}, "host_list.0"),
]


@pytest.mark.parametrize(("case", "body", "field"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_host_add_names_the_field_and_stores_nothing(
    suite: Suite, token: str, case: str, body: dict[str, Any], field: str
) -> None:
    group(suite, token, "web")
    status, reply = suite.call("POST", "/manage/host/add", body, token)
    assert (status, reply["code"], reply["msg"]) == (400, 1000, "request parameter error"), reply
    assert reply["field"] == field
    assert field in str(reply["detail"])
    assert count(suite, token) == 0


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/manage/host/get", {"per_page": 51}, "per_page"),
        ("/manage/host/get", {"page": 0}, "page"),
        ("/manage/host/get", {"sort": "public_ip"}, "sort"),
        ("/manage/host/get", {"direction": "up"}, "direction"),
        ("/manage/host/get", {"host_group_list": "web"}, "host_group_list"),
        ("/manage/host/group/add", {"host_group_name": ""}, "host_group_name"),
        ("/manage/host/group/add", {"host_group_name": "g", "description": "d" * 257}, "description"),
        ("/manage/host/group/get", {"sort": "description"}, "sort"),
        ("/manage/host/info/query", {"host_list": "abc"}, "host_list"),
        ("/manage/account/certificate", {"key": ""}, "key"),
        ("/manage/account/change", {}, "password"),
        ("/manage/host/count", {"anything": 1}, "anything"),
    ],
)
def test_bad_fields_on_other_routes_are_named(
    suite: Suite, token: str, path: str, body: dict[str, Any], field: str
) -> None:
    status, reply = suite.call("POST", path, body, token)
    assert (status, reply["code"], reply["field"]) == (400, 1000, field)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("DELETE", "/manage/host/delete", {"host_list": []}),
        ("DELETE", "/manage/host/group/delete", {"host_group_list": []}),
    ],
)
def test_an_empty_list_for_a_delete_is_refused(
    suite: Suite, token: str, method: str, path: str, body: dict[str, Any]
) -> None:
    status, reply = suite.call(method, path, body, token)
    assert (status, reply["code"]) == (400, 1000)


def _raw(suite: Suite, token: str, data: bytes, content_type: str) -> requests.Response:
    return requests.post(
        f"{suite.manager_url}/manage/host/add",
        data=data,
        headers={"access_token": token, "Content-Type": content_type},
        timeout=30,
    )


def test_invalid_json_is_a_400(suite: Suite, token: str) -> None:
    reply = _raw(suite, token, b'{"key": "k", "host_list": [', "application/json")
    assert (reply.status_code, reply.json()["code"], reply.json()["field"]) == (400, 1000, "body")
    assert "not valid JSON" in reply.json()["detail"]


def test_a_json_array_body_is_a_400(suite: Suite, token: str) -> None:
    reply = _raw(suite, token, b"[1, 2]", "application/json")
    assert (reply.status_code, reply.json()["code"]) == (400, 1000)


def test_a_wrong_content_type_is_a_415(suite: Suite, token: str) -> None:
    reply = _raw(suite, token, b"key=k", "application/x-www-form-urlencoded")
    assert (reply.status_code, reply.json()["code"]) == (415, 1000)
    assert "application/json" in reply.json()["detail"]


def test_a_one_megabyte_body_is_a_413_and_stores_nothing(suite: Suite, token: str) -> None:
    group(suite, token, "web")
    filler = "x" * (1024 * 1024)
    body = ('{"key": "k", "host_list": [{"host_name": "' + filler + '"}]}').encode()
    reply = _raw(suite, token, body, "application/json")
    assert (reply.status_code, reply.json()["code"]) == (413, 1000)
    assert "larger than" in reply.json()["detail"]
    assert count(suite, token) == 0


def test_an_unknown_path_and_a_wrong_method_answer_in_the_envelope(suite: Suite, token: str) -> None:
    reply = requests.post(f"{suite.manager_url}/manage/nothing", json={}, timeout=10)
    assert (reply.status_code, reply.json()["code"]) == (404, 1000)
    reply = requests.get(f"{suite.manager_url}/manage/host/get", timeout=10)
    assert (reply.status_code, reply.json()["code"]) == (405, 1000)


def test_no_answer_ever_carries_a_traceback(suite: Suite, token: str) -> None:
    for data in (b"\xff\xfe", b"null", b'{"key": null}', b'{"host_list": {"a": 1}}'):
        reply = _raw(suite, token, data, "application/json")
        assert 400 <= reply.status_code < 500
        assert "Traceback" not in reply.text
