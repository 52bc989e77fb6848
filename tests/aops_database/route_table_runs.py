"""Route table rows of the deployment run routes (see test_routes.py)."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.aops_database.route_world import Reply
from tests.aops_database.route_world import Route
from tests.aops_database.route_world import World
from tests.aops_database.route_world import new_id
from tests.aops_database.route_world import refused


def task_of(w: World) -> str:
    """The owner's task id (task ids are unique across users)."""
    return hashlib.md5(w.owner[0].encode()).hexdigest()


def new_run(w: World, run_id: str, owner: str = "route-test") -> Reply:
    host = {"host_id": "b" * 32, "host_name": "h1"}
    step = {"step": "testpkg", "template_name": "t", "enable": True, "continue": False, "hosts": [host]}
    return {"run_id": run_id, "task_id": task_of(w), "owner": owner, "lease": 600, "steps": [step]}


def add_task(w: World) -> None:
    """The owner's task the runs are of (once)."""
    task_id = task_of(w)
    if not w.ok("/data/manage/task/get", {"task_list": [task_id]})["task_infos"]:
        w.ok(
            "/data/manage/task/add",
            {"task_id": task_id, "task_name": "runs", "template_name": [], "host_list": []},
        )


def add_run(w: World, owner: str = "route-test") -> str:
    add_task(w)
    run_id = new_id()
    w.ok("/data/manage/run/add", new_run(w, run_id, owner))
    return run_id


def run_of(w: World, run_id: str) -> dict[str, Any]:
    found: dict[str, Any] = w.ok("/data/manage/run/get", {"run_id": run_id})["run"]
    return found


def update(run_id: str) -> Reply:
    host = {
        "position": 0,
        "host_id": "b" * 32,
        "host_name": "h1",
        "status": "changed",
        "output": "changed: [h1]",
    }
    return {
        "run_id": run_id,
        "run": {"status": "running"},
        "steps": [{"position": 0, "status": "running"}],
        "hosts": [host],
    }


def updated(w: World, run_id: str) -> bool:
    run = run_of(w, run_id)
    host = run["steps"][0]["hosts"][0]
    return bool(
        run["status"] == "running" and host["status"] == "changed" and host["output"] == "changed: [h1]"
    )


def queued(w: World, run_id: str) -> bool:
    run = run_of(w, run_id)
    return bool(run["status"] == "queued" and run["steps"][0]["hosts"][0]["status"] == "queued")


OWNER = f"route-test-{new_id()[:8]}"

ROUTES = [
    Route(
        "/data/manage/run/add",
        # Added again by its user: nothing changes; another user's run of that id is refused.
        lambda w: new_run(w, add_run(w)),
        lambda w, r, b: queued(w, b["run_id"]),
        {"run_id": "x", "task_id": "a" * 32, "owner": "o", "lease": 1, "steps": []},
        "run_id",
        lambda w, r, b: r["code"] == 1105 and queued(w, b["run_id"]),
    ),
    Route(
        "/data/manage/run/update",
        lambda w: update(add_run(w)),
        lambda w, r, b: r["status"] == "running" and updated(w, b["run_id"]),
        {"run_id": new_id(), "steps": [{"position": 0, "status": "asleep"}]},
        "steps.0.status",
        lambda w, r, b: r["code"] != 200 and queued(w, b["run_id"]),
    ),
    Route(
        "/data/manage/run/get",
        lambda w: {"run_id": add_run(w)},
        lambda w, r, b: r["run"]["run_id"] == b["run_id"] and r["run"]["steps"][0]["continue"] is False,
        {"run_id": "x"},
        "run_id",
        lambda w, r, b: r["code"] != 200 and "run" not in r,
    ),
    Route(
        "/data/manage/run/history",
        lambda w: (add_run(w), {"task_id": task_of(w)})[1],
        lambda w, r, b: r["total_count"] == 1 and r["run_list"][0]["task_id"] == b["task_id"],
        {"task_id": "a" * 32, "per_page": 0},
        "per_page",
        lambda w, r, b: r["total_count"] == 0 and r["run_list"] == [],
    ),
    Route(
        "/data/manage/run/renew",
        lambda w: {"owner": OWNER, "lease": 900, "run_ids": [add_run(w, OWNER), add_run(w, OWNER)][:1]},
        lambda w, r, b: r["renewed"] == 1,
        {"owner": "", "lease": 10, "run_ids": []},
        "owner",
        refused,
    ),
    Route(
        "/data/manage/run/interrupt",
        lambda w: {"run_ids": [add_run(w)], "reason": "its manager stopped"},
        lambda w, r, b: (
            b["run_ids"][0] in r["interrupted"]
            and run_of(w, b["run_ids"][0])["status"] == "interrupted"
            and run_of(w, b["run_ids"][0])["steps"][0]["hosts"][0]["status"] == "interrupted"
        ),
        {"run_ids": ["x"]},
        "run_ids.0",
        refused,
    ),
]
