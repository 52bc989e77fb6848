"""The routing of `aops standalone`'s web port (aops_cli/webui.py), on WSGI applications that
record what reaches them: the 21.09 prefixes, the prefix removed, the client's address."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from aops_cli import webui


class Recording:
    """A WSGI application that answers 200 and keeps the environ of each request."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.seen.append(environ)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [self.name.encode()]


@pytest.fixture
def apps() -> dict[str, Recording]:
    names = (webui.MANAGER, webui.CHECK_SCHEDULER, webui.DIAG_SCHEDULER)
    return {name: Recording(name) for name in names}


@pytest.fixture
def client(apps: dict[str, Recording], tmp_path: Path) -> Client:
    (tmp_path / "index.html").write_text('<div id="app"></div>')
    return Client(webui.WebUI(tmp_path, apps))


@pytest.mark.parametrize(
    ("path", "service", "inner"),
    [
        ("/api/manage/host/get", webui.MANAGER, "/manage/host/get"),
        ("/api/check/rule/get", webui.CHECK_SCHEDULER, "/check/rule/get"),
        ("/api/diag/report/get_list", webui.DIAG_SCHEDULER, "/diag/report/get_list"),
        ("/api/openapi.json", webui.MANAGER, "/openapi.json"),
        ("/api/data/anything", webui.MANAGER, "/data/anything"),
    ],
)
def test_each_path_reaches_its_service_without_the_prefix(
    client: Client, apps: dict[str, Recording], path: str, service: str, inner: str
) -> None:
    reply = client.post(path, json={}, query_string="a=1")
    assert reply.status_code == 200
    assert reply.text == service
    [environ] = apps[service].seen
    assert environ["PATH_INFO"] == inner
    assert environ["QUERY_STRING"] == "a=1"


def test_the_services_see_the_address_of_the_client_not_what_it_claims(
    client: Client, apps: dict[str, Recording]
) -> None:
    client.post(
        "/api/manage/host/get",
        headers={"X-Forwarded-For": "203.0.113.9"},
        environ_overrides={"REMOTE_ADDR": "192.0.2.7"},
    )
    [environ] = apps[webui.MANAGER].seen
    assert environ["HTTP_X_FORWARDED_FOR"] == "192.0.2.7"
    assert environ["REMOTE_ADDR"] == "192.0.2.7"


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/domain/queryDomain", webui.CONFIG_TRACING),
        ("/api/host/getHost", webui.CONFIG_TRACING),
        ("/api/confs/syncConf", webui.CONFIG_TRACING),
        ("/api/management/getManagementConf", webui.CONFIG_TRACING),
        ("/api/gala-spider/api/v1/get_entities", webui.TOPOLOGY),
    ],
)
def test_a_service_that_is_not_running_answers_1001(client: Client, path: str, service: str) -> None:
    assert webui.service_for(path) == service
    reply = client.post(path, json={})
    assert reply.status_code == 503
    assert reply.json is not None
    assert reply.json["code"] == 1001
    assert service in reply.json["detail"]


def test_other_paths_are_the_web(client: Client, apps: dict[str, Recording]) -> None:
    for path in ("/", "/api", "/hosts", "/apis/x"):
        reply = client.get(path)
        assert reply.status_code == 200, path
        assert reply.text == '<div id="app"></div>', path
    assert all(not app.seen for app in apps.values())
    assert client.post("/hosts").status_code == 405
