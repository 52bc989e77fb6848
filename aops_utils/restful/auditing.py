"""Audit records of the current request: its client address added, into the app's audit log."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask import request

from aops_utils.audit import AuditLog
from aops_utils.audit import Event
from aops_utils.auth import claimed_subject
from aops_utils.restful.addresses import request_address

# App extension key: the service's AuditLog (none: the app keeps no audit, e.g. some unit tests).
AUDIT = "aops_audit"


def audit_log() -> AuditLog | None:
    found: AuditLog | None = current_app.extensions.get(AUDIT)
    return found


def record(event: Event, *, user: str | None, **fields: Any) -> None:
    audit = audit_log()
    if audit is not None:
        audit.record(event, user=user, address=request_address(), **fields)


def record_refused_token(token: str | None, code: int, reason: str) -> None:
    """A request refused for its token (1201) or its default-password session (1204). The user
    is the one the token names, read without trusting it: a forged token names anyone."""
    record(
        Event.TOKEN_REFUSED,
        user=claimed_subject(token) if token else None,
        code=code,
        path=request.path,
        reason=reason,
    )
