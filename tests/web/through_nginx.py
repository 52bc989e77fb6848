"""Calls to the services as the browser makes them: through nginx, under `/api`, with the
session token in `Access-Token`; and check results stored as the check executor stores them."""

from __future__ import annotations

from typing import Any

import requests

from tests.suite import Suite
from tests.suite import data_call

DATA_LIST = [{"name": "node_load1", "type": "kpi"}]


def api_call(url: str, path: str, body: Any, token: str, method: str = "POST") -> tuple[int, dict[str, Any]]:
    """One request to `url` + `/api` + `path`; returns (HTTP status, decoded envelope)."""
    reply = requests.request(
        method, f"{url}/api{path}", json=body, headers={"Access-Token": token}, timeout=60
    )
    envelope: dict[str, Any] = reply.json()
    return reply.status_code, envelope


def rule(name: str, condition: str = "$0 > 1") -> dict[str, Any]:
    return {"check_item": name, "data_list": DATA_LIST, "condition": condition}


def result(host_id: str, item: str, start: int, value: str = "Abnormal") -> dict[str, Any]:
    return {
        "host_id": host_id,
        "check_item": item,
        "data_list": DATA_LIST,
        "condition": "$0 > 1",
        "start": start,
        "end": start + 60,
        "value": value,
    }


def save_results(suite: Suite, username: str, results: list[dict[str, Any]]) -> None:
    """Store `results` for `username` as the check executor does (a service token acting for
    the user): the data center takes at most 1,000 per call."""
    token = suite.service_token(username)
    for first in range(0, len(results), 1000):
        status, reply = data_call(
            suite, "/data/check/result/save", {"check_results": results[first : first + 1000]}, token=token
        )
        assert status == 200, reply
