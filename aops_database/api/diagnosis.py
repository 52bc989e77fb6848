"""Diagnosis routes: fault trees, diagnosis tasks, their reports and progress."""

from __future__ import annotations

from typing import Any

from aops_database.api import api
from aops_database.api import docs_deletion
from aops_database.api import docs_listing
from aops_database.api import store_deletion
from aops_database.app import center
from aops_database.services import diag_reports
from aops_database.services import diag_watch
from aops_database.services import diagnosis
from aops_database.services import neighbours
from aops_utils.contracts.data_center.diagnosis import REPORTS_MAX_BODY
from aops_utils.contracts.data_center.diagnosis import TASK_MAX_BODY
from aops_utils.contracts.data_center.diagnosis import TREES_MAX_BODY
from aops_utils.contracts.data_center.diagnosis import AddTreesBody
from aops_utils.contracts.data_center.diagnosis import FailTaskBody
from aops_utils.contracts.data_center.diagnosis import GetReportsBody
from aops_utils.contracts.data_center.diagnosis import GetTasksBody
from aops_utils.contracts.data_center.diagnosis import GetTreesBody
from aops_utils.contracts.data_center.diagnosis import ListReportsBody
from aops_utils.contracts.data_center.diagnosis import NeighboursBody
from aops_utils.contracts.data_center.diagnosis import ProgressBody
from aops_utils.contracts.data_center.diagnosis import ReportIdsBody
from aops_utils.contracts.data_center.diagnosis import SaveReportsBody
from aops_utils.contracts.data_center.diagnosis import SaveTaskBody
from aops_utils.contracts.data_center.diagnosis import TaskIdsBody
from aops_utils.contracts.data_center.diagnosis import TreeNamesBody
from aops_utils.contracts.data_center.diagnosis import WatchTasksBody
from aops_utils.restful import Access
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext
from aops_utils.restful.batch import missing_reply
from aops_utils.restful.paging import Window
from aops_utils.restful.paging import paged_reply
from aops_utils.restful.validation import refuse_duplicates

# Trees: relational, one row per (user, name).


@api.route("/data/diag/tree/add", body=AddTreesBody, max_body=TREES_MAX_BODY)
def add_trees(ctx: RequestContext[AddTreesBody]) -> dict[str, Any]:
    """Insert or replace trees by name in one transaction; a name twice in one call is refused."""
    refuse_duplicates([i.tree_name for i in ctx.body.trees], "trees.*.tree_name", "tree name")
    trees = [item.model_dump() for item in ctx.body.trees]
    return diagnosis.add_trees(center().store, ctx.username, trees).reply()


@api.route("/data/diag/tree/get", body=GetTreesBody)
def get_trees(ctx: RequestContext[GetTreesBody]) -> dict[str, Any]:
    """The caller's trees (all when `tree_list` is empty) by name."""
    return {"trees": diagnosis.get_trees(center().store, ctx.username, ctx.body.tree_list)}


@store_deletion("/data/diag/tree/delete", TreeNamesBody, "tree_list", diagnosis.delete_trees, "fault tree")
def delete_trees() -> None:
    """Delete trees by name; tasks and reports made from them stay. Unknown names are failures."""


# Tasks: relational, with the number of their reports counted in the report index.


@api.route("/data/diag/task/save", body=SaveTaskBody, max_body=TASK_MAX_BODY)
def save_task(ctx: RequestContext[SaveTaskBody]) -> dict[str, Any]:
    """Store a diagnosis task; saving the same task id again replaces it."""
    diagnosis.save_task(center().store, ctx.username, ctx.body.model_dump())
    return {}


@api.route("/data/diag/task/get", body=GetTasksBody)
def get_tasks(ctx: RequestContext[GetTasksBody]) -> dict[str, Any]:
    """The caller's tasks by id and creation time, with their progress; unpaged means all."""
    b = ctx.body

    def tasks(window: Window) -> tuple[int, list[dict[str, Any]]]:
        query = diagnosis.TaskQuery(b.task_list, b.time_range, b.sort, b.direction, window)
        return diagnosis.get_tasks(center().store, center().docs, ctx.username, query)

    return paged_reply(b, "task_infos", tasks)


@api.route("/data/diag/task/delete", methods=("DELETE",), body=TaskIdsBody)
def delete_tasks(ctx: RequestContext[TaskIdsBody]) -> Reply:
    """Delete tasks and all their reports; unknown task ids are failures."""
    deleted, reports = diagnosis.delete_tasks(center().store, center().docs, ctx.username, ctx.body.task_list)
    return missing_reply(ctx.body.task_list, deleted, "task", deleted=deleted, reports_deleted=reports)


@api.route("/data/diag/task/watch", body=WatchTasksBody, access=Access.SERVICE)
def watch_tasks(ctx: RequestContext[WatchTasksBody]) -> dict[str, Any]:
    """A diag scheduler's task watch over every user's running tasks: renew its leases, record
    the finished tasks, claim those whose lease ran out, fail those past their deadline."""
    b = ctx.body
    run = diag_watch.Watch(b.owner, b.lease, b.takeover, b.limit, b.timeout, b.timeout_per_report)
    return diag_watch.watch(center().store, center().docs, run)


@api.route("/data/diag/task/fail", body=FailTaskBody)
def fail_task(ctx: RequestContext[FailTaskBody]) -> dict[str, Any]:
    """Mark a running task failed with the reason; `failed` is false when it had ended already."""
    b = ctx.body
    return {"failed": diag_watch.fail_task(center().store, ctx.username, b.task_id, b.reason)}


@api.route("/data/diag/process/query", body=ProgressBody)
def query_progress(ctx: RequestContext[ProgressBody]) -> dict[str, Any]:
    """Reports stored so far and expected, per task."""
    return {"result": diagnosis.progress(center().store, center().docs, ctx.username, ctx.body.task_list)}


# Reports: documents in the diag_report index, one per (user, report id).


@api.route("/data/diag/report/save", body=SaveReportsBody, max_body=REPORTS_MAX_BODY)
def save_reports(ctx: RequestContext[SaveReportsBody]) -> dict[str, Any]:
    """Store reports in bulk; a report with the id of a stored one replaces it."""
    # The evaluated tree passes as validated: model_dump would copy every node of every report
    # (8.6 KB each), which took 40 % of the data center's CPU in bench_diagnosis.py.
    rows = [item.model_dump(exclude={"report"}) | {"report": item.report} for item in ctx.body.reports]
    return {"saved": diag_reports.save_reports(center().docs, ctx.username, rows)}


@api.route("/data/diag/report/get", body=GetReportsBody)
def get_reports(ctx: RequestContext[GetReportsBody]) -> dict[str, Any]:
    """The caller's reports by id, each with its evaluated tree."""
    return {"result": diag_reports.get_reports(center().docs, ctx.username, ctx.body.report_list)}


@api.route("/data/diag/neighbours", body=NeighboursBody)
def get_neighbours(ctx: RequestContext[NeighboursBody]) -> dict[str, Any]:
    """Each slice's host's neighbours on the topology map with their abnormal results in the
    slice, as a report's neighbours section (services/neighbours.py); only the user's hosts."""
    c = center()
    slices = [(s.host_id, s.time_range[0], s.time_range[1]) for s in ctx.body.slices]
    return {"neighbours": neighbours.neighbours(c.store, c.docs, c.results, ctx.username, slices)}


@docs_listing("/data/diag/report/get_list", ListReportsBody, "result", diag_reports.list_reports)
def list_reports() -> None:
    """Reports of a task, or of hosts and trees within a time range, with the root's verdict."""


@docs_deletion(
    "/data/diag/report/delete",
    ReportIdsBody,
    "report_list",
    diag_reports.delete_reports,
    "report",
    count=True,
)
def delete_reports() -> None:
    """Delete the caller's reports by id; unknown ids are failures. `deleted` counts them (21.09)."""
