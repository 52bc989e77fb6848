"""`DIAGNOSE_EXECUTE_REQ`: one message per host, tree and time slice (the 21.09 shape)."""

from __future__ import annotations

import hashlib
from typing import Annotated
from typing import Any

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

from aops_utils.contracts.checks import NonEmpty


class DiagnoseRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    username: NonEmpty
    host_id: NonEmpty
    # Beyond 21.09: the address, so that a slice not yet checked can be evaluated on demand.
    public_ip: str = ""
    time_range: Annotated[list[int], Field(min_length=2, max_length=2)]
    tree_name: NonEmpty
    tree_content: dict[str, Any]
    task_id: NonEmpty

    @property
    def report_id(self) -> str:
        """Deterministic: a replayed message overwrites its report instead of adding one."""
        return report_id(self.task_id, self.host_id, self.tree_name, *self.time_range)


def report_id(task_id: str, host_id: str, tree_name: str, start: int, end: int) -> str:
    """The id of the report of one slice of a task, whoever publishes its request and however often."""
    key = f"{task_id}\0{host_id}\0{tree_name}\0{start}\0{end}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]
