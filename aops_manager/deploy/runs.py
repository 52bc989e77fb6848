"""Deployment runs for the manager's routes: execute a task, read a run's state, cancel it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from aops_manager import vault
from aops_manager.app import Manager
from aops_manager.deploy.build import plan_of
from aops_manager.deploy.plan import Login
from aops_manager.deploy.plan import Plan
from aops_manager.deploy.plan import Target
from aops_manager.deploy.schemas import ExecuteBody
from aops_manager.deploy.schemas import StatusBody
from aops_manager.forwarding import call
from aops_utils.contracts.data_center.runs import AddRunBody
from aops_utils.contracts.data_center.runs import RunHistoryBody
from aops_utils.contracts.data_center.runs import RunStatus
from aops_utils.contracts.data_center.runs import UpdateRunBody
from aops_utils.data_center import CredentialRow
from aops_utils.errors import AopsError
from aops_utils.errors import KeyError_
from aops_utils.errors import ParamError
from aops_utils.restful import Principal


def user_key(app: Manager, principal: Principal) -> str:
    key = app.keyring.key_of(principal.username)
    if key is None:
        raise KeyError_("no vault key in memory: certificate it first (aops certificate)", field="key")
    return key


def open_logins(key: str, rows: Sequence[CredentialRow]) -> dict[str, Login]:
    """Each host's login, its vault opened with the user's key; hosts sharing a credential set
    (a fleet added at once) cost one opening (PBKDF2, some 10 ms)."""
    opened: dict[str, Login] = {}
    logins: dict[str, Login] = {}
    for row in rows:
        text = row["vault"]
        if text not in opened:
            opened[text] = Login.of_vault(vault.decrypt(key, text))
        logins[row["host_id"]] = opened[text]
    return logins


def logins_of(app: Manager, principal: Principal, host_ids: Sequence[str]) -> dict[str, Login]:
    _targets, logins = targets_of(app, principal, host_ids)
    return logins


def targets_of(
    app: Manager, principal: Principal, host_ids: Sequence[str]
) -> tuple[list[Target], dict[str, Login]]:
    """The user's hosts among `host_ids` to run on, and their logins by host id (a host id
    without one is not the user's host)."""
    key = user_key(app, principal)
    rows = call(principal, lambda: app.data_center.credentials(host_ids, principal))
    logins = open_logins(key, rows)
    targets = [Target.of_host(row, logins[row["host_id"]]) for row in rows]
    return targets, logins


def prepare(app: Manager, principal: Principal, task_id: str, check: bool) -> Plan:
    task = call(principal, lambda: app.data_center.resolve_task(task_id, principal))
    hosts = task["host_list"]
    if not hosts:
        raise ParamError(f"the task {task_id} has no hosts to deploy to", field="task_list")
    logins = logins_of(app, principal, [h["host_id"] for h in hosts])
    return plan_of(uuid.uuid4().hex, principal.username, task, logins, check=check)


def queued(app: Manager, plan: Plan) -> AddRunBody:
    return AddRunBody.model_validate(
        {
            "run_id": plan.run_id,
            "task_id": plan.task_id,
            "task_name": plan.task_name[:128],
            "check": plan.check,
            "owner": app.deployer.owner,
            "lease": app.deployer.lease,
            "steps": [
                {
                    "step": step.name,
                    "template_name": step.template_name,
                    "enable": step.enable,
                    "continue": step.proceed,
                    "hosts": [
                        {"host_id": t.host_id, "host_name": t.host_name} for t in plan.targets_of(step)
                    ],
                }
                for step in plan.steps
            ],
        }
    )


def submit(app: Manager, plan: Plan) -> None:
    """Record the run as queued, then hand it to the worker (the request does not wait for it)."""
    app.data_center.add_run(queued(app, plan), plan.username)
    try:
        app.deployer.submit(plan)
    except AopsError as exc:
        ended = {"status": RunStatus.FAILED.value, "reason": exc.detail[:1024]}
        app.data_center.update_run(
            UpdateRunBody.model_validate({"run_id": plan.run_id, "run": ended}), plan.username
        )
        raise


def execute(app: Manager, principal: Principal, body: ExecuteBody) -> dict[str, Any]:
    """Start a run of each task; every task is checked (key, hosts, credentials) before any runs."""
    user_key(app, principal)
    plans = [prepare(app, principal, task_id, body.check) for task_id in dict.fromkeys(body.task_list)]
    for plan in plans:
        submit(app, plan)
    runs = [{"task_id": p.task_id, "run_id": p.run_id} for p in plans]
    return {"run_id": runs[0]["run_id"], "run_list": runs}


def status(app: Manager, principal: Principal, body: StatusBody) -> dict[str, Any]:
    """A run in full, or a task's runs (newest first) with the newest one in full."""
    if body.run_id is not None:
        run_id = body.run_id
        return {"run": call(principal, lambda: app.data_center.run(run_id, principal))}
    assert body.task_id is not None
    history = RunHistoryBody(
        task_id=body.task_id, page=body.page, per_page=body.per_page, direction=body.direction
    )
    reply = call(principal, lambda: app.data_center.run_history(history, principal))
    runs = reply["run_list"]
    newest = max(runs, key=lambda r: r["created_at"], default=None)
    answer = {k: reply[k] for k in ("total_count", "total_page", "run_list")}
    answer["run"] = (
        call(principal, lambda: app.data_center.run(newest["run_id"], principal)) if newest else None
    )
    return answer


def cancel(app: Manager, principal: Principal, run_id: str) -> dict[str, Any]:
    """Stop a queued or running run of the user's; 409 when it has ended."""
    run = call(principal, lambda: app.data_center.run(run_id, principal))
    if RunStatus(run["status"]).ended:
        raise AopsError(
            f"the run has already ended ({run['status']})",
            code=ParamError.code,
            field="run_id",
            http_status=409,
        )
    if not app.deployer.cancel(run_id):
        # Not a run of this manager (another one runs it, or none does any longer): ended in the
        # data center, which tells the manager running it to stop at its next update.
        change = {"status": RunStatus.CANCELLED.value, "reason": "the run was cancelled"}
        update = UpdateRunBody.model_validate({"run_id": run_id, "run": change})
        call(principal, lambda: app.data_center.update_run(update, principal))
    return {"run_id": run_id, "status": "cancelling"}
