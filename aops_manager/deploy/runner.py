"""A deployment run: its steps in order as 21.09 section 6.4 says, each host's state reported.

A step not enabled is skipped. A step runs its component's playbook over the hosts given that
component; it fails when a host failed or was unreachable. A failed step stops the run unless
its `continue` is true; the steps after a stop are skipped. The run has failed when a step
failed (even one allowed to continue), and is cancelled when asked to stop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aops_manager.deploy import workdir as workdirs
from aops_manager.deploy.ansible_env import AnsibleSetup
from aops_manager.deploy.events import StepTracker
from aops_manager.deploy.inventory import write_inventory
from aops_manager.deploy.plan import Plan
from aops_manager.deploy.plan import Step
from aops_manager.deploy.playbooks import run_playbook
from aops_manager.deploy.reporter import RunReporter
from aops_manager.deploy.workdir import RunDirs
from aops_utils.contracts.data_center.runs import RunStatus
from aops_utils.contracts.data_center.runs import StepStatus

LOG = logging.getLogger(__name__)
S = StepStatus
REDACTED = "********"


class Redactor:
    """Replaces a run's secrets in anything it reports: a playbook may print what it was given."""

    def __init__(self, secrets: list[str]) -> None:
        # Longest first, so that a secret holding another is replaced whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def text(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def __call__(self, change: dict[str, Any]) -> dict[str, Any]:
        for key in ("task", "message", "output"):
            change[key] = self.text(change[key])
        return change


class Stop:
    """Asks a run to stop: cancelled by its user, or interrupted (the manager stops)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self.status = RunStatus.CANCELLED
        self.reason = ""

    def set(self, status: RunStatus, reason: str) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.status, self.reason = status, reason
            self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def host_status(self) -> StepStatus:
        return S.INTERRUPTED if self.status is RunStatus.INTERRUPTED else S.CANCELLED


class StepRun:
    """One step of a run: the playbook over its hosts, their states reported as they change."""

    def __init__(self, step: Step, plan: Plan, reporter: RunReporter, redact: Redactor, stop: Stop) -> None:
        self.step = step
        self.reporter = reporter
        self.redact = redact
        self.stop = stop
        targets = plan.targets_of(step)
        self.tracker = StepTracker(
            step.position, {t.inventory_name: (t.host_id, t.host_name) for t in targets}
        )

    def report_hosts(self, states: Any) -> None:
        ended = False
        for state in states:
            self.reporter.host(self.redact(state.change(self.step.position)))
            ended = ended or state.status.ended
        if ended:
            self.reporter.soon()

    def on_event(self, event: Mapping[str, Any]) -> None:
        self.report_hosts(self.tracker.handle(event))

    def skip(self, reason: str) -> StepStatus:
        self.report_hosts(self.tracker.close(S.SKIPPED, reason))
        now = time.time()
        self.reporter.step(self.step.position, S.SKIPPED.value, started_at=now, ended_at=now)
        return S.SKIPPED

    def halt(self) -> StepStatus:
        """The run was stopped before or during this step."""
        self.report_hosts(self.tracker.close(self.stop.host_status, self.stop.reason))
        return self.end(self.stop.host_status)

    def end(self, status: StepStatus) -> StepStatus:
        self.reporter.step(self.step.position, status.value, ended_at=time.time())
        self.reporter.soon()
        return status

    def run(self, setup: AnsibleSetup, workdir: Path, check: bool) -> StepStatus:
        step = self.step
        if not step.enable:
            return self.skip("the step is not enabled")
        if not self.tracker.hosts:
            return self.skip(f"no host of the task is given the component {step.name}")
        self.reporter.step(step.position, S.RUNNING.value, started_at=time.time())
        self.reporter.soon()
        playbook = setup.playbook(step.name)
        if playbook is None:
            self.report_hosts(
                self.tracker.close(S.FAILED, f"there is no playbook for the component {step.name}")
            )
            return self.end(S.FAILED)
        result = run_playbook(
            workdir,
            setup,
            playbook,
            ident=f"step-{step.position}",
            on_event=self.on_event,
            cancelled=self.stop.is_set,
            variables=step.variables,
            check=check,
        )
        if result.status == "canceled":
            return self.halt()
        # No recap: Ansible stopped before it ran anything (a syntax error, a missing role).
        self.report_hosts(self.tracker.close(S.FAILED, result.tail or f"ansible-runner: {result.status}"))
        return self.end(self.tracker.outcome())


@dataclass(frozen=True, slots=True)
class Outcome:
    status: RunStatus
    reason: str = ""


def run_plan(plan: Plan, setup: AnsibleSetup, dirs: RunDirs, reporter: RunReporter, stop: Stop) -> Outcome:
    """Run the plan's steps in its own private directory, removed whatever happens."""
    if not stop.is_set():
        reporter.run(RunStatus.RUNNING, started_at=time.time())
        reporter.soon()
    redact = Redactor(plan.secrets())
    path = dirs.create(plan.run_id)
    failed: list[str] = []
    stopped_by = ""
    try:
        write_inventory(path, plan.targets, setup.connection)
        for step in plan.steps:
            step_run = StepRun(step, plan, reporter, redact, stop)
            if stop.is_set():
                step_run.halt()
                continue
            if stopped_by:
                step_run.skip(f"the step {stopped_by} failed and does not continue")
                continue
            outcome = step_run.run(setup, path, plan.check)
            if outcome is S.FAILED:
                failed.append(step.name)
                if not step.proceed:
                    stopped_by = step.name
    finally:
        workdirs.remove(path)
    if stop.is_set():
        return Outcome(stop.status, stop.reason)
    if failed:
        return Outcome(RunStatus.FAILED, "failed steps: " + ", ".join(failed))
    return Outcome(RunStatus.SUCCEEDED)
