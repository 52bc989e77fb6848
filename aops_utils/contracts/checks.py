"""Messages on the check topics (the 21.09 shapes) and the check result values."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from typing import Any

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import StringConstraints

NonEmpty = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class Value(StrEnum):
    ABNORMAL = "Abnormal"
    NO_DATA = "No data"
    INTERNAL_ERROR = "Internal error"


class TaskHost(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    host_id: NonEmpty
    public_ip: NonEmpty


class CheckTask(BaseModel):
    """`DO_CHECK_TOPIC` and `RETRY_CHECK_TOPIC`: -1 forward, -2 backward, else a retry's id."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    task_id: int | str
    user: NonEmpty
    host_list: list[TaskHost] = Field(min_length=1)
    check_items: list[NonEmpty] = Field(default_factory=list)
    time_range: Annotated[list[int], Field(min_length=2, max_length=2)]

    def message(self) -> dict[str, Any]:
        return self.model_dump()


class RuleChange(BaseModel):
    """`IMPORT_CHECK_RULE_TOPIC` / `DELETE_CHECK_RULE_TOPIC`: which user's rules changed."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    username: NonEmpty
    check_items: list[Any] = Field(default_factory=list)
