"""Route table rows of the diagnosis, host and group routes (see test_routes.py)."""

from __future__ import annotations

from tests.aops_database.route_kinds import counting
from tests.aops_database.route_kinds import deleting
from tests.aops_database.route_kinds import listing
from tests.aops_database.route_world import Route
from tests.aops_database.route_world import World
from tests.aops_database.route_world import new_hosts
from tests.aops_database.route_world import new_id
from tests.aops_database.route_world import refused
from tests.aops_database.test_diag_reports import report
from tests.aops_database.test_diag_reports import task
from tests.aops_database.test_diag_trees import tree

ROUTES = [
    # Diagnosis: trees, tasks, reports
    Route(
        "/data/diag/tree/add",
        lambda w: (w.add_tree(), {"trees": [tree("t1", description="new")]})[1],
        lambda w, r, b: r["update_list"] == ["t1"],
        {"trees": [{"tree_name": "t"}]},
        "trees.0.tree_content",
        lambda w, r, b: r["update_list"] == [] and list(w.trees()) == ["t1"],
    ),
    listing(
        "/data/diag/tree/get",
        World.add_tree,
        "trees",
        "tree_name",
        {"tree_list": "t1"},
        "tree_list",
        asked="tree_list",
    ),
    deleting(
        "/data/diag/tree/delete",
        "tree_list",
        World.add_tree,
        lambda w: list(w.trees()),
        {"tree_list": "t1"},
        "tree_list",
    ),
    Route(
        "/data/diag/task/save",
        lambda w: task(w.add_task(), expected=9),
        lambda w, r, b: w.ok("/data/diag/task/get", {})["task_infos"][0]["expected_report_num"] == 9,
        task(new_id(), interval=0),
        "interval",
        # Another user's task id is refused; the owner's task stays as it was.
        lambda w, r, b: (
            r["code"] != 200 and w.ok("/data/diag/task/get", {})["task_infos"][0]["expected_report_num"] == 4
        ),
    ),
    listing(
        "/data/diag/task/get",
        World.add_task,
        "task_infos",
        "task_id",
        {"sort": "nope"},
        "sort",
        asked="task_list",
    ),
    deleting(
        "/data/diag/task/delete", "task_list", World.add_task, World.tasks, {"task_list": [5]}, "task_list.0"
    ),
    Route(
        "/data/diag/process/query",
        lambda w: {"task_list": [w.add_task()]},
        lambda w, r, b: [p["task_id"] for p in r["result"]] == b["task_list"],
        {"task_list": "x"},
        "task_list",
        lambda w, r, b: all(p.get("expected_report_num") in (None, 0) for p in r["result"]),
    ),
    Route(
        "/data/diag/task/watch",
        # A task saved without a lease holder: the next watch claims it.
        lambda w: (w.add_task(), {"owner": "route-test", "lease": 60, "timeout": 600})[1],
        lambda w, r, b: set(w.tasks()) <= {t["task_id"] for t in r["claimed"]},
        {"owner": "", "lease": 60, "timeout": 600},
        "owner",
        refused,
    ),
    Route(
        "/data/diag/task/fail",
        lambda w: {"task_id": w.add_task(), "reason": "its requests could not be published"},
        lambda w, r, b: r["failed"] is True and w.task_state(b["task_id"]) == "failed",
        {"task_id": new_id(), "reason": ""},
        "reason",
        lambda w, r, b: r["code"] != 200 and w.task_state(b["task_id"]) == "running",
    ),
    Route(
        "/data/diag/report/save",
        lambda w: {"reports": [report(new_id(), report_id=w.add_report(), value=False)]},
        lambda w, r, b: w.report_values() == {b["reports"][0]["report_id"]: False},
        {"reports": [{"report_id": "x"}]},
        "reports.0.report_id",
        # A report of the same id saved by the other user is theirs: the owner's stays as it was.
        lambda w, r, b: w.report_values() == {b["reports"][0]["report_id"]: True},
    ),
    Route(
        "/data/diag/report/get",
        lambda w: {"report_list": [w.add_report()]},
        lambda w, r, b: [x["report_id"] for x in r["result"]] == b["report_list"],
        {"report_list": {}},
        "report_list",
        lambda w, r, b: r.get("result", []) == [],
    ),
    Route(
        # No map in this data center's store: the section says so (the map: test_neighbours.py).
        "/data/diag/neighbours",
        lambda w: {"slices": [{"host_id": w.add_host(), "time_range": [0, 60]}]},
        lambda w, r, b: [n["status"] for n in r["neighbours"]] == ["no_topology"],
        {"slices": [{"host_id": "1", "time_range": [60, 0]}]},
        "slices.0.time_range",
        # The owner's host is not the other user's: nothing is looked up for them.
        lambda w, r, b: [n["status"] for n in r["neighbours"]] == ["unknown_host"],
    ),
    Route(
        "/data/diag/report/get_list",
        lambda w: (w.add_report(), {})[1],
        lambda w, r, b: r["total_count"] == 1,
        {"per_page": 0},
        "per_page",
        lambda w, r, b: r["total_count"] == 0,
    ),
    Route(
        "/data/diag/report/delete",
        lambda w: {"report_list": [w.add_report()]},
        lambda w, r, b: w.reports() == [],
        {"report_list": [None]},
        "report_list.0",
        lambda w, r, b: w.reports() == b["report_list"],
    ),
    # Hosts and groups
    Route(
        "/data/host/add",
        lambda w: (w.add_group(), new_hosts(new_id()))[1],
        lambda w, r, b: list(w.hosts()) == [b["host_list"][0]["host_id"]],
        new_hosts("not-an-id"),
        "host_list.0.host_id",
        # The other user has no group "g": nothing is added to the owner's hosts.
        lambda w, r, b: r["code"] != 200 and w.hosts() == {},
    ),
    Route(
        "/data/host/delete",
        lambda w: {"host_list": [w.add_host()]},
        lambda w, r, b: w.hosts() == {},
        {"host_list": []},
        "host_list",
        lambda w, r, b: r["code"] != 200 and list(w.hosts()) == b["host_list"],
    ),
    Route(
        "/data/host/get",
        lambda w: (w.add_host(), {})[1],
        lambda w, r, b: r["total_count"] == 1,
        {"management": "perhaps"},
        "management",
        lambda w, r, b: r["host_infos"] == [],
    ),
    counting("/data/host/count", World.add_host, "host_count"),
    Route(
        "/data/host/info/get",
        lambda w: {"host_list": [w.add_host()], "basic": True},
        lambda w, r, b: [h["host_id"] for h in r["host_infos"]] == b["host_list"],
        {"host_list": [], "basic": "yes please"},
        "basic",
        lambda w, r, b: r["host_infos"] == [],
    ),
    Route(
        "/data/host/info/save",
        lambda w: {"host_infos": [{"host_id": w.add_host(), "infos": {"os": "openEuler"}}]},
        lambda w, r, b: (
            w.ok("/data/host/info/get", {"host_list": [b["host_infos"][0]["host_id"]]})["host_infos"]
            == b["host_infos"]
        ),
        {"host_infos": [{"infos": {}}]},
        "host_infos.0.host_id",
        refused,
    ),
    Route(
        "/data/host/info/delete",
        lambda w: {"host_list": [w.add_host_info()]},
        lambda w, r, b: w.ok("/data/host/info/get", b)["host_infos"] == [],
        {"host_list": "h"},
        "host_list",
        lambda w, r, b: refused(w, r, b) and len(w.ok("/data/host/info/get", b)["host_infos"]) == 1,
    ),
    Route(
        "/data/host/info/get/user",
        lambda w: (w.add_host(), {"username": [w.owner[0]]})[1],
        lambda w, r, b: list(r["host_infos"]) == [w.owner[0]],
        {"username": "x"},
        "username",
        refused,
    ),
    Route(
        "/data/host/status/update",
        lambda w: {"statuses": {w.add_host(): "online"}},
        lambda w, r, b: [h["status"] for h in w.hosts().values()] == ["online"],
        {"statuses": {"0" * 32: "asleep"}},
        "statuses." + "0" * 32,
        lambda w, r, b: r["code"] == 1201 and [h["status"] for h in w.hosts().values()] != ["online"],
    ),
    Route(
        "/data/host/credential/get",
        lambda w: {"host_list": [w.add_host()]},
        lambda w, r, b: len(r["credentials"]) == 1,
        {"host_list": [1]},
        "host_list.0",
        lambda w, r, b: r.get("credentials", []) in ([], {}),
    ),
    Route(
        "/data/host/credential/sample",
        lambda w: w.add_host() and None,
        lambda w, r, b: r["vault"],
        {"x": 1},
        "x",
        lambda w, r, b: not r.get("vault"),
    ),
    Route(
        "/data/host/group/add",
        lambda w: {"host_group_name": "g", "description": "mine"},
        lambda w, r, b: w.groups() == ["g"],
        {"host_group_name": ""},
        "host_group_name",
        # The same name for the other user is their own group: the owner still has none.
        lambda w, r, b: r["code"] == 200 and w.groups() == [],
    ),
    Route(
        "/data/host/group/delete",
        lambda w: {"host_group_list": [w.add_group()]},
        lambda w, r, b: w.groups() == [],
        {"host_group_list": "g"},
        "host_group_list",
        lambda w, r, b: w.groups() == ["g"],
    ),
    listing(
        "/data/host/group/get",
        World.add_group,
        "host_group_infos",
        "host_group_name",
        {"per_page": 10**6},
        "per_page",
        names=["g"],
    ),
]
