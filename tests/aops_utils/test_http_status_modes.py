"""`system.ini [restful] legacy_http_status`: true statuses by default, 200 for every envelope on.

Each test runs twice over HTTP against real services (manager and data center on MariaDB and
the ES-API server, check and diag schedulers on in-memory buses): once as shipped, once with
the switch on, as the 21.09 `aops`/`adoctor` commands and scripts need it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from adoctor_check_scheduler import settings as check_settings
from aops_utils import conf
from aops_utils.auth import DATA_CENTER
from aops_utils.auth import TokenType
from aops_utils.clients import ServiceClient
from aops_utils.codes import Code
from aops_utils.errors import AopsError
from aops_utils.errors import ConfigError
from tests.aops_cli.conftest import run_module
from tests.aops_manager.factories import add
from tests.aops_manager.factories import group
from tests.aops_manager.factories import host
from tests.conftest import mariadb_suite
from tests.schedulers import every_service
from tests.suite import Suite
from tests.suite import data_call

# Nothing listens here: every Prometheus query of this module fails, as with Prometheus down.
PROMETHEUS_DOWN = "http://127.0.0.1:9"


@dataclass
class Services:
    suite: Suite
    legacy: bool
    urls: dict[str, str]

    def status(self, truthful: int) -> int:
        """The HTTP status an answer carries in this module's mode."""
        return 200 if self.legacy else truthful

    def raw(
        self, service: str, path: str, *, token: str | None = None, method: str = "POST", **kw: Any
    ) -> tuple[int, dict[str, Any]]:
        headers = dict(kw.pop("headers", {}))
        if token is not None:
            headers["access_token"] = token
        if "data" not in kw and "json" not in kw:
            kw["json"] = {}
        reply = requests.request(method, self.urls[service] + path, headers=headers, timeout=60, **kw)
        return reply.status_code, dict(reply.json())


@pytest.fixture(scope="module", params=[False, True], ids=["truthful", "legacy"])
def services(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    legacy: bool = request.param
    conf_dir: Path = tmp_path_factory.mktemp("modes")
    with mariadb_suite(conf_dir, PROMETHEUS_DOWN, legacy_http_status=legacy) as suite:
        system, _ = check_settings.load(conf_dir)
        assert system.restful.legacy_http_status is legacy
        with every_service(suite) as urls:
            yield Services(suite, legacy, urls)


@pytest.fixture
def token(services: Services) -> str:
    return services.suite.add_user()[1]


# A route of each service that needs a user's token and takes an empty body.
PROTECTED = {
    "manager": "/manage/host/count",
    "database": "/data/host/count",
    "check": "/check/rule/count",
    "diag": "/diag/tree/get",
}


def test_a_bad_body_is_1000_naming_the_field_in_every_service(services: Services, token: str) -> None:
    for service, path, field in [
        ("manager", "/manage/host/add", "key"),
        ("database", "/data/host/add", "host_list"),
        ("check", "/check/rule/import", "check_items"),
        ("diag", "/diag/execute", "host_list"),
    ]:
        # The data center takes a service's token, acting in the user's session.
        sent = services.suite.session_token(token) if service == "database" else token
        status, body = services.raw(service, path, token=sent, json={"bogus": 1})
        assert (status, body["code"]) == (services.status(400), 1000), (service, body)
        assert body["msg"] == "request parameter error" and body["detail"]
        assert body["field"] == field, body


def test_a_missing_or_bad_token_is_1201_in_every_service(services: Services) -> None:
    for service, path in PROTECTED.items():
        for sent in (None, "garbage"):
            status, body = services.raw(service, path, token=sent)
            assert (status, body["code"]) == (services.status(401), 1201), (service, sent, body)
            assert body["msg"] == "the session is invalid" and body["detail"]


def test_a_default_password_session_is_refused_with_1204_by_every_service_it_reaches(
    services: Services,
) -> None:
    default = services.suite.login()  # admin, still on its default password
    for service in ("manager", "check", "diag"):
        status, body = services.raw(service, PROTECTED[service], token=default)
        assert (status, body["code"]) == (services.status(403), 1204), (service, body)
        assert "change the password" in body["detail"]


@pytest.mark.parametrize("ending", ["logout", "password change"])
def test_an_ended_session_is_refused_at_once_by_every_service(services: Services, ending: str) -> None:
    """The schedulers and the manager call the data center with service tokens naming the user's
    session: ended through the manager, it is refused everywhere on the next request."""
    _, token = services.suite.add_user(password="Passw0rd!")
    user_facing = {service: path for service, path in PROTECTED.items() if service != "database"}
    for service, path in user_facing.items():
        assert services.raw(service, path, token=token)[1]["code"] == 200, service
    if ending == "logout":
        services.raw("manager", "/manage/account/logout", token=token)
    else:
        body = {"password": "N3w-passw0rd", "old_password": "Passw0rd!"}
        assert services.raw("manager", "/manage/account/change", token=token, json=body)[1]["code"] == 200
    for service, path in user_facing.items():
        status, body = services.raw(service, path, token=token)
        assert (status, body["code"]) == (services.status(401), 1201), (service, body)


def test_a_user_token_on_a_service_route_and_a_wrong_vault_key_are_403(
    services: Services, token: str
) -> None:
    log = {"host_ip": "10.0.0.1", "data_item": "dmesg", "timestamp": 1, "message": "m"}
    status, body = services.raw("database", "/data/log/save", token=token, json={"logs": [log]})
    assert (status, body["code"]) == (services.status(403), 1201), body
    assert "services only" in body["detail"]
    services.suite.add_host(token)
    status, body = services.raw("manager", "/manage/account/certificate", token=token, json={"key": "wrong"})
    assert (status, body["code"]) == (services.status(403), 1203), body


def test_an_unknown_path_is_404_and_a_wrong_method_405_in_every_service(services: Services) -> None:
    for service, path in PROTECTED.items():
        status, body = services.raw(service, path.rsplit("/", 1)[0] + "/nothing")
        assert (status, body["code"]) == (services.status(404), 1000), (service, body)
        status, body = services.raw(service, path, method="GET", json=None)
        assert (status, body["code"]) == (services.status(405), 1000), (service, body)


def test_an_unknown_stored_rule_is_404_with_its_detail(services: Services, token: str) -> None:
    body = {"check_item": "nope", "time_range": [0, 60]}
    status, reply = services.raw("check", "/check/rule/test", token=token, json=body)
    assert (status, reply["code"], reply["detail"]) == (
        services.status(404),
        1000,
        "check item nope does not exist",
    )


def test_an_existing_group_is_409_relayed_by_the_manager(services: Services, token: str) -> None:
    group(services.suite, token, "web")
    body = {"host_group_name": "web", "description": ""}
    status, reply = services.raw("manager", "/manage/host/group/add", token=token, json=body)
    assert (status, reply["code"], reply["msg"]) == (services.status(409), 1105, "data has existed"), reply
    assert "web" in reply["detail"]


def test_a_partial_host_delete_is_206_and_a_total_failure_1103(services: Services, token: str) -> None:
    group(services.suite, token, "web")
    ids = add(services.suite, token, host("web"))[1]["host_list"]
    body = {"host_list": [ids[0], "0" * 32]}
    status, reply = services.raw("manager", "/manage/host/delete", token=token, method="DELETE", json=body)
    assert (status, reply["code"], reply["msg"]) == (services.status(207), 206, "partial succeed"), reply
    assert (reply["succeed_list"], reply["fail_list"]) == ([ids[0]], ["0" * 32])
    body = {"host_list": ["f" * 32]}
    status, reply = services.raw("manager", "/manage/host/delete", token=token, method="DELETE", json=body)
    assert (status, reply["code"]) == (services.status(404), 1103), reply


def test_bodies_too_large_or_not_json_are_413_and_415(services: Services, token: str) -> None:
    big = b'{"key": "' + b"x" * (1024 * 1024) + b'"}'
    headers = {"Content-Type": "application/json"}
    status, body = services.raw("manager", "/manage/host/add", token=token, data=big, headers=headers)
    assert (status, body["code"]) == (services.status(413), 1000), body
    assert "larger than" in body["detail"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, body = services.raw("manager", "/manage/host/add", token=token, data=b"key=k", headers=form)
    assert (status, body["code"]) == (services.status(415), 1000), body


def test_prometheus_down_is_502_with_the_reason_per_item(services: Services, token: str) -> None:
    services.suite.add_host(token, ip="127.0.0.1")
    item = {"host_id": "127.0.0.1", "data_list": [{"name": "node_load1"}]}
    status, body = data_call(
        services.suite, "/data/data/get", {"time_range": [0, 60], "data_infos": [item]}, token=token
    )
    assert (status, body["code"]) == (services.status(502), 1104), body
    assert "unreachable" in body["fail_list"][0]["reason"]


def test_a_stopped_data_center_is_503_1001_from_the_manager(services: Services, token: str) -> None:
    services.suite.stop_database()
    try:
        status, body = services.raw("manager", "/manage/host/count", token=token)
    finally:
        services.suite.start_database()
    assert (status, body["code"], body["msg"]) == (services.status(503), 1001, "restful connection error")
    assert services.suite.database_url in body["detail"]


def test_logout_without_a_valid_session_succeeds(services: Services) -> None:
    name, _ = services.suite.add_user()
    expired, _ = services.suite.codec().issue(name, -10, TokenType.USER)
    for path in ("/manage/account/logout", "/manage/logout"):
        for sent in (None, expired, "garbage"):
            assert services.raw("manager", path, token=sent) == (
                200,
                {"code": 200, "msg": "operation succeed"},
            )


def test_the_service_client_reads_the_code_and_keeps_the_true_status(services: Services, token: str) -> None:
    suite = services.suite
    client = ServiceClient(suite.database_url, suite.codec(), "tests", audience=DATA_CENTER)
    name, token = suite.add_user()
    host_id = suite.add_host(token)
    body = {"host_group_name": "g", "description": ""}
    with pytest.raises(AopsError) as raised:
        client.post("/data/host/group/add", body, acting_user=name)
    # In legacy mode the data center answered 200; the error still carries 409 on to its caller.
    assert (raised.value.code, raised.value.http_status) == (Code.DATA_EXIST, 409)
    assert "g" in raised.value.detail
    reply = client.delete("/data/host/delete", {"host_list": [host_id, "0" * 32]}, acting_user=name)
    assert (reply["code"], reply["succeed_list"], reply["fail_list"]) == (206, [host_id], ["0" * 32])


def test_the_cli_shows_the_real_error_and_takes_a_partial_success(services: Services, tmp_path: Path) -> None:
    suite = services.suite
    token = suite.add_user()[1]
    group(suite, token, "web")
    ids = add(suite, token, host("web"))[1]["host_list"]

    def aops(command: str) -> tuple[int, str, str]:
        argv = [*command.split(), "--access_token", token]
        result = run_module("aops_cli.main", suite.conf_dir, tmp_path, argv)
        return result.code, result.out, result.err

    code, _out, err = aops("group --action add --host_group_name web --description x")
    assert code == 1 and "code 1105: data has existed" in err, err
    code, out, err = aops(f"host --action delete --host_list {ids[0]},nosuchid")
    assert (code, out) == (0, "deleted 1 host, 1 failed: nosuchid\n"), err


def test_the_switch_is_off_as_shipped_and_a_bad_value_names_it(tmp_path: Path) -> None:
    shipped = Path(__file__).resolve().parents[2] / "conf"
    assert conf.load_system(shipped).restful.legacy_http_status is False
    (tmp_path / "system.ini").write_text("[restful]\nlegacy_http_status=yes\n")
    assert conf.load_system(tmp_path).restful.legacy_http_status is True
    (tmp_path / "system.ini").write_text("[restful]\nlegacy_http_status=sometimes\n")
    with pytest.raises(ConfigError, match=r"system.ini \[restful\] legacy_http_status.*'sometimes'"):
        conf.load_system(tmp_path)


def test_a_listing_asked_again_is_sent_as_the_first_answer_was_from_the_read_cache(
    services: Services, token: str
) -> None:
    group(services.suite, token, "web")
    add(services.suite, token, host("web"))
    url = services.urls["manager"]
    for path, body in [
        ("/manage/host/get", {"page": 1, "per_page": 10, "sort": "host_name"}),
        ("/manage/host/count", {}),
        ("/manage/host/group/get", {}),
    ]:
        answers = [
            requests.post(url + path, json=body, headers={"access_token": token}, timeout=60)
            for _ in range(3)
        ]
        first = answers[0]
        assert first.status_code == 200 and first.json()["code"] == 200, first.text
        for again in answers[1:]:  # the second and third from the cache (the session now confirmed)
            assert (again.status_code, again.content) == (first.status_code, first.content), path
            assert again.headers["content-type"] == "application/json"
