"""Templates and tasks through the manager on MariaDB: the 21.09 routes, checked at import, per
user, with the codes of 21.09 and the truthful HTTP status."""

from __future__ import annotations

from typing import Any

import pytest

from tests.suite import Suite

# The step file of the 21.09 manual's default task (deployment manual 1.8.2), as written there.
MANUAL_STEP_FILE = "---\nstep_list:\n" + "".join(
    f" {name}:\n  enable: {'true' if name == 'zookeeper' else 'false'}\n  continue: false\n"
    for name in (
        "zookeeper", "kafka", "prometheus", "node_exporter", "mysql", "elasticsearch", "fluentd",
        "adoctor_check_executor", "adoctor_check_scheduler", "adoctor_diag_executor",
        "adoctor_diag_scheduler", "gala_gopher", "gala_spider", "gala_ragdoll",
    )
)  # fmt: skip


def steps(*enabled: str, disabled: tuple[str, ...] = ()) -> dict[str, Any]:
    found = {name: {"enable": True, "continue": False} for name in enabled}
    return {"step_list": found | {name: {"enable": False, "continue": False} for name in disabled}}


def imported(suite: Suite, token: str, name: str, content: dict[str, Any]) -> None:
    status, reply = suite.call(
        "POST", "/manage/template/import", {"template_name": name, "template_content": content}, token
    )
    assert (status, reply["code"]) == (200, 200), reply


def generated(suite: Suite, token: str, name: str, templates: list[str], hosts: list[dict[str, Any]]) -> str:
    body = {"task_name": name, "description": "d", "template_name": templates, "host_list": hosts}
    status, reply = suite.call("POST", "/manage/task/generate", body, token)
    assert (status, reply["code"]) == (200, 200), reply
    return str(reply["task_id"])


def listed(suite: Suite, token: str, path: str, key: str, **body: Any) -> list[dict[str, Any]]:
    status, reply = suite.call("POST", path, body, token)
    assert status == 200, reply
    rows: list[dict[str, Any]] = reply[key]  # type: ignore[assignment]
    return rows


def templates(suite: Suite, token: str, **body: Any) -> list[dict[str, Any]]:
    return listed(suite, token, "/manage/template/get", "template_infos", **body)


def tasks(suite: Suite, token: str, **body: Any) -> list[dict[str, Any]]:
    return listed(suite, token, "/manage/task/get", "task_infos", **body)


def test_the_manuals_step_file_imports_as_yaml_and_the_21_09_web_object_as_json(
    suite: Suite, token: str
) -> None:
    body = {"template_name": "default", "template_yaml": MANUAL_STEP_FILE, "description": "the manual's"}
    status, reply = suite.call("POST", "/manage/template/import", body, token)
    assert (status, reply) == (200, {"code": 200, "msg": "operation succeed"})
    imported(
        suite,
        token,
        "web",
        {"step_list": {"kafka": {"enable": True}}, "variables": {"kafka": {"kafka_port": 9093}}},
    )
    found = {t["template_name"]: t for t in templates(suite, token)}
    assert list(found["default"]["template_content"]["step_list"])[:3] == ["zookeeper", "kafka", "prometheus"]
    assert found["default"]["template_content"]["step_list"]["zookeeper"] == {
        "enable": True,
        "continue": False,
    }
    assert found["web"]["template_content"] == {
        "step_list": {"kafka": {"enable": True, "continue": False}},
        "variables": {"kafka": {"kafka_port": 9093}},
    }
    status, reply = suite.call("POST", "/manage/template/import", body, token)
    assert (status, reply["code"], reply["msg"], reply["field"]) == (
        409,
        1105,
        "data has existed",
        "template_name",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"template_content": {"step_list": {"zokeeper": {"enable": True}}}},
            "template_content.step_list.zokeeper",
        ),
        (
            {"template_content": {"step_list": {"kafka": {}}, "variables": {"kafka": {"kafka_port": "x"}}}},
            "template_content.variables.kafka.kafka_port",
        ),
        (
            {"template_content": {"step_list": {"kafka": {}}, "variables": {"kafka": {"port": 1}}}},
            "template_content.variables.kafka.port",
        ),
        ({"template_yaml": "step_list:\n  kafka: {enable: maybe}\n"}, "template_yaml.step_list.kafka.enable"),
        ({"template_yaml": "step_list: [\n"}, "template_yaml"),
        ({"template_yaml": "- hosts: all\n  tasks: []\n"}, "template_yaml"),
        ({"template_content": [{"hosts": "all"}]}, "template_content"),
        ({}, "template_content"),
    ],
)
def test_a_bad_template_is_refused_naming_the_field_and_nothing_is_stored(
    suite: Suite, token: str, fields: dict[str, Any], field: str
) -> None:
    status, reply = suite.call("POST", "/manage/template/import", {"template_name": "t", **fields}, token)
    assert (status, reply["code"], reply["msg"], reply["field"]) == (
        400,
        1000,
        "request parameter error",
        field,
    )
    assert str(reply["detail"]).startswith(field)
    assert templates(suite, token) == []


def test_a_task_gets_every_enabled_component_of_its_templates_unless_its_hosts_name_theirs(
    suite: Suite, token: str
) -> None:
    imported(suite, token, "base", steps("zookeeper", "kafka", disabled=("mysql",)))
    imported(suite, token, "monitor", steps("node_exporter", "kafka"))
    first, second = suite.add_host(token, "h1", "10.8.0.1"), suite.add_host(token, "h2", "10.8.0.2")
    hosts = [{"host_id": first}, {"host_id": second, "components": ["prometheus_hosts", "mysql"]}]
    task_id = generated(suite, token, "t", ["base", "monitor"], hosts)
    assert len(task_id) == 32
    assert tasks(suite, token, task_list=[task_id]) == [
        {
            "task_id": task_id,
            "task_name": "t",
            "description": "d",
            "template_name": ["base", "monitor"],
            "host_list": [
                {
                    "host_id": first,
                    "host_name": "h1",
                    "public_ip": "10.8.0.1",
                    "components": ["zookeeper", "kafka", "node_exporter"],
                },
                {
                    "host_id": second,
                    "host_name": "h2",
                    "public_ip": "10.8.0.2",
                    "components": ["prometheus", "mysql"],
                },
            ],
        }
    ]


def test_a_task_name_is_unique_per_user_with_the_21_09_exists_code(suite: Suite, token: str) -> None:
    imported(suite, token, "base", steps("zookeeper"))
    generated(suite, token, "t", ["base"], [])
    body = {"task_name": "t", "description": "", "template_name": ["base"]}
    status, reply = suite.call("POST", "/manage/task/generate", body, token)
    assert (status, reply["code"], reply["field"]) == (409, 1105, "task_name")
    _, other = suite.add_user()
    imported(suite, other, "base", steps("kafka"))
    generated(suite, other, "t", ["base"], [])


@pytest.mark.parametrize(
    ("hosts", "status", "field"),
    [
        ([{"host_id": "HOST", "components": ["zookeeper", "spark"]}], 400, "host_list.0.components.1"),
        ([{"host_id": "HOST", "components": []}], 400, "host_list.0.components"),
        ([{"host_id": "HOST"}, {"host_id": "HOST"}], 400, "host_list.1.host_id"),
        ([{"host_id": "0" * 32}], 404, "host_list.0.host_id"),
    ],
)
def test_a_bad_host_of_a_task_is_refused_naming_the_field(
    suite: Suite, token: str, hosts: list[dict[str, Any]], status: int, field: str
) -> None:
    imported(suite, token, "base", steps("zookeeper"))
    host = suite.add_host(token, "h", "10.8.1.1")
    body = {
        "task_name": "t",
        "description": "",
        "template_name": ["base"],
        "host_list": [{**h, "host_id": host if h["host_id"] == "HOST" else h["host_id"]} for h in hosts],
    }
    answer, reply = suite.call("POST", "/manage/task/generate", body, token)
    assert (answer, reply["code"], reply["field"]) == (status, 1000, field), reply
    assert tasks(suite, token) == []


def test_a_host_without_components_needs_templates_that_enable_some(suite: Suite, token: str) -> None:
    imported(suite, token, "off", steps(disabled=("zookeeper",)))
    host = suite.add_host(token, "h", "10.8.2.1")
    body = {"task_name": "t", "template_name": ["off"], "host_list": [{"host_id": host}]}
    status, reply = suite.call("POST", "/manage/task/generate", body, token)
    assert (status, reply["code"], reply["field"]) == (400, 1000, "host_list.0.components")
    # A task without hosts is kept, as 21.09 kept its tasks: execute names what it lacks.
    generated(suite, token, "later", ["off"], [])


def test_another_users_templates_tasks_and_hosts_are_invisible_and_untouchable(
    suite: Suite, token: str
) -> None:
    imported(suite, token, "mine", steps("zookeeper"))
    host = suite.add_host(token, "h", "10.8.3.1")
    task_id = generated(suite, token, "t", ["mine"], [{"host_id": host}])
    _, other = suite.add_user()
    assert templates(suite, other) == [] and tasks(suite, other) == []
    assert tasks(suite, other, task_list=[task_id]) == []
    status, reply = suite.call("DELETE", "/manage/template/delete", {"template_list": ["mine"]}, other)
    assert (status, reply["code"], reply["fail_list"]) == (404, 1103, ["mine"])
    status, reply = suite.call("DELETE", "/manage/task/delete", {"task_list": [task_id]}, other)
    assert (status, reply["code"], reply["fail_list"]) == (404, 1103, [task_id])
    body = {"task_name": "t", "template_name": ["mine"]}
    status, reply = suite.call("POST", "/manage/task/generate", body, other)
    assert (status, reply["code"], reply["field"]) == (404, 1000, "template_name.0")
    imported(suite, other, "theirs", steps("zookeeper"))
    body = {"task_name": "t", "template_name": ["theirs"], "host_list": [{"host_id": host}]}
    status, reply = suite.call("POST", "/manage/task/generate", body, other)
    assert (status, reply["code"], reply["field"]) == (404, 1000, "host_list.0.host_id")
    assert [t["task_id"] for t in tasks(suite, token)] == [task_id]
    assert [t["template_name"] for t in templates(suite, token)] == ["mine"]


def test_templates_and_tasks_are_deleted_per_item_and_a_task_outlives_its_template(
    suite: Suite, token: str
) -> None:
    imported(suite, token, "a", steps("zookeeper"))
    imported(suite, token, "b", steps("kafka"))
    task_id = generated(suite, token, "t", ["a"], [])
    status, reply = suite.call("DELETE", "/manage/template/delete", {"template_list": ["a", "x"]}, token)
    assert (status, reply["code"], reply["succeed_list"], reply["fail_list"]) == (207, 206, ["a"], ["x"])
    assert [t["template_name"] for t in templates(suite, token)] == ["b"]
    assert tasks(suite, token)[0]["template_name"] == ["a"]
    status, reply = suite.call("DELETE", "/manage/task/delete", {"task_list": [task_id]}, token)
    assert (status, reply["code"], reply["deleted"]) == (200, 200, [task_id])
    assert tasks(suite, token) == []


def test_the_routes_need_a_session(suite: Suite) -> None:
    for method, path in (("POST", "/manage/template/import"), ("POST", "/manage/task/get")):
        status, reply = suite.call(method, path, {})
        assert (status, reply["code"]) == (401, 1201)


def test_listings_are_sorted_and_paged_as_21_09_asked(suite: Suite, token: str) -> None:
    for name in ("c", "a", "b"):
        imported(suite, token, name, steps("zookeeper"))
        generated(suite, token, name, [name], [])
    body = {"sort": "template_name", "direction": "desc", "page": 1, "per_page": 2}
    status, reply = suite.call("POST", "/manage/template/get", body, token)
    assert [t["template_name"] for t in reply["template_infos"]] == ["c", "b"]  # type: ignore[union-attr]
    assert (reply["total_count"], reply["total_page"]) == (3, 2)
    assert [t["task_name"] for t in tasks(suite, token, sort="task_name")] == ["a", "b", "c"]
    # Unsorted (by creation, then by name within a second): pages neither repeat nor skip a task.
    unsorted = [t["task_name"] for t in tasks(suite, token)]
    pages = [tasks(suite, token, page=page, per_page=2) for page in (1, 2)]
    assert [t["task_name"] for page in pages for t in page] == unsorted and sorted(unsorted) == [
        "a",
        "b",
        "c",
    ]
    status, reply = suite.call("POST", "/manage/task/get", {"per_page": 51}, token)
    assert (status, reply["code"], reply["field"]) == (400, 1000, "per_page")
