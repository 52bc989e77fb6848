"""The diag scheduler's workflows: tree import per item and diagnosis execution."""

from __future__ import annotations

import base64
import binascii
import logging
import tempfile
import time
import uuid
from collections.abc import Sequence
from typing import Any

from adoctor_diag_scheduler.app import DiagScheduler
from adoctor_diag_scheduler.jobs import Slice
from adoctor_diag_scheduler.jobs import publish
from adoctor_diag_scheduler.jobs import slices
from adoctor_diag_scheduler.schemas import ExecuteBody
from adoctor_diag_scheduler.schemas import TreeIn
from aops_utils.codes import Code
from aops_utils.contracts.data_center.diagnosis import SaveTaskBody
from aops_utils.errors import AopsError
from aops_utils.errors import ParamError
from aops_utils.restful import Principal
from aops_utils.restful import Reply
from aops_utils.restful.batch import Named
from aops_utils.restful.batch import imported
from aops_utils.restful.batch import sort_out
from aops_utils.trees import TreeError
from aops_utils.trees import parse_tree
from aops_utils.trees import tree_from_xlsx

LOG = logging.getLogger(__name__)
TREES = Named(key="tree_name", items="trees", noun="tree", label="tree")


def import_trees(service: DiagScheduler, principal: Principal, trees: Sequence[dict[str, Any]]) -> Reply:
    """Store the trees that are valid against the user's rules; list each other one in
    `fail_list` with its reason (21.09: code 206 when some were stored)."""
    dc = service.data_center
    known = {rule["check_item"] for rule in dc.rules([], principal)}

    def problem(tree: TreeIn, index: int) -> dict[str, Any] | None:
        try:
            parse_tree(tree.tree_content, known)
        except TreeError as exc:
            return {"field": f"trees.{index}.tree_content", "reason": exc.detail}
        return None

    good, failed = sort_out(trees, TreeIn, TREES, problem)
    stored: dict[str, Any] = {}
    if good:
        stored = dc.add_trees(good, principal)
    return imported(stored, failed, TREES)


def read_workbook(encoded: str) -> dict[str, Any]:
    """The tree of a 21.09 workbook (base64 `.xlsx`), as `adoctor faultree --action add` reads
    it: {tree_name (cell A1), tree_content}; its check items are checked when it is imported."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    # binascii.Error for a bad alphabet or padding, ValueError for a character beyond ASCII.
    except (binascii.Error, ValueError) as exc:
        raise ParamError(f"the workbook is not base64: {exc}", field="workbook") from None
    # openpyxl reads a path; the file lives only for this request.
    with tempfile.TemporaryDirectory(prefix="aops-workbook-") as folder:
        path = f"{folder}/upload.xlsx"
        with open(path, "wb") as handle:
            handle.write(raw)
        try:
            title, tree = tree_from_xlsx(path)
        except TreeError as exc:
            # The message names the file: the temporary path means nothing to the uploader.
            raise ParamError(exc.detail.replace(repr(path), "the upload"), field="workbook") from None
    return {"tree_name": title, "tree_content": tree}


def _no_valid(what: str, field: str, failed: list[dict[str, Any]]) -> AopsError:
    # 21.09's answer when nothing was left to diagnose: 1301 "No valid host." (or tree); 404
    # because what was named does not exist.
    named = [str(f.get("host_id") or f.get("tree_name")) for f in failed if f["field"] == field]
    names = ", ".join(named[:10]) + (" ..." if len(named) > 10 else "")
    return AopsError(
        f"No valid {what}: {names}",
        code=Code.TASK_EXECUTION_FAIL,
        field=field,
        http_status=404,
        payload={"fail_list": failed},
    )


def slice_count(start: int, end: int, interval: int) -> int:
    """len(slices(start, end, interval)), without building them."""
    return max(0, -(-(end - start) // interval))


def refuse_oversized(body: ExecuteBody, limit: int) -> None:
    """400 naming the fields when the request asks for more than `limit` reports, before anything
    is looked up or built (a slice list of a wide range at a 1-second interval alone fills memory)."""
    hosts, trees = len(set(body.host_list)), len(set(body.tree_list))
    cuts = slice_count(body.time_range[0], body.time_range[1], body.interval)
    if hosts * trees * cuts <= limit:
        return
    fields = ("host_list", "tree_list", "time_range", "interval")
    raise ParamError(
        f"host_list x tree_list x slices of time_range by interval = {hosts} x {trees} x {cuts} = "
        f"{hosts * trees * cuts} reports; a task makes at most {limit} (max_reports_per_task)",
        field="interval",
        payload={"errors": [{"field": name, "error": "too many reports in one task"} for name in fields]},
    )


def execute(service: DiagScheduler, principal: Principal, body: ExecuteBody) -> Reply:
    """Diagnose the known hosts x known trees x time slices, one DIAGNOSE_EXECUTE_REQ each; the
    unknown hosts and trees are listed in `fail_list` (21.09 dropped them silently)."""
    refuse_oversized(body, service.settings.diag_scheduler.max_reports_per_task)
    dc = service.data_center
    wanted_hosts = list(dict.fromkeys(body.host_list))
    known = {h["host_id"]: h for h in dc.host_basics(wanted_hosts, principal)}
    failed: list[dict[str, Any]] = [
        {"host_id": h, "field": "host_list", "reason": "unknown host"} for h in wanted_hosts if h not in known
    ]
    host_ids = [h for h in wanted_hosts if h in known]
    if not host_ids:
        raise _no_valid("host", "host_list", failed)
    wanted_trees = list(dict.fromkeys(body.tree_list))
    by_name = {t["tree_name"]: t["tree_content"] for t in dc.trees(wanted_trees, principal)}
    absent = [
        {"tree_name": t, "field": "tree_list", "reason": "unknown fault tree"}
        for t in wanted_trees
        if t not in by_name
    ]
    tree_names = [t for t in wanted_trees if t in by_name]
    failed.extend(absent)
    if not tree_names:
        raise _no_valid("fault tree", "tree_list", failed)
    cuts = slices(body.time_range[0], body.time_range[1], body.interval)
    expected = len(host_ids) * len(tree_names) * len(cuts)
    task_id = uuid.uuid4().hex
    # The task is recorded before any message, so progress is never reported for an unknown task;
    # this process holds it while it runs, and it fails if it does not end in time (jobs.py).
    watch = service.watch
    task = SaveTaskBody(
        task_id=task_id,
        time=int(time.time()),
        host_list=host_ids,
        tree_list=tree_names,
        time_range=list(body.time_range),
        interval=body.interval,
        expected_report_num=expected,
        owner=watch.owner,
        lease=watch.lease,
        timeout=watch.timeout(expected),
    )
    dc.save_task(task, principal)
    trees_used = {name: by_name[name] for name in tree_names}
    work = (Slice(known[h], t, start, end) for h in host_ids for t in tree_names for start, end in cuts)
    try:
        topic = service.settings.topic.name
        publish(service.producer, topic, principal.username, task_id, trees=trees_used, work=work)
    except AopsError as exc:
        # The caller hears of the failure and asks again: this task would never end.
        _fail(service, task_id, f"its requests could not be published: {exc.detail}", principal)
        raise
    payload: dict[str, Any] = {
        "task_id": task_id,
        "expected_report_num": expected,
        "host_list": host_ids,
        "tree_list": tree_names,
        "fail_list": failed,
    }
    if not failed:
        return Reply(Code.SUCCEED, payload)
    payload["detail"] = "; ".join(f"{f['reason']} {f.get('host_id') or f.get('tree_name')}" for f in failed)
    return Reply(Code.PARTIAL_SUCCEED, payload)


def _fail(service: DiagScheduler, task_id: str, reason: str, principal: Principal) -> None:
    try:
        service.data_center.fail_task(task_id, reason, principal)
    except AopsError as exc:
        # The task watch fails it at its deadline instead.
        LOG.warning("diagnosis task %s: %s; it could not be marked failed: %s", task_id, reason, exc.detail)
