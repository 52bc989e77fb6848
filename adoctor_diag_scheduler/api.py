"""The 21.09 diagnosis routes, plus deleting a task with its reports."""

from __future__ import annotations

from adoctor_diag_scheduler import service
from adoctor_diag_scheduler.app import scheduler
from adoctor_diag_scheduler.schemas import WORKBOOK_MAX_BODY
from adoctor_diag_scheduler.schemas import DeleteTreesBody
from adoctor_diag_scheduler.schemas import ExecuteBody
from adoctor_diag_scheduler.schemas import GetTasksBody
from adoctor_diag_scheduler.schemas import ImportTreesBody
from adoctor_diag_scheduler.schemas import ReportIdsBody
from adoctor_diag_scheduler.schemas import ReportListBody
from adoctor_diag_scheduler.schemas import TaskIdsBody
from adoctor_diag_scheduler.schemas import TreeNamesBody
from adoctor_diag_scheduler.schemas import WorkbookBody
from aops_utils.clients import forward
from aops_utils.codes import Code
from aops_utils.contracts.data_center import diagnosis as dc
from aops_utils.contracts.data_center.diagnosis import TREES_MAX_BODY
from aops_utils.data_center import relayed
from aops_utils.restful import Api
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext

api = Api("A-Ops diag scheduler")


@api.route("/diag/tree/import", body=ImportTreesBody, max_body=TREES_MAX_BODY)
def import_trees(ctx: RequestContext[ImportTreesBody]) -> Reply:
    """Import fault trees per item: each is validated against the user's check rules first."""
    assert ctx.principal is not None
    return service.import_trees(scheduler(), ctx.principal, ctx.body.trees)


@api.route("/diag/tree/workbook", body=WorkbookBody, max_body=WORKBOOK_MAX_BODY)
def read_workbook(ctx: RequestContext[WorkbookBody]) -> Reply:
    """The tree of a 21.09 `.xlsx` workbook (base64), to import with /diag/tree/import; nothing
    is stored."""
    return Reply(Code.SUCCEED, service.read_workbook(ctx.body.workbook))


@api.route("/diag/tree/get", body=TreeNamesBody)
def get_trees(ctx: RequestContext[TreeNamesBody]) -> Reply:
    """Trees by name (all when `tree_list` is empty)."""
    return forward(scheduler().data_center.get_trees, relayed(dc.GetTreesBody, ctx.body), ctx)


@api.route("/diag/tree/delete", methods=("DELETE",), body=DeleteTreesBody)
def delete_trees(ctx: RequestContext[DeleteTreesBody]) -> Reply:
    """Delete trees by name, per item (unknown names fail)."""
    return forward(scheduler().data_center.delete_trees, relayed(dc.TreeNamesBody, ctx.body), ctx)


@api.route("/diag/execute", body=ExecuteBody)
def execute(ctx: RequestContext[ExecuteBody]) -> Reply:
    """Diagnose hosts x trees x time slices; unknown hosts and trees are listed in fail_list."""
    assert ctx.principal is not None
    return service.execute(scheduler(), ctx.principal, ctx.body)


@api.route("/diag/task/get", body=GetTasksBody)
def get_tasks(ctx: RequestContext[GetTasksBody]) -> Reply:
    """Diagnosis tasks with their progress."""
    return forward(scheduler().data_center.get_tasks, relayed(dc.GetTasksBody, ctx.body), ctx)


@api.route("/diag/task/delete", methods=("DELETE",), body=TaskIdsBody)
def delete_tasks(ctx: RequestContext[TaskIdsBody]) -> Reply:
    """Delete tasks and their reports (21.09 could not)."""
    return forward(scheduler().data_center.delete_tasks, relayed(dc.TaskIdsBody, ctx.body), ctx)


@api.route("/diag/progress/get", body=TaskIdsBody)
def progress(ctx: RequestContext[TaskIdsBody]) -> Reply:
    """Reports written so far per task, and whether the task is finished."""
    return forward(scheduler().data_center.progress, relayed(dc.ProgressBody, ctx.body), ctx)


@api.route("/diag/report/get", body=ReportIdsBody)
def get_reports(ctx: RequestContext[ReportIdsBody]) -> Reply:
    """Reports by id, with the evaluated tree and its evidence."""
    return forward(scheduler().data_center.get_reports, ctx.body, ctx)


@api.route("/diag/report/get_list", body=ReportListBody)
def list_reports(ctx: RequestContext[ReportListBody]) -> Reply:
    """Report summaries by task, or by hosts, trees and time."""
    return forward(scheduler().data_center.list_reports, relayed(dc.ListReportsBody, ctx.body), ctx)


@api.route("/diag/report/delete", methods=("DELETE",), body=ReportIdsBody)
def delete_reports(ctx: RequestContext[ReportIdsBody]) -> Reply:
    """Delete reports by id."""
    return forward(scheduler().data_center.delete_reports, relayed(dc.ReportIdsBody, ctx.body), ctx)
