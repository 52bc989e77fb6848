"""Per-item batches as 21.09 answered them: what was done, what failed and why, one code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aops_utils.codes import Code, judge_batch
from aops_utils.restful.routes import Reply


def batch_reply(
    succeeded: Sequence[Any],
    failed: Sequence[Any],
    *,
    failure: Code,
    failure_status: int,
    detail: str = "",
    field: str | None = None,
    updated: Sequence[Any] | None = None,
    **extra: Any,
) -> Reply:
    """`succeed_list`/`fail_list` (and `update_list`) with 21.09's code: 200 all done, 206 mixed
    (HTTP 207), `failure` when nothing was done. The HTTP status of that last case is
    `failure_status`, the truth about why (404 nothing named exists, 400 every item is invalid,
    409 every item is in use), where 21.09 answered 200 whatever happened."""
    done = len(succeeded) + len(updated or ())
    code = judge_batch(done, len(failed), failure)
    payload: dict[str, Any] = {"succeed_list": list(succeeded), "fail_list": list(failed)}
    if updated is not None:
        payload["update_list"] = list(updated)
    payload.update(extra)
    if failed:
        payload["detail"] = detail or f"{len(failed)} of {len(failed) + done} items failed"
        if field is not None:
            payload["field"] = field
    if code in (Code.SUCCEED, Code.PARTIAL_SUCCEED):
        return Reply(code, payload)
    return Reply(code, payload, http_status=failure_status)


def missing_reply(wanted: Sequence[str], found: Sequence[str], what: str, **extra: Any) -> Reply:
    """A delete by name: the names found were deleted, the others are failures (1103, HTTP 404
    when none of them existed)."""
    present = set(found)
    failed = [name for name in dict.fromkeys(wanted) if name not in present]
    detail = f"no such {what}: {', '.join(failed[:10])}" + (" ..." if len(failed) > 10 else "")
    return batch_reply(
        list(found), failed, failure=Code.DATABASE_DELETE_ERROR, failure_status=404, detail=detail, **extra
    )
