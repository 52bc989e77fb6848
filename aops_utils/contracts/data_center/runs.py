"""Deployment runs: their states and the data-center bodies that record them as they happen."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict
from pydantic import Field
from pydantic import StringConstraints

from aops_utils.contracts import MIB
from aops_utils.contracts import HostId
from aops_utils.contracts import HostName
from aops_utils.contracts import Names
from aops_utils.contracts import OptionalNames
from aops_utils.contracts.data_center.diagnosis import Hex32
from aops_utils.restful.paging import PagedBody
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Direction
from aops_utils.restful.validation import Name128
from aops_utils.restful.validation import Text1024
from aops_utils.tasks import MAX_OWNER

RunId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
TaskId = Hex32
# A step is a component (or a custom step) by name; a run has at most this many.
StepName = Name128
MAX_STEPS = 256
MAX_RUN_HOSTS = 10_000
# What a host's row keeps of a step: the failing task's message and the last lines of output.
MAX_MESSAGE = 4096
MAX_OUTPUT = 16384
OUTPUT_LINES = 20
# A run's record: every host of every step, queued (a large run: 256 steps x 100 hosts).
RUN_MAX_BODY = 16 * MIB
UPDATE_MAX_BODY = 16 * MIB
Owner = Annotated[str, StringConstraints(min_length=1, max_length=MAX_OWNER, pattern=r"^[\x21-\x7e]+$")]
Seconds = Annotated[float, Field(ge=0, le=2**40)]


class _Progress(StrEnum):
    """A state of something that waits (`queued`), goes on (`running`), then ends somehow."""

    @property
    def ended(self) -> bool:
        return self.value not in ("queued", "running")


class RunStatus(_Progress):
    """A run as a whole. `interrupted`: the manager that ran it stopped before it ended."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


class StepStatus(_Progress):
    """One step of a run, or one host within a step.

    `ok`: nothing changed; `changed`: something did (or would, in check mode); `failed`: a task
    failed (a step: on some host); `unreachable`: no SSH session; `skipped`: not run (step not
    enabled, no host for it, an earlier step failed without `continue`, nothing matched);
    `cancelled`/`interrupted`: the run stopped while it was queued or running.
    """

    QUEUED = "queued"
    RUNNING = "running"
    OK = "ok"
    CHANGED = "changed"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


Message = Annotated[str, StringConstraints(max_length=MAX_MESSAGE)]
Output = Annotated[str, StringConstraints(max_length=MAX_OUTPUT)]


class RunHost(Body):
    host_id: HostId
    host_name: HostName


class NewStep(Body):
    step: StepName
    template_name: Annotated[str, StringConstraints(max_length=128)] = ""
    enable: bool
    # `continue` in 21.09's step lists: go on with the next step when this one failed.
    proceed: bool = Field(alias="continue")
    hosts: list[RunHost] = Field(max_length=MAX_RUN_HOSTS)

    model_config = ConfigDict(populate_by_name=True)


class AddRunBody(Body):
    """A run as it is queued: its steps in order and, per step, the hosts it runs on."""

    run_id: RunId
    task_id: TaskId
    task_name: Annotated[str, StringConstraints(max_length=128)] = ""
    check: bool = False
    owner: Owner
    lease: int = Field(gt=0, le=86400)
    steps: list[NewStep] = Field(max_length=MAX_STEPS)


class StepChange(Body):
    position: int = Field(ge=0, lt=MAX_STEPS)
    status: StepStatus
    started_at: Seconds | None = None
    ended_at: Seconds | None = None


class HostChange(Body):
    position: int = Field(ge=0, lt=MAX_STEPS)
    host_id: HostId
    host_name: HostName
    status: StepStatus
    task: Annotated[str, StringConstraints(max_length=1024)] = ""
    message: Message = ""
    output: Output = ""
    started_at: Seconds | None = None
    ended_at: Seconds | None = None


class RunChange(Body):
    status: RunStatus
    reason: Text1024 = ""
    started_at: Seconds | None = None
    ended_at: Seconds | None = None


class UpdateRunBody(Body):
    """What changed in a run since the last update: the newest state of each step and host."""

    run_id: RunId
    run: RunChange | None = None
    steps: list[StepChange] = Field(default_factory=list, max_length=MAX_STEPS)
    hosts: list[HostChange] = Field(default_factory=list, max_length=MAX_STEPS * MAX_RUN_HOSTS)


class RunIdBody(Body):
    run_id: RunId


class RunHistoryBody(PagedBody):
    """A task's runs, newest first."""

    task_id: TaskId
    direction: Direction = "desc"


class LeaseBody(Body):
    """The manager `owner` still runs these runs (queued or running): their leases last `lease`
    more seconds. A run of its that it no longer names (its last state could not be stored) is
    left to run out, and is then ended as interrupted."""

    owner: Owner
    lease: int = Field(gt=0, le=86400)
    run_ids: Names[RunId]


class InterruptBody(Body):
    """End as `interrupted` the unfinished runs whose lease ran out, and those named (runs whose
    manager is known to be gone), with the reason."""

    run_ids: OptionalNames[RunId] = []
    reason: Text1024 = ""
