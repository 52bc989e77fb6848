"""`aops-database init` imports default.json (21.09 section 6.3): the shipped template and task
for admin, on MariaDB and SQLite; what exists is kept, a deleted default comes back."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aops_database.__main__ import initialise
from aops_manager.deploy.catalogue import CATALOGUE
from aops_manager.deploy.templates import content_problems
from aops_utils.errors import ConfigError
from tests.conftest import mariadb_suite
from tests.suite import Suite
from tests.suite import running_suite

SHIPPED = Path(__file__).resolve().parents[2] / "conf" / "default.json"
DEFAULT_TASK = "95c3e692ff3811ebbcd3a89d3a259eef"


@pytest.fixture(params=["mariadb", "sqlite"])
def shipped(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Suite]:
    """A suite whose init found the shipped default.json in its configuration directory."""
    conf = tmp_path / f"conf{uuid.uuid4().hex[:6]}"
    conf.mkdir()
    shutil.copy(SHIPPED, conf / "default.json")
    if request.param == "mariadb":
        with mariadb_suite(conf) as running:
            yield running
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AOPS_CONF_DIR", str(conf))
        with running_suite(conf, relational="sqlite", document="sql") as running:
            yield running


def listed(suite: Suite, token: str, path: str, key: str) -> list[dict[str, Any]]:
    status, reply = suite.call("POST", path, {}, token)
    assert status == 200, reply
    rows: list[dict[str, Any]] = reply[key]  # type: ignore[assignment]
    return rows


def test_the_shipped_default_json_is_a_template_the_manager_accepts() -> None:
    data = json.loads(SHIPPED.read_text())
    for item in data["templates"]:
        assert content_problems(item["template_content"], CATALOGUE, "template_content")[1] == []
    assert [t["task_id"] for t in data["tasks"]] == [DEFAULT_TASK]


def test_init_creates_the_default_task_for_admin_keeps_it_and_creates_it_again_once_deleted(
    shipped: Suite, capsys: pytest.CaptureFixture[str]
) -> None:
    token = shipped.admin_token()
    templates = listed(shipped, token, "/manage/template/get", "template_infos")
    assert [t["template_name"] for t in templates] == ["Default deployment"]
    steps = templates[0]["template_content"]["step_list"]
    assert len(steps) == 14 and [name for name, step in steps.items() if step["enable"]] == ["zookeeper"]
    (task,) = listed(shipped, token, "/manage/task/get", "task_infos")
    assert (task["task_id"], task["task_name"], task["template_name"]) == (
        DEFAULT_TASK,
        "Default deployment",
        ["Default deployment"],
    )
    assert task["description"].startswith(" The default task for installing: zookeeper, kafka")
    # The 21.09 placeholder hosts are not admin's: the task has none yet.
    assert task["host_list"] == []

    # As the manual says: add the hosts, delete the task, run init again.
    by_name = shipped.add_host(token, "192.168.1.1", "10.7.0.1")
    by_address = shipped.add_host(token, "db", "192.168.1.2")
    capsys.readouterr()
    initialise()
    assert capsys.readouterr().out == "schema is current\n"
    status, reply = shipped.call("DELETE", "/manage/task/delete", {"task_list": [DEFAULT_TASK]}, token)
    assert status == 200, reply
    initialise()
    assert capsys.readouterr().out.splitlines()[1:] == [
        "created default task Default deployment for admin with 2 host(s); not among the user's hosts "
        "(add them, delete the task, run init again): 192.168.1.3"
    ]
    (task,) = listed(shipped, token, "/manage/task/get", "task_infos")
    assert [(h["host_id"], h["components"]) for h in task["host_list"]] == [
        (by_name, ["zookeeper"]),
        (by_address, ["zookeeper"]),
    ]


def test_a_default_template_that_was_edited_is_kept_by_init(
    shipped: Suite, capsys: pytest.CaptureFixture[str]
) -> None:
    token = shipped.admin_token()
    status, _ = shipped.call(
        "DELETE", "/manage/template/delete", {"template_list": ["Default deployment"]}, token
    )
    assert status == 200
    body = {
        "template_name": "Default deployment",
        "template_content": {"step_list": {"kafka": {"enable": True}}},
    }
    status, reply = shipped.call("POST", "/manage/template/import", body, token)
    assert status == 200, reply
    initialise()
    assert capsys.readouterr().out.endswith("schema is current\n")
    (template,) = listed(shipped, token, "/manage/template/get", "template_infos")
    assert list(template["template_content"]["step_list"]) == ["kafka"]


BAD_STEP = {"templates": [{"template_name": "t", "template_content": {"step_list": {"a": {"enable": "on"}}}}]}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{", "is not valid JSON"),
        ('{"tasks": [{"task_id": "11111", "task_name": "x"}]}', "tasks.0.task_id: string should match"),
        (
            json.dumps(BAD_STEP),
            "templates.0.template_content.step_list.a.enable: input should be a valid boolean",
        ),
    ],
)
def test_a_bad_default_json_stops_init_naming_the_file_and_the_field(
    shipped: Suite, text: str, error: str
) -> None:
    path = shipped.conf_dir / "default.json"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        initialise()
    assert str(caught.value).startswith(f"{path}: ") and error in str(caught.value)
