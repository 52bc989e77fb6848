"""The 21.09 diagnosis routes, plus deleting a task with its reports."""

from __future__ import annotations

import time
import uuid
from itertools import pairwise
from typing import Any

from adoctor_diag_scheduler.app import scheduler
from adoctor_diag_scheduler.schemas import (
    DeleteTreesBody,
    ExecuteBody,
    GetTasksBody,
    ImportTreesBody,
    ReportIdsBody,
    ReportListBody,
    TaskIdsBody,
    TreeNamesBody,
)
from aops_utils.codes import Code
from aops_utils.errors import NotFoundError, ParamError
from aops_utils.restful import Api, Reply, RequestContext
from aops_utils.trees import TreeError, parse_tree

api = Api("A-Ops diag scheduler")


def _forward(method: str, path: str, ctx: RequestContext[Any]) -> Reply:
    payload = ctx.body.model_dump(exclude_none=True)
    data = scheduler().data_center.call(method, path, payload, principal=ctx.principal)
    return Reply(Code(data["code"]), {k: v for k, v in data.items() if k not in ("code", "msg")})


def slices(start: int, end: int, interval: int) -> list[tuple[int, int]]:
    """[start, end] cut into `interval`-second slices; the last one may be shorter (21.09)."""
    return list(pairwise([*range(start, end, interval), end]))


@api.route("/diag/tree/import", body=ImportTreesBody)
def import_trees(ctx: RequestContext[ImportTreesBody]) -> Reply:
    """Import fault trees; each is validated against the user's check rules first."""
    dc = scheduler().data_center
    rules = dc.post("/data/check/rule/get", {"check_items": []}, principal=ctx.principal)["check_items"]
    known = {rule["check_item"] for rule in rules}
    seen: set[str] = set()
    for index, tree in enumerate(ctx.body.trees):
        if tree.tree_name in seen:
            raise ParamError(f"duplicate tree {tree.tree_name}", field=f"trees.{index}.tree_name")
        seen.add(tree.tree_name)
        try:
            parse_tree(tree.tree_content, known)
        except TreeError as exc:
            raise ParamError(
                f"tree {tree.tree_name}: {exc.detail}", field=f"trees.{index}.tree_content"
            ) from None
    return _forward("POST", "/data/diag/tree/add", ctx)


@api.route("/diag/tree/get", body=TreeNamesBody)
def get_trees(ctx: RequestContext[TreeNamesBody]) -> Reply:
    """Trees by name (all when `tree_list` is empty)."""
    return _forward("POST", "/data/diag/tree/get", ctx)


@api.route("/diag/tree/delete", methods=("DELETE",), body=DeleteTreesBody)
def delete_trees(ctx: RequestContext[DeleteTreesBody]) -> Reply:
    """Delete trees by name."""
    return _forward("DELETE", "/data/diag/tree/delete", ctx)


@api.route("/diag/execute", body=ExecuteBody)
def execute(ctx: RequestContext[ExecuteBody]) -> dict[str, Any]:
    """Diagnose hosts x trees x time slices: one DIAGNOSE_EXECUTE_REQ message each."""
    assert ctx.principal is not None
    body, service = ctx.body, scheduler()
    dc = service.data_center
    wanted_hosts = list(dict.fromkeys(body.host_list))
    hosts = dc.post(
        "/data/host/info/get", {"host_list": wanted_hosts, "basic": True}, principal=ctx.principal
    )["host_infos"]
    known = {h["host_id"]: h for h in hosts}
    missing = [h for h in wanted_hosts if h not in known]
    if missing:
        raise NotFoundError(f"unknown hosts: {', '.join(missing[:10])}", field="host_list")
    wanted_trees = list(dict.fromkeys(body.tree_list))
    trees = dc.post("/data/diag/tree/get", {"tree_list": wanted_trees}, principal=ctx.principal)["trees"]
    by_name = {t["tree_name"]: t["tree_content"] for t in trees}
    absent = [t for t in wanted_trees if t not in by_name]
    if absent:
        raise NotFoundError(f"unknown fault trees: {', '.join(absent[:10])}", field="tree_list")
    cuts = slices(body.time_range[0], body.time_range[1], body.interval)
    expected = len(wanted_hosts) * len(wanted_trees) * len(cuts)
    limit = service.settings.diag_scheduler.max_reports_per_task
    if expected > limit:
        raise ParamError(f"{expected} reports would be made; at most {limit} per task", field="interval")
    task_id = uuid.uuid4().hex
    # The task is recorded before any message, so progress is never reported for an unknown task.
    dc.post(
        "/data/diag/task/save",
        {
            "task_id": task_id,
            "time": int(time.time()),
            "host_list": wanted_hosts,
            "tree_list": wanted_trees,
            "time_range": body.time_range,
            "interval": body.interval,
            "expected_report_num": expected,
        },
        principal=ctx.principal,
    )
    topic = service.settings.topic.name
    for host_id in wanted_hosts:
        for tree_name in wanted_trees:
            for start, end in cuts:
                service.producer.send(
                    topic,
                    {
                        "username": ctx.username,
                        "host_id": host_id,
                        "public_ip": known[host_id]["public_ip"],
                        "time_range": [start, end],
                        "tree_name": tree_name,
                        "tree_content": by_name[tree_name],
                        "task_id": task_id,
                    },
                    key=host_id,
                )
    service.producer.flush()
    return {"task_id": task_id, "expected_report_num": expected}


@api.route("/diag/task/get", body=GetTasksBody)
def get_tasks(ctx: RequestContext[GetTasksBody]) -> Reply:
    """Diagnosis tasks with their progress."""
    return _forward("POST", "/data/diag/task/get", ctx)


@api.route("/diag/task/delete", methods=("DELETE",), body=TaskIdsBody)
def delete_tasks(ctx: RequestContext[TaskIdsBody]) -> Reply:
    """Delete tasks and their reports (21.09 could not)."""
    return _forward("DELETE", "/data/diag/task/delete", ctx)


@api.route("/diag/progress/get", body=TaskIdsBody)
def progress(ctx: RequestContext[TaskIdsBody]) -> Reply:
    """Reports written so far per task, and whether the task is finished."""
    return _forward("POST", "/data/diag/process/query", ctx)


@api.route("/diag/report/get", body=ReportIdsBody)
def get_reports(ctx: RequestContext[ReportIdsBody]) -> Reply:
    """Reports by id, with the evaluated tree and its evidence."""
    return _forward("POST", "/data/diag/report/get", ctx)


@api.route("/diag/report/get_list", body=ReportListBody)
def list_reports(ctx: RequestContext[ReportListBody]) -> Reply:
    """Report summaries by task, or by hosts, trees and time."""
    return _forward("POST", "/data/diag/report/get_list", ctx)


@api.route("/diag/report/delete", methods=("DELETE",), body=ReportIdsBody)
def delete_reports(ctx: RequestContext[ReportIdsBody]) -> Reply:
    """Delete reports by id."""
    return _forward("DELETE", "/data/diag/report/delete", ctx)
