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
        key = f"{self.task_id}\0{self.host_id}\0{self.tree_name}\0{self.time_range[0]}\0{self.time_range[1]}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]
