"""Query parameters of the topology routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator
from pydantic import Field
from pydantic import model_validator

from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Name128Raw

# Past this a time is taken as milliseconds (gala-gopher's unit): 10^11 s is the year 5138.
_MILLISECONDS_FROM = 10**11


def _seconds(value: float) -> float:
    return value / 1000 if value >= _MILLISECONDS_FROM else value


When = Annotated[float, Field(ge=0, le=10**14), AfterValidator(_seconds)]


class EntitiesQuery(Body):
    """21.09's only parameter: the map as it was at `timestamp` (21.09 ignored it)."""

    timestamp: When | None = None


class EntitiesV2Query(Body):
    """The map at `timestamp` (default now), or every link on it at some time of [start, end];
    narrowed to links touching the hosts and process names given."""

    timestamp: When | None = None
    start: When | None = None
    end: When | None = None
    host: list[Name128Raw] = Field(default_factory=list, max_length=1000)
    process: list[Name128Raw] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _one_kind_of_time(self) -> EntitiesV2Query:
        window = self.start is not None or self.end is not None
        if window and self.timestamp is not None:
            raise ValueError("give timestamp, or start and end, not both")
        if window and (self.start is None or self.end is None):
            raise ValueError("start and end go together")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError("start must not be after end")
        return self


class DiffQuery(Body):
    before: When
    after: When
    host: list[Name128Raw] = Field(default_factory=list, max_length=1000)


class MetricsQuery(Body):
    link_id: list[Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]] = Field(
        min_length=1, max_length=100
    )
    start: When | None = None
    end: When | None = None
