"""Every service serves a valid OpenAPI document listing every route it answers."""

from __future__ import annotations

import requests
from openapi_spec_validator import validate

from aops_database.api import api as database_api
from aops_manager.api import api as manager_api
from tests.suite import Suite


def test_the_manager_and_the_data_center_publish_valid_documents(suite: Suite) -> None:
    for url, api in ((suite.manager_url, manager_api), (suite.database_url, database_api)):
        document = requests.get(f"{url}/openapi.json", timeout=10).json()
        validate(document)
        listed = {(path, method) for path, ops in document["paths"].items() for method in ops}
        for endpoint in api.endpoints:
            for path in (endpoint.path, *endpoint.aliases):
                for method in endpoint.methods:
                    assert (path, method.lower()) in listed


def test_the_manager_documents_the_2109_paths() -> None:
    paths = {e.path for e in manager_api.endpoints} | {a for e in manager_api.endpoints for a in e.aliases}
    assert {
        "/manage/account/login",
        "/manage/account/change",
        "/manage/account/certificate",
        "/manage/account/logout",
        "/manage/logout",
        "/manage/host/add",
        "/manage/host/delete",
        "/manage/host/get",
        "/manage/host/count",
        "/manage/host/info/query",
        "/manage/host/group/add",
        "/manage/host/group/delete",
        "/manage/host/group/get",
    } <= paths


def test_a_request_model_appears_with_its_limits(suite: Suite) -> None:
    document = requests.get(f"{suite.manager_url}/openapi.json", timeout=10).json()
    entry = document["components"]["schemas"]["HostEntry"]
    assert entry["properties"]["ssh_port"]["maximum"] == 65535
    assert "host_name" in entry["required"]
