"""`/data/manage/template/*` and `/data/manage/task/*` on MariaDB and on SQLite: names unique per
user, tasks with their templates in order and their hosts, and a task resolved for a run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aops_database.services import users
from tests.aops_database.route_table_deploy import content
from tests.conftest import suite_on
from tests.suite import Suite
from tests.suite import data_call


@pytest.fixture(scope="module", params=["mariadb", "sqlite"])
def suite(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    conf: Path = tmp_path_factory.mktemp(f"deploy{uuid.uuid4().hex[:6]}")
    with suite_on(request.param, conf) as running:
        yield running


def call(suite: Suite, token: str, path: str, body: Any, method: str = "POST") -> tuple[int, dict[str, Any]]:
    return data_call(suite, path, body, token=token, method=method)


def ok(suite: Suite, token: str, path: str, body: Any, method: str = "POST") -> dict[str, Any]:
    status, reply = call(suite, token, path, body, method)
    assert (status, reply["code"]) == (200, 200), reply
    return reply


def add_template(suite: Suite, token: str, name: str, *enabled: str, **extra: Any) -> None:
    body = {"template_name": name, "template_content": content(*enabled or ("zookeeper",)), **extra}
    ok(suite, token, "/data/manage/template/add", body)


def template_names(suite: Suite, token: str, **body: Any) -> list[str]:
    reply = ok(suite, token, "/data/manage/template/get", body)
    return [row["template_name"] for row in reply["template_infos"]]


def task_body(name: str, templates: list[str], hosts: list[tuple[str, list[str]]]) -> dict[str, Any]:
    return {
        "task_id": uuid.uuid4().hex,
        "task_name": name,
        "description": f"{name} description",
        "template_name": templates,
        "host_list": [{"host_id": h, "components": c} for h, c in hosts],
    }


def tasks(suite: Suite, token: str, **body: Any) -> list[dict[str, Any]]:
    return list(ok(suite, token, "/data/manage/task/get", body)["task_infos"])


def test_a_template_keeps_its_steps_in_order_with_both_switches_and_a_name_twice_is_1105(
    suite: Suite, token: str
) -> None:
    steps = {"kafka": {"enable": True}, "zookeeper": {"continue": True}, "prometheus": {}}
    body = {
        "template_name": "t",
        "template_content": {"step_list": steps, "variables": {"kafka": {"kafka_port": 9093}}},
        "description": "d",
    }
    ok(suite, token, "/data/manage/template/add", body)
    stored = ok(suite, token, "/data/manage/template/get", {"template_list": ["t"]})["template_infos"]
    assert stored == [
        {
            "template_name": "t",
            "template_content": {
                "step_list": {
                    "kafka": {"enable": True, "continue": False},
                    "zookeeper": {"enable": False, "continue": True},
                    "prometheus": {"enable": False, "continue": False},
                },
                "variables": {"kafka": {"kafka_port": 9093}},
            },
            "description": "d",
        }
    ]
    status, reply = call(suite, token, "/data/manage/template/add", body)
    assert (status, reply["code"], reply["field"]) == (409, 1105, "template_name"), reply


@pytest.mark.parametrize(
    ("template_content", "field"),
    [
        ({"step_list": {"zookeeper": {"enable": "yes"}}}, "template_content.step_list.zookeeper.enable"),
        ({"step_list": {"zookeeper": {"enabled": True}}}, "template_content.step_list.zookeeper.enabled"),
        ({"step_list": {}}, "template_content.step_list"),
        ({"step_list": {"Zoo Keeper": {}}}, "template_content.step_list.Zoo Keeper.[key]"),
        (
            {"step_list": {"kafka": {}}, "variables": {"kafka": {"bad-name": 1}}},
            "template_content.variables.kafka.bad-name.[key]",
        ),
        ({"step_list": {"kafka": {}}, "playbook": []}, "template_content.playbook"),
        ([{"kafka": {}}], "template_content"),
    ],
)
def test_a_template_of_another_shape_is_refused_naming_the_field(
    suite: Suite, token: str, template_content: Any, field: str
) -> None:
    body = {"template_name": "t", "template_content": template_content}
    status, reply = call(suite, token, "/data/manage/template/add", body)
    assert (status, reply["code"], reply["field"]) == (400, 1000, field), reply
    assert template_names(suite, token) == []


def test_templates_are_all_listed_without_a_cap_sorted_and_paged(suite: Suite, token: str) -> None:
    names = [f"t{n:02d}" for n in range(12)]
    for name in reversed(names):
        add_template(suite, token, name)
    # Unsorted: in the order they were imported; 21.09 capped an unpaged listing at 10.
    assert template_names(suite, token) == list(reversed(names))
    assert template_names(suite, token, sort="template_name", direction="desc") == list(reversed(names))
    reply = ok(suite, token, "/data/manage/template/get", {"sort": "template_name", "page": 3, "per_page": 5})
    assert [r["template_name"] for r in reply["template_infos"]] == names[10:]
    assert (reply["total_count"], reply["total_page"]) == (12, 3)


def test_templates_are_deleted_per_item(suite: Suite, token: str) -> None:
    add_template(suite, token, "a")
    add_template(suite, token, "b")
    status, reply = call(
        suite, token, "/data/manage/template/delete", {"template_list": ["a", "x"]}, "DELETE"
    )
    assert (status, reply["code"], reply["succeed_list"], reply["fail_list"]) == (207, 206, ["a"], ["x"])
    status, reply = call(suite, token, "/data/manage/template/delete", {"template_list": ["x"]}, "DELETE")
    assert (status, reply["code"]) == (404, 1103), reply
    assert template_names(suite, token) == ["b"]


def test_a_task_keeps_its_templates_in_order_and_its_hosts_with_their_components(
    suite: Suite, token: str
) -> None:
    add_template(suite, token, "base", "zookeeper")
    add_template(suite, token, "extra", "kafka")
    first = suite.add_host(token, "h1", "10.9.0.1")
    second = suite.add_host(token, "h2", "10.9.0.2")
    body = task_body("k", ["extra", "base"], [(second, ["kafka"]), (first, ["zookeeper", "kafka"])])
    assert ok(suite, token, "/data/manage/task/add", body)["task_id"] == body["task_id"]
    assert tasks(suite, token) == [
        {
            "task_id": body["task_id"],
            "task_name": "k",
            "description": "k description",
            "template_name": ["extra", "base"],
            "host_list": [
                {"host_id": second, "host_name": "h2", "public_ip": "10.9.0.2", "components": ["kafka"]},
                {
                    "host_id": first,
                    "host_name": "h1",
                    "public_ip": "10.9.0.1",
                    "components": ["zookeeper", "kafka"],
                },
            ],
        }
    ]
    resolved = ok(suite, token, "/data/manage/task/resolve", {"task_id": body["task_id"]})["task"]
    assert [t["template_name"] for t in resolved["templates"]] == ["extra", "base"]
    assert resolved["templates"][0]["template_content"]["step_list"] == {
        "kafka": {"enable": True, "continue": False}
    }
    assert resolved["host_list"][0] == {
        "host_id": second,
        "host_name": "h2",
        "public_ip": "10.9.0.2",
        "ssh_port": 22,
        "components": ["kafka"],
    }
    assert resolved["username"] == suite.codec().decode(token).subject


def test_a_task_name_or_id_already_taken_is_1105_and_changes_nothing(suite: Suite, token: str) -> None:
    add_template(suite, token, "t")
    body = task_body("k", ["t"], [])
    ok(suite, token, "/data/manage/task/add", body)
    status, reply = call(suite, token, "/data/manage/task/add", {**body, "task_id": uuid.uuid4().hex})
    assert (status, reply["code"], reply["field"]) == (409, 1105, "task_name"), reply
    status, reply = call(suite, token, "/data/manage/task/add", {**body, "task_name": "other"})
    assert (status, reply["code"], reply["field"]) == (409, 1105, "task_id"), reply
    assert [t["task_name"] for t in tasks(suite, token)] == ["k"]


def refused_tasks(suite: Suite, token: str, cases: list[tuple[dict[str, Any], str]], status: int) -> None:
    """Each task body is refused with HTTP `status`, code 1000 and its field; none is stored."""
    for body, field in cases:
        got, reply = call(suite, token, "/data/manage/task/add", body)
        assert (got, reply["code"], reply["field"]) == (status, 1000, field), reply
    assert tasks(suite, token) == []


def test_a_task_of_another_users_host_or_template_is_refused_naming_the_field(
    suite: Suite, token: str
) -> None:
    _, other = suite.add_user()
    add_template(suite, other, "theirs")
    their_host = suite.add_host(other, "theirs", "10.9.1.1")
    add_template(suite, token, "mine")
    my_host = suite.add_host(token, "mine", "10.9.1.2")
    cases = [
        (task_body("k", ["mine", "theirs"], []), "template_name.1"),
        (
            task_body("k", ["mine"], [(my_host, ["zookeeper"]), (their_host, ["zookeeper"])]),
            "host_list.1.host_id",
        ),
    ]
    refused_tasks(suite, token, cases, 404)


def test_a_name_twice_in_one_task_is_refused_naming_the_field(suite: Suite, token: str) -> None:
    add_template(suite, token, "t")
    host = suite.add_host(token, "h", "10.9.2.1")
    cases = [
        (task_body("k", ["t", "t"], []), "template_name.1"),
        (task_body("k", ["t"], [(host, ["zookeeper"]), (host, ["kafka"])]), "host_list.1.host_id"),
        (task_body("k", ["t"], [(host, ["kafka", "kafka"])]), "host_list.0.components.1"),
        (task_body("k", ["t"], [(host, [])]), "host_list.0.components"),
    ]
    refused_tasks(suite, token, cases, 400)


def test_a_deleted_host_leaves_its_tasks_which_keep_their_other_hosts(suite: Suite, token: str) -> None:
    add_template(suite, token, "t")
    gone, kept = suite.add_host(token, "gone", "10.9.3.1"), suite.add_host(token, "kept", "10.9.3.2")
    ok(
        suite,
        token,
        "/data/manage/task/add",
        task_body("k", ["t"], [(gone, ["zookeeper"]), (kept, ["zookeeper"])]),
    )
    ok(suite, token, "/data/host/delete", {"host_list": [gone]}, "DELETE")
    assert [h["host_name"] for h in tasks(suite, token)[0]["host_list"]] == ["kept"]


def test_a_task_whose_template_is_gone_is_listed_but_not_resolved_until_it_is_imported_again(
    suite: Suite, token: str
) -> None:
    add_template(suite, token, "t", "zookeeper")
    body = task_body("k", ["t"], [])
    ok(suite, token, "/data/manage/task/add", body)
    ok(suite, token, "/data/manage/template/delete", {"template_list": ["t"]}, "DELETE")
    assert tasks(suite, token)[0]["template_name"] == ["t"]
    status, reply = call(suite, token, "/data/manage/task/resolve", {"task_id": body["task_id"]})
    assert (status, reply["code"], reply["field"], reply["missing_templates"]) == (
        404,
        1000,
        "template_name",
        ["t"],
    )
    # Edited: imported again with another step list, which the task now runs.
    add_template(suite, token, "t", "kafka")
    resolved = ok(suite, token, "/data/manage/task/resolve", {"task_id": body["task_id"]})["task"]
    assert list(resolved["templates"][0]["template_content"]["step_list"]) == ["kafka"]


def test_deleting_a_user_deletes_its_templates_and_tasks(suite: Suite) -> None:
    name, token = suite.add_user()
    add_template(suite, token, "t")
    host = suite.add_host(token, "h", "10.9.4.1")
    ok(suite, token, "/data/manage/task/add", task_body("k", ["t"], [(host, ["zookeeper"])]))
    center = suite.servers["database_app"][0].extensions["aops_database"]
    users.delete_user(center.store, center.docs, name)
    name, token = suite.add_user(name)
    assert template_names(suite, token) == [] and tasks(suite, token) == []
