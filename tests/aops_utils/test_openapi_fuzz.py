"""Schemathesis over every service's OpenAPI document: no 5xx, no answer that breaks its schema.

Each operation gets a bounded number of generated requests, bodies valid and invalid by its
schema, with a token that reaches the handler: a user's on the user routes, a service's acting
for that user on the data center's service routes. The examples are the same on every run, so
that `make test` is repeatable; for a longer hunt with new ones:

    AOPS_FUZZ_EXAMPLES=200 AOPS_FUZZ_RANDOM=1 pytest tests/aops_utils/test_openapi_fuzz.py

Invalid bodies are not required to be refused: 21.09 validated leniently (an integer field took
"22", reference 2.4) and the services still do, so only 5xx and broken answers count.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from adoctor_check_scheduler.api import api as check_api
from adoctor_diag_scheduler.api import api as diag_api
from aops_database.api import api as database_api
from aops_manager.api import api as manager_api
from aops_utils.restful import Api
from aops_utils.restful import openapi
from gala_ragdoll.api import api as ragdoll_api
from gala_ragdoll.clients import HOST_FAILURES
from tests.gala_ragdoll.serving import ragdoll
from tests.schedulers import every_service
from tests.suite import Suite

CONF = Path(__file__).resolve().parents[2] / "conf"
EXAMPLES = int(os.environ.get("AOPS_FUZZ_EXAMPLES", "12"))
RANDOM = os.environ.get("AOPS_FUZZ_RANDOM") == "1"
APIS: dict[str, Api] = {
    "manager": manager_api,
    "database": database_api,
    "check": check_api,
    "diag": diag_api,
    "ragdoll": ragdoll_api,
}
# Routes that end the session they are called with: each of their requests gets a user of its own.
SESSION_ENDING = {
    "/manage/account/logout",
    "/manage/logout",
    "/manage/account/change",
    "/data/account/logout",
    "/data/account/change",
    "/data/acount/change",
}
# The fuzzed hosts have no SSH server (and a generated host id is no host of the manager): a
# sync reaching none of them is the 502 (1301) that docs/configuration-tracing.md gives when
# every host failed, each for a reason of the host's; no other 5xx.


def not_a_server_error_but_unreachable_hosts(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code == 502 and case.operation.path == "/confs/syncConf":
        reply = response.json()
        results = [item for host in reply["syncResults"] for item in host["syncResult"]]
        if reply["code"] == 1301 and results and all(r["reason"].startswith(HOST_FAILURES) for r in results):
            return None
    return not_a_server_error(ctx, response, case)


CHECKS = [not_a_server_error_but_unreachable_hosts, response_schema_conformance]


def _schema(api: Api) -> Any:
    return schemathesis.openapi.from_dict(openapi.build(api, "0+fuzz"))


SCHEMAS = {name: _schema(api) for name, api in APIS.items()}


def _operations() -> Iterator[Any]:
    for name, schema in SCHEMAS.items():
        for result in schema.get_all_operations():
            operation = result.ok()
            yield pytest.param(name, operation, id=f"{name}:{operation.method.upper()}:{operation.path}")


@dataclass
class Fuzzed:
    suite: Suite
    urls: dict[str, str]
    user: tuple[str, str]
    # Names of the user's data by the body fields that name them: a generated name is almost
    # never one that exists, so half of the requests get these, to reach past "not found".
    known: dict[str, Any]

    def name_known_data(self, body: Any) -> None:
        if not isinstance(body, dict):
            return
        for key, value in self.known.items():
            found = body.get(key)
            if isinstance(value, list) and isinstance(found, list) and all(isinstance(x, str) for x in found):
                body[key] = value + found[:1]
            elif isinstance(value, str) and isinstance(found, str):
                body[key] = value

    def headers(self, service: str, path: str) -> dict[str, str]:
        _username, token = self.suite.add_user() if path in SESSION_ENDING else self.user
        if service == "database":
            # The data center serves the other services: a service token acting for the user in
            # their session, as the manager sends it.
            return {"access_token": self.suite.session_token(token)}
        return {"access_token": token}


def _user_data(suite: Suite, urls: dict[str, str], token: str) -> dict[str, Any]:
    """The shipped rules and tree, a host (in group "g"), a diagnosis task, a deployment
    template and a configuration domain (holding the host and a managed file) of the user."""
    host_id = suite.add_host(token)
    headers = {"access_token": token}
    rules = json.loads((CONF / "check_rules" / "node_exporter.json").read_text())
    reply = requests.post(urls["check"] + "/check/rule/import", json=rules, headers=headers, timeout=60)
    assert reply.status_code == 200, reply.text
    content = json.loads((CONF / "fault_trees" / "host_health.json").read_text())
    trees = {"trees": [{"tree_name": "health", "tree_content": content}]}
    reply = requests.post(urls["diag"] + "/diag/tree/import", json=trees, headers=headers, timeout=60)
    assert reply.status_code == 200, reply.text
    execute = {"host_list": [host_id], "time_range": [0, 120], "tree_list": ["health"], "interval": 60}
    reply = requests.post(urls["diag"] + "/diag/execute", json=execute, headers=headers, timeout=60)
    assert reply.status_code == 200, reply.text
    task_id = reply.json()["task_id"]
    template = {"template_name": "deploy", "template_content": {"step_list": {"zookeeper": {"enable": True}}}}
    reply = requests.post(
        urls["manager"] + "/manage/template/import", json=template, headers=headers, timeout=60
    )
    assert reply.status_code == 200, reply.text
    names = [rule["check_item"] for rule in rules["check_items"]]
    _ragdoll_domain(urls["ragdoll"], headers, host_id)
    return {
        "host_list": [host_id],
        "host_group_name": "g",
        "host_group_list": ["g"],
        "check_items": names,
        "check_item": names[0],
        "tree_list": ["health"],
        "task_id": task_id,
        "task_list": [task_id],
        "template_list": ["deploy"],
        "domainName": "fuzz",
        "filePath": "/etc/fuzz.conf",
    }


def _ragdoll_domain(url: str, headers: dict[str, str], host_id: str) -> None:
    for path, body in (
        ("/domain/createDomain", [{"domainName": "fuzz", "priority": 0}]),
        ("/host/addHost", {"domainName": "fuzz", "hostInfos": [{"hostId": host_id}]}),
        (
            "/management/addManagementConf",
            {"domainName": "fuzz", "confFiles": [{"filePath": "/etc/fuzz.conf", "contents": "a = 1\n"}]},
        ),
    ):
        reply = requests.post(url + path, json=body, headers=headers, timeout=60)
        assert reply.status_code == 200, reply.text


@pytest.fixture(scope="module")
def fuzzed(suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    git_dir = tmp_path_factory.mktemp("ragdoll") / "repo"
    with every_service(suite) as services, ragdoll(suite, git_dir) as configs:
        urls = {**services, "ragdoll": configs.url}
        user = suite.add_user()
        yield Fuzzed(suite, urls, user, _user_data(suite, urls, user[1]))


@pytest.mark.parametrize(("service", "operation"), list(_operations()))
def test_no_operation_answers_5xx_or_breaks_its_schema(fuzzed: Fuzzed, service: str, operation: Any) -> None:
    cases = st.one_of(
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    )

    @given(case=cases, known=st.booleans())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, known: bool) -> None:
        if known:
            fuzzed.name_known_data(case.body)
        case.call_and_validate(
            base_url=fuzzed.urls[service],
            headers=fuzzed.headers(service, operation.path),
            checks=CHECKS,
            timeout=60,
        )

    run()
