"""Per-route body limits, checked before the body is parsed: 413 with 21.09's 1000 naming the limit,
for a declared length and for a chunked body; bulk routes take their larger limit; the typed
data-center client splits a batch that does not fit one request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from aops_database.api import api as database_api
from aops_utils import jsonio
from aops_utils.contracts.data_center.checks import RESULTS_MAX_BODY
from aops_utils.data_center import parts
from aops_utils.restful.routes import DEFAULT_MAX_BODY
from tests.aops_database.test_check_results import result
from tests.aops_manager.factories import KEY
from tests.aops_manager.factories import group
from tests.aops_manager.factories import host
from tests.suite import Suite

MIB = 1024 * 1024


def padded(body: dict[str, Any], size: int) -> bytes:
    """`body` as JSON, blown up to `size` bytes with blanks (still valid JSON)."""
    text = jsonio.encode(body)
    return text[:-1] + b" " * (size - len(text)) + b"}"


def post(suite: Suite, path: str, data: Any, acting: str = "") -> requests.Response:
    """A service's call to the data center, acting for `acting`."""
    return requests.post(
        suite.database_url + path,
        data=data,
        headers={"access_token": suite.service_token(acting), "Content-Type": "application/json"},
        timeout=120,
    )


def assert_too_large(reply: requests.Response, limit: int) -> None:
    assert reply.status_code == 413, reply.text
    body = reply.json()
    assert (body["code"], body["field"]) == (1000, "body"), body
    assert f"larger than {limit} bytes" in body["detail"], body


def test_a_body_over_the_default_limit_is_refused_with_413_naming_the_limit(suite: Suite) -> None:
    username, _ = suite.add_user()
    data = padded({"page": 1, "per_page": 10}, DEFAULT_MAX_BODY + 1)
    assert_too_large(post(suite, "/data/host/get", data, username), DEFAULT_MAX_BODY)
    # The same request within the limit is served.
    within = post(suite, "/data/host/get", padded({"page": 1}, DEFAULT_MAX_BODY), username)
    assert within.status_code == 200, within.text


def test_a_chunked_body_is_read_only_up_to_the_limit(suite: Suite) -> None:
    username, _ = suite.add_user()

    def chunks() -> Iterator[bytes]:
        yield b'{"page": 1'
        for _ in range(64):
            yield b" " * 65536
        yield b"}"

    reply = post(suite, "/data/host/get", chunks(), username)
    assert_too_large(reply, DEFAULT_MAX_BODY)


def test_a_bulk_route_takes_its_own_larger_limit_and_no_more(suite: Suite) -> None:
    username, _ = suite.add_user()
    rows = [result(f"h{i:05d}", "rule", start=i, end=i + 60, description="d" * 1000) for i in range(1200)]
    data = jsonio.encode({"check_results": rows})
    assert len(data) > DEFAULT_MAX_BODY
    stored = post(suite, "/data/check/result/save", data, username)
    assert (stored.status_code, stored.json()["saved"]) == (200, 1200), stored.text[:300]

    too_large = padded({"check_results": rows[:1]}, RESULTS_MAX_BODY + 1)
    reply = post(suite, "/data/check/result/save", too_large, username)
    assert_too_large(reply, RESULTS_MAX_BODY)


def test_the_largest_host_add_the_manager_takes_fits_the_data_centers_limit(suite: Suite, token: str) -> None:
    # Distinct private keys of the largest size, so that each host has its own vault (about 4
    # times its key's size): the manager's 1 MiB becomes some 4 MiB for the data center.
    group(suite, token, "big")
    hosts = [host("big", password=None, private_key=f"{i:04d}" + "k" * 12_284) for i in range(83)]
    body = jsonio.encode({"key": KEY, "host_list": hosts})
    assert 0.95 * DEFAULT_MAX_BODY < len(body) <= DEFAULT_MAX_BODY
    status, reply = suite.call("POST", "/manage/host/add", {"key": KEY, "host_list": hosts}, token)
    assert (status, reply["code"]) == (200, 200), str(reply)[:300]
    assert len(reply["host_list"]) == 83


def test_credentials_too_long_to_store_once_encrypted_are_refused_naming_the_field(
    suite: Suite, token: str
) -> None:
    group(suite, token, "wide")
    # YAML writes each of these characters as \\u4E2D: the vault would be some 300 KB.
    entry = host("wide", password=None, private_key="中" * 12_288)
    status, reply = suite.call(
        "POST", "/manage/host/add", {"key": KEY, "host_list": [host("wide"), entry]}, token
    )
    assert (status, reply["code"], reply["field"]) == (400, 1000, "host_list.1.private_key"), reply
    assert "at most 65535" in reply["detail"]
    assert suite.call("POST", "/manage/host/count", token=token)[1]["host_count"] == 0  # type: ignore[call-overload]


def test_every_route_declares_its_limit_in_the_openapi_document(suite: Suite) -> None:
    document = requests.get(f"{suite.database_url}/openapi.json", timeout=30).json()
    for endpoint in database_api.endpoints:
        operation = document["paths"][endpoint.path][endpoint.methods[0].lower()]
        assert operation["x-max-body"] == endpoint.max_body, endpoint.path
    save = document["paths"]["/data/check/result/save"]["post"]
    assert save["x-max-body"] == RESULTS_MAX_BODY > DEFAULT_MAX_BODY
    assert f"at most {RESULTS_MAX_BODY} bytes" in save["requestBody"]["description"]
    # A body whose every field is optional may be left out; one with a required field may not.
    assert document["paths"]["/data/host/get"]["post"]["requestBody"]["required"] is False
    assert save["requestBody"]["required"] is True


def test_a_batch_is_split_into_requests_that_each_fit_the_route() -> None:
    rows = [{"n": i, "text": "x" * 1000} for i in range(100)]
    limit = 20_000
    split = list(parts(rows, limit))
    assert [row for part in split for row in part] == rows
    assert len(split) > 1
    assert all(len(jsonio.encode({"check_results": list(part)})) <= limit for part in split)
    # A row too large on its own goes alone (the route then refuses it), never with others.
    huge = {"n": -1, "text": "y" * 50_000}
    alone = list(parts([rows[0], huge, rows[1]], limit))
    assert alone == [[rows[0]], [huge], [rows[1]]]
    assert list(parts([], limit)) == []
