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
from aops_utils.codes import Code
from aops_utils.contracts.data_center import diagnosis as dc
from aops_utils.contracts.data_center.diagnosis import TREES_MAX_BODY
from aops_utils.data_center import DataCenter
from aops_utils.data_center import Relays
from aops_utils.restful import Api
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext

api = Api("A-Ops diag scheduler")
# Routes the data center answers: the body passes on, the answer comes back as it is.
relay = Relays(api, lambda: scheduler().data_center)


@api.route("/diag/tree/import", body=ImportTreesBody, max_body=TREES_MAX_BODY)
def import_trees(ctx: RequestContext[ImportTreesBody]) -> Reply:
    """Import fault trees per item: each is validated against the user's check rules first."""
    return service.import_trees(scheduler(), ctx.caller, ctx.body.trees)


@api.route("/diag/tree/workbook", body=WorkbookBody, max_body=WORKBOOK_MAX_BODY)
def read_workbook(ctx: RequestContext[WorkbookBody]) -> Reply:
    """The tree of a 21.09 `.xlsx` workbook (base64), to import with /diag/tree/import; nothing
    is stored."""
    return Reply(Code.SUCCEED, service.read_workbook(ctx.body.workbook))


@relay("/diag/tree/get", TreeNamesBody, DataCenter.get_trees, dc.GetTreesBody)
def get_trees() -> None:
    """Trees by name (all when `tree_list` is empty)."""


@relay("/diag/tree/delete", DeleteTreesBody, DataCenter.delete_trees, dc.TreeNamesBody)
def delete_trees() -> None:
    """Delete trees by name, per item (unknown names fail)."""


@api.route("/diag/execute", body=ExecuteBody)
def execute(ctx: RequestContext[ExecuteBody]) -> Reply:
    """Diagnose hosts x trees x time slices; unknown hosts and trees are listed in fail_list."""
    return service.execute(scheduler(), ctx.caller, ctx.body)


@relay("/diag/task/get", GetTasksBody, DataCenter.get_tasks, dc.GetTasksBody)
def get_tasks() -> None:
    """Diagnosis tasks with their progress."""


@relay("/diag/task/delete", TaskIdsBody, DataCenter.delete_tasks, dc.TaskIdsBody)
def delete_tasks() -> None:
    """Delete tasks and their reports (21.09 could not)."""


@relay("/diag/progress/get", TaskIdsBody, DataCenter.progress, dc.ProgressBody)
def progress() -> None:
    """Reports written so far per task, and whether the task is finished."""


@relay("/diag/report/get", ReportIdsBody, DataCenter.get_reports)
def get_reports() -> None:
    """Reports by id, with the evaluated tree and its evidence."""


@relay("/diag/report/get_list", ReportListBody, DataCenter.list_reports, dc.ListReportsBody)
def list_reports() -> None:
    """Report summaries by task, or by hosts, trees and time."""


@relay("/diag/report/delete", ReportIdsBody, DataCenter.delete_reports, dc.ReportIdsBody)
def delete_reports() -> None:
    """Delete reports by id."""
