"""How the web and /api are served: nginx with the shipped conf, and `aops standalone`'s web
port, answer the same way (the 21.09 routing table without its oddity, caching, gzip, SPA)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.suite import free_port
from tests.web.conftest import WebStack
from tests.web.flows import PASSWORD
from tests.web.flows import new_user
from tests.web.stack import DIST
from tests.web.stack import running_nginx
from tests.web.stack import running_standalone


def _entry_script(web: WebStack) -> str:
    """The path of the entry script that index.html loads."""
    index = requests.get(f"{web.url}/", timeout=10).text
    found = re.findall(r'"(/assets/[^"]+\.js)"', index)
    assert found, index
    return str(found[0])


def _login(web: WebStack, username: str, password: str) -> tuple[int, dict[str, Any]]:
    reply = requests.post(
        f"{web.url}/api/manage/account/login", json={"username": username, "password": password}, timeout=30
    )
    return reply.status_code, reply.json()


def test_the_app_and_its_paths_are_index_html_never_cached(web: WebStack) -> None:
    for path in ("/", "/account", "/no/such/page", "/login?redirect=/account"):
        reply = requests.get(web.url + path, timeout=10)
        assert reply.status_code == 200, path
        assert reply.headers["Content-Type"].startswith("text/html"), path
        assert '<div id="app"></div>' in reply.text, path
        assert reply.headers["Cache-Control"] == "no-cache", path


def test_hashed_assets_are_cached_for_a_year_and_gzipped(web: WebStack) -> None:
    script = _entry_script(web)
    reply = requests.get(web.url + script, headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert reply.status_code == 200
    assert "javascript" in reply.headers["Content-Type"]
    assert reply.headers["Content-Encoding"] == "gzip"
    cache = reply.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache
    assert reply.content == (DIST / script.lstrip("/")).read_bytes()  # requests has unzipped it

    plain = requests.get(web.url + script, headers={"Accept-Encoding": "identity"}, timeout=10)
    assert "Content-Encoding" not in plain.headers
    assert plain.content == reply.content

    # Styles come with the pages' chunks.
    css = next((DIST / "assets").glob("*.css"))
    style = requests.get(f"{web.url}/assets/{css.name}", timeout=10)
    assert style.status_code == 200 and style.headers["Content-Type"].startswith("text/css")


def test_a_file_revalidates_with_its_etag(web: WebStack) -> None:
    script = _entry_script(web)
    first = requests.get(web.url + script, headers={"Accept-Encoding": "gzip"}, timeout=10)
    again = requests.get(
        web.url + script,
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
        timeout=10,
    )
    assert again.status_code == 304


def test_a_missing_asset_is_404_not_the_app(web: WebStack) -> None:
    reply = requests.get(f"{web.url}/assets/index-missing.js", timeout=10)
    assert reply.status_code == 404
    assert '<div id="app">' not in reply.text


def test_other_built_files_are_served_and_revalidated(web: WebStack) -> None:
    reply = requests.get(f"{web.url}/favicon.svg", timeout=10)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("image/svg+xml")
    assert reply.headers["Cache-Control"] == "no-cache"


def test_api_reaches_the_manager_with_the_prefix_removed(web: WebStack) -> None:
    status, body = _login(web, "nobody", "wrong")
    assert (status, body["code"]) == (401, 1200)
    # A path with a dot is the API's too (21.09's nginx served it as a static file).
    document = requests.get(f"{web.url}/api/openapi.json", timeout=10).json()
    assert "/manage/account/login" in document["paths"]


STANDALONE_PASSWORD = "Standalone-passw0rd"


def _user_token(web: WebStack) -> str:
    """A session that may call anything: a user of its own on the nginx stack; on standalone
    (whose only user is admin) admin, after the default password has been changed once."""
    if web.services is not None:
        return web.suite.add_user()[1]
    status, body = _login(web, "admin", "changeme")
    if body["code"] == 1204:
        change = requests.post(
            f"{web.url}/api/manage/account/change",
            json={"password": STANDALONE_PASSWORD, "old_password": "changeme"},
            headers={"Access-Token": body["access_token"]},
            timeout=30,
        )
        assert change.json()["code"] == 200, change.text
    status, body = _login(web, "admin", STANDALONE_PASSWORD)
    assert (status, body["code"]) == (200, 200), body
    return str(body["access_token"])


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/manage/host/group/get", "host_group_infos"),
        ("/api/check/rule/get", "check_items"),
        ("/api/diag/tree/get", "trees"),
    ],
)
def test_api_reaches_each_service_of_the_table(web: WebStack, path: str, key: str) -> None:
    token = _user_token(web)
    reply = requests.post(web.url + path, json={}, headers={"Access-Token": token}, timeout=30)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["code"] == 200 and key in body, body
    # The 21.09 CLI's header, with its underscore, passes too.
    reply = requests.post(web.url + path, json={}, headers={"access_token": token}, timeout=30)
    assert reply.json()["code"] == 200


@pytest.mark.parametrize(
    "forwarded",
    [
        "/domain/queryDomain",
        "/host/getHost?page=2",
        "/confs/getDomainStatus",
        "/management/getManagementConf",
    ],
)
def test_nginx_routes_the_later_services_as_2109(nginx_stack: WebStack, forwarded: str) -> None:
    # One route under each of configuration tracing's locations; nginx strips /api as 21.09's did.
    upstream = "aops_config_tracing"
    assert nginx_stack.services is not None
    recorder = nginx_stack.services.recorders[upstream]
    recorder.requests.clear()
    reply = requests.post(
        nginx_stack.url + "/api" + forwarded,
        json={},
        headers={"X-Forwarded-For": "203.0.113.9", "access_token": "t"},
        timeout=10,
    )
    assert reply.json()["service"] == upstream
    [seen] = recorder.requests
    assert seen.path == forwarded
    headers = {k.lower(): v for k, v in seen.headers.items()}
    # The address nginx saw, not what the client claimed.
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["access_token"] == "t"


def test_nginx_routes_the_topology_to_gala_spider(nginx_stack: WebStack) -> None:
    # The real gala_spider behind /api/gala-spider: its own 401 without a session, the map with one.
    path = "/api/gala-spider/api/v1/get_entities"
    reply = requests.get(nginx_stack.url + path, timeout=10)
    assert reply.status_code == 401 and reply.json()["code"] != 1001, reply.text
    token = nginx_stack.suite.login(new_user(nginx_stack.suite), PASSWORD)
    reply = requests.get(nginx_stack.url + path, headers={"Access-Token": token}, timeout=30)
    body = reply.json()
    assert body["code"] == 200 and body["entities"] == [], body


def test_standalone_routes_configuration_tracing_and_topology_to_their_services(
    standalone_stack: WebStack,
) -> None:
    # Both run in standalone now: without a token each answers its own 401, not a 1001.
    for method, path in (("POST", "/domain/queryDomain"), ("GET", "/gala-spider/api/v1/get_entities")):
        reply = requests.request(method, f"{standalone_stack.url}/api{path}", timeout=10)
        assert reply.status_code == 401, (path, reply.text)
        assert reply.json()["code"] != 1001


def test_nginx_answers_1001_in_the_envelope_for_a_service_that_is_down(
    nginx_stack: WebStack, tmp_path: Path
) -> None:
    assert nginx_stack.services is not None
    ports = {**nginx_stack.services.ports, "aops_topology": free_port()}  # nothing listens there
    with running_nginx(tmp_path / "nginx", DIST, ports) as url:
        reply = requests.post(f"{url}/api/gala-spider/api/v1/get_entities", json={}, timeout=10)
        assert reply.status_code == 503
        assert reply.json()["code"] == 1001
        big = requests.post(
            f"{url}/api/manage/host/add",
            data=b"x" * (65 * 1024 * 1024),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert big.status_code == 413
        assert big.json()["field"] == "body"


def test_standalone_without_a_built_web_says_how_to_build_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-dist"
    with running_standalone(tmp_path / "data", missing) as running:
        text = "\n".join(running.output)
        assert f"The web UI is not built (no {missing / 'index.html'})" in text
        assert "npm ci && npm run build" in text
        assert f"Log in at {running.url}/" in text
        page = requests.get(f"{running.url}/hosts", timeout=10)
        assert page.status_code == 503
        assert "npm ci && npm run build" in page.text
        # The API answers there all the same.
        status, body = _login(WebStack("standalone", running.url), "admin", "changeme")
        assert (status, body["code"]) == (200, 1204)
