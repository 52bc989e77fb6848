"""Route table rows of the deployment routes (see test_routes.py)."""

from __future__ import annotations

from typing import Any

from tests.aops_database.route_kinds import deleting
from tests.aops_database.route_kinds import listing
from tests.aops_database.route_world import Route
from tests.aops_database.route_world import World
from tests.aops_database.route_world import new_id


def content(*enabled: str, disabled: tuple[str, ...] = ()) -> dict[str, Any]:
    steps = {name: {"enable": True, "continue": False} for name in enabled}
    steps |= {name: {"enable": False, "continue": False} for name in disabled}
    return {"step_list": steps}


def template(name: str = "tp1", **extra: Any) -> dict[str, Any]:
    return {"template_name": name, "template_content": content("zookeeper", disabled=("kafka",)), **extra}


def add_template(w: World, name: str = "tp1") -> str:
    w.ok("/data/manage/template/add", template(name))
    return name


def templates(w: World) -> list[str]:
    return [t["template_name"] for t in w.ok("/data/manage/template/get", {})["template_infos"]]


def task(w: World, task_id: str | None = None, name: str = "k1") -> dict[str, Any]:
    """A task of the owner's template tp1 on a host of theirs (both added when missing)."""
    if "tp1" not in templates(w):
        add_template(w)
    host_id = next(iter(w.hosts()), None) or w.add_host()
    hosts = [{"host_id": host_id, "components": ["zookeeper"]}]
    return {"task_id": task_id or new_id(), "task_name": name, "template_name": ["tp1"], "host_list": hosts}


def add_task(w: World) -> str:
    body = task(w)
    w.ok("/data/manage/task/add", body)
    return str(body["task_id"])


def tasks(w: World) -> list[str]:
    return [t["task_id"] for t in w.ok("/data/manage/task/get", {})["task_infos"]]


ROUTES = [
    Route(
        "/data/manage/template/add",
        lambda w: template(),
        lambda w, r, b: templates(w) == ["tp1"],
        {"template_name": "t", "template_content": {"step_list": {}}},
        "template_content.step_list",
        # The other user's template of the same name is theirs: the owner still has none.
        lambda w, r, b: r["code"] == 200 and templates(w) == [],
    ),
    listing(
        "/data/manage/template/get",
        add_template,
        "template_infos",
        "template_name",
        {"template_list": "tp1"},
        "template_list",
        asked="template_list",
    ),
    deleting(
        "/data/manage/template/delete",
        "template_list",
        add_template,
        templates,
        {"template_list": "tp1"},
        "template_list",
    ),
    Route(
        "/data/manage/task/add",
        task,
        lambda w, r, b: tasks(w) == [b["task_id"]] and r["task_id"] == b["task_id"],
        {"task_id": "not-hex", "task_name": "k"},
        "task_id",
        # The owner's template and host are unknown to the other user.
        lambda w, r, b: (r["code"], r["field"]) == (1000, "template_name.0") and tasks(w) == [],
    ),
    listing(
        "/data/manage/task/get",
        add_task,
        "task_infos",
        "task_id",
        {"task_list": ["nope"]},
        "task_list.0",
        asked="task_list",
    ),
    deleting(
        "/data/manage/task/delete",
        "task_list",
        add_task,
        tasks,
        {"task_list": "x"},
        "task_list",
    ),
    Route(
        "/data/manage/task/resolve",
        lambda w: {"task_id": add_task(w)},
        lambda w, r, b: (
            r["task"]["task_id"] == b["task_id"]
            and [t["template_name"] for t in r["task"]["templates"]] == ["tp1"]
            and r["task"]["host_list"][0]["ssh_port"] == 22
        ),
        {"task_id": 7},
        "task_id",
        lambda w, r, b: (r["code"], r["field"]) == (1000, "task_id") and tasks(w) == [b["task_id"]],
    ),
]
