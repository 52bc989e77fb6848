"""The manager's deployment worker: runs in a bounded pool, outside any request, with leases.

`max_runs` runs at once, up to `max_queued` more waiting. Each run is recorded in the data
center under this manager's lease, renewed while the manager lives; a run whose manager died is
ended as `interrupted` by the next watch of any manager once its lease runs out, and at once
by a manager that finds the run's directory left in its data directory when it starts.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from dataclasses import field

from aops_manager.deploy.ansible_env import AnsibleSetup
from aops_manager.deploy.plan import Plan
from aops_manager.deploy.pool import DaemonPool
from aops_manager.deploy.reporter import RunReporter
from aops_manager.deploy.runner import Outcome
from aops_manager.deploy.runner import Stop
from aops_manager.deploy.runner import run_plan
from aops_manager.deploy.workdir import RunDirs
from aops_manager.settings import DeploySection
from aops_utils.codes import Code
from aops_utils.contracts.data_center.runs import RunStatus
from aops_utils.contracts.data_center.runs import UpdateRunBody
from aops_utils.data_center import DataCenter
from aops_utils.errors import AopsError
from aops_utils.tasks import Periodic
from aops_utils.tasks import watcher_id

LOG = logging.getLogger(__name__)
LEFT_BEHIND = "the manager running it stopped before it ended"
CLOSE_TIMEOUT = 20.0


@dataclass(slots=True)
class Job:
    plan: Plan
    stop: Stop = field(default_factory=Stop)


class Deployer:
    def __init__(self, data_center: DataCenter, settings: DeploySection) -> None:
        self._dc = data_center
        self._settings = settings
        self.setup = AnsibleSetup.of(settings)
        self.dirs = RunDirs(settings.data_dir)
        self.owner = watcher_id("aops-manager")
        self._pool = DaemonPool(settings.max_runs, "deploy-run")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._left: list[str] = []
        self._watch = Periodic("deploy-run-lease", self.tend, settings.run_lease / 3)
        self._closing = False

    @property
    def lease(self) -> int:
        return self._settings.run_lease

    def start(self) -> None:
        """Take the data directory, clear what a dead manager left in it, start the lease watch."""
        if self.dirs.claim():
            self._left = self.dirs.sweep()
            if self._left:
                LOG.warning("removed %d run directories a stopped manager left", len(self._left))
        else:
            LOG.warning("%s is in use by another manager: its runs are left alone", self.dirs.data_dir)
        self._watch.start()

    def tend(self) -> None:
        """Renew the leases of the runs this manager has; end the runs of managers that stopped
        (and its own whose last state could not be stored: they are no longer renewed)."""
        with self._lock:
            mine = list(self._jobs)
        if mine:
            self._dc.renew_runs(self.owner, self.lease, mine)
        left = [name for name in self._left if len(name) == 32]
        ended = self._dc.interrupt_runs(left, LEFT_BEHIND)
        self._left = []
        if ended:
            LOG.warning("runs ended as interrupted (their manager stopped): %s", ", ".join(ended))

    def running(self) -> int:
        with self._lock:
            return len(self._jobs)

    def submit(self, plan: Plan) -> None:
        """Queue a run (recorded in the data center already); refused when the queue is full."""
        with self._lock:
            if self._closing:
                raise AopsError("the manager is stopping", code=Code.TASK_EXECUTION_FAIL, http_status=409)
            if len(self._jobs) >= self._settings.max_runs + self._settings.max_queued:
                raise AopsError(
                    f"{len(self._jobs)} runs are running or queued, the most this manager takes "
                    "(manager.ini [deploy] max_runs + max_queued); try again later",
                    code=Code.TASK_EXECUTION_FAIL,
                    http_status=429,
                )
            job = Job(plan)
            self._jobs[plan.run_id] = job
        try:
            self._pool.submit(self._run, job)
        except RuntimeError:
            with self._lock:
                self._jobs.pop(plan.run_id, None)
            raise AopsError(
                "the manager is stopping", code=Code.TASK_EXECUTION_FAIL, http_status=409
            ) from None

    def cancel(self, run_id: str) -> bool:
        """Stop a queued or running run of this manager; False when it has none such."""
        with self._lock:
            job = self._jobs.get(run_id)
        if job is None:
            return False
        job.stop.set(RunStatus.CANCELLED, "the run was cancelled")
        return True

    def _run(self, job: Job) -> None:
        plan = job.plan

        def send(body: UpdateRunBody) -> str:
            return self._dc.update_run(body, plan.username)

        reporter = RunReporter(plan.run_id, send, self._settings.status_interval)
        reporter.on_ended = lambda: job.stop.set(
            RunStatus.INTERRUPTED, "the run was ended in the data center"
        )
        reporter.start()
        outcome = Outcome(RunStatus.FAILED, "the run did not end")
        try:
            outcome = run_plan(plan, self.setup, self.dirs, reporter, job.stop)
        except Exception as exc:
            LOG.exception("run %s of task %s failed", plan.run_id, plan.task_id)
            outcome = Outcome(RunStatus.FAILED, f"internal error: {type(exc).__name__}: {exc}")
        finally:
            reporter.run(outcome.status, outcome.reason, ended_at=time.time())
            reporter.close()
            with self._lock:
                self._jobs.pop(plan.run_id, None)
        LOG.info("run %s of task %s: %s %s", plan.run_id, plan.task_id, outcome.status, outcome.reason)

    def close(self) -> None:
        """Stop: runs still going end as interrupted, their directories removed."""
        with self._lock:
            self._closing = True
            jobs = list(self._jobs.values())
        for job in jobs:
            job.stop.set(RunStatus.INTERRUPTED, "the manager stopped")
        # Each run stops within a quarter of a second and sends its last state; queued ones
        # pass through quickly (stopped before they start).
        self._pool.shutdown(CLOSE_TIMEOUT)
        self._watch.close()
        self.dirs.release()
