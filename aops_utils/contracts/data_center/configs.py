"""Request bodies of the data-center routes for configuration tracing's drift records."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic import StringConstraints

from aops_utils.contracts import MIB
from aops_utils.contracts.data_center.hosts import Username
from aops_utils.restful.validation import Body

DomainName = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_.-]+$")]
# A domain of 1,000 hosts x 256 files, each with a few drifted keys.
DRIFT_MAX_BODY = 64 * MIB


class SaveDriftBody(Body):
    """The last check of one domain. `report` is gala-ragdoll's JSON text, stored as it is: its
    keys are file paths, which must not become fields of the index."""

    domain: DomainName
    username: Username
    checked_at: float = Field(ge=0)
    report: Annotated[str, StringConstraints(max_length=DRIFT_MAX_BODY)]


class DriftDomainsBody(Body):
    domains: list[DomainName] = Field(min_length=1, max_length=1000)
