"""Configuration tracing's drift records: the last check of each domain, kept for its owner."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aops_database.api import api
from aops_database.app import DRIFT_INDEX
from aops_database.app import DRIFT_SPEC
from aops_database.app import center
from aops_utils.contracts.data_center.configs import DRIFT_MAX_BODY
from aops_utils.contracts.data_center.configs import DriftDomainsBody
from aops_utils.contracts.data_center.configs import SaveDriftBody
from aops_utils.docstore import Terms
from aops_utils.docstore import save_by_id
from aops_utils.restful import Access
from aops_utils.restful import RequestContext


@api.route("/data/config/drift/save", body=SaveDriftBody, access=Access.SERVICE, max_body=DRIFT_MAX_BODY)
def save_drift(ctx: RequestContext[SaveDriftBody]) -> dict[str, Any]:
    """Keep a domain's last check, one document per user and domain."""
    # Saved by the service as itself (the drift check runs for every user): the body names the user.
    key = _key(ctx.body.username, ctx.body.domain)
    save_by_id(center().docs, DRIFT_INDEX, DRIFT_SPEC, {key: ctx.body.model_dump()})
    return {}


def _key(username: str, domain: str) -> str:
    # A user name may hold any printable character: the id is a digest of the pair.
    return hashlib.sha256(json.dumps([username, domain]).encode()).hexdigest()


@api.route("/data/config/drift/get", body=DriftDomainsBody)
def get_drift(ctx: RequestContext[DriftDomainsBody]) -> dict[str, Any]:
    """The caller's domains' last checks (a domain never checked, or another user's, is absent)."""
    keys = [_key(ctx.username, domain) for domain in dict.fromkeys(ctx.body.domains)]
    found = center().docs.get_many(DRIFT_INDEX, keys)
    return {"drifts": [doc for doc in found.values() if doc.get("username") == ctx.username]}


@api.route("/data/config/drift/delete", methods=("DELETE",), body=DriftDomainsBody, access=Access.SERVICE)
def delete_drift(ctx: RequestContext[DriftDomainsBody]) -> dict[str, Any]:
    """Forget deleted domains' checks (of the user the service acts for)."""
    filters = [Terms("domain", tuple(ctx.body.domains)), Terms("username", (ctx.username,))]
    return {"deleted": center().docs.delete_where(DRIFT_INDEX, filters)}
