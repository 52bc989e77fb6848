"""The shared task-state rules (aops_utils.tasks): what state a task is answered with, deadlines,
lease holder names, and a periodic job that outlives its failures."""

from __future__ import annotations

import threading

from aops_utils.errors import ServiceUnavailable
from aops_utils.tasks import MAX_OWNER
from aops_utils.tasks import Periodic
from aops_utils.tasks import TaskStatus
from aops_utils.tasks import deadline_after
from aops_utils.tasks import shown_state
from aops_utils.tasks import watcher_id


def test_a_task_is_shown_finished_once_its_work_is_stored_whatever_was_recorded() -> None:
    assert shown_state("running", "", 3, 3) == (TaskStatus.FINISHED, "")
    assert shown_state("failed", "timed out", 3, 3) == (TaskStatus.FINISHED, "")
    assert shown_state("running", "", 2, 3) == (TaskStatus.RUNNING, "")
    assert shown_state("failed", "timed out", 2, 3) == (TaskStatus.FAILED, "timed out")


def test_the_deadline_grows_with_the_work_and_rounds_up() -> None:
    assert deadline_after(1000.7, 0, 600, 0.1) == 1600
    assert deadline_after(1000, 1001, 600, 0.1) == 1000 + 600 + 101


def test_two_starts_of_one_service_hold_leases_under_different_names() -> None:
    first, second = watcher_id("adoctor-diag-scheduler"), watcher_id("adoctor-diag-scheduler")
    assert first != second and first.startswith("adoctor-diag-scheduler@")
    assert len(watcher_id("x" * 200)) == MAX_OWNER


def test_a_periodic_job_runs_again_after_it_failed() -> None:
    runs: list[int] = []
    third = threading.Event()

    def job() -> None:
        runs.append(1)
        if len(runs) == 1:
            raise ServiceUnavailable("the data center is away")
        if len(runs) == 2:
            raise RuntimeError("a bug")
        third.set()

    loop = Periodic("test-job", job, 0.05)
    loop.start()
    try:
        assert third.wait(10)
    finally:
        loop.close()
