"""Per-item batches as 21.09 answered them: what was done, what failed and why, one code."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from typing import TypeVar

from pydantic import BaseModel
from pydantic import ValidationError

from aops_utils.codes import Code
from aops_utils.codes import judge_batch
from aops_utils.restful.routes import Declaration
from aops_utils.restful.routes import Reply
from aops_utils.restful.routes import RequestContext
from aops_utils.restful.routes import RouteMaker
from aops_utils.restful.validation import described

M = TypeVar("M", bound=BaseModel)
StoreT = TypeVar("StoreT")


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
    # MySQL finds "a" for "a " (it ignores trailing spaces): that name was deleted, not missing.
    present = {name.rstrip(" ") for name in found}
    failed = [name for name in dict.fromkeys(wanted) if name.rstrip(" ") not in present]
    detail = f"no such {what}: {', '.join(failed[:10])}" + (" ..." if len(failed) > 10 else "")
    return batch_reply(
        list(found), failed, failure=Code.DATABASE_DELETE_ERROR, failure_status=404, detail=detail, **extra
    )


class Deletions(RouteMaker[StoreT]):
    """Delete-by-name routes over one store: each deletes the names listed under the body's
    `field` with a service function `delete(store, username, names) -> names found` and answers
    with `missing_reply`, `deleted` holding the names found (or, with `count`, how many: 21.09's
    report delete). A declaration names the route and carries its summary:

        @store_deletion("/data/check/rule/delete", RuleNamesBody, "check_items", delete_rules, "check item")
        def delete_rules() -> None:
            \"\"\"Delete rules by name.\"\"\"
    """

    def __call__(
        self,
        path: str,
        body: type[BaseModel],
        field: str,
        delete: Callable[[StoreT, str, list[str]], list[str]],
        what: str,
        *,
        count: bool = False,
    ) -> Declaration:
        if field not in body.model_fields:
            raise TypeError(f"{body.__name__} has no field {field!r}")

        def handler(ctx: RequestContext[BaseModel]) -> Reply:
            wanted: list[str] = getattr(ctx.body, field)
            found = delete(self._source(), ctx.username, wanted)
            return missing_reply(wanted, found, what, deleted=len(found) if count else found)

        return self._api.declared(path, handler, methods=("DELETE",), body=body)


@dataclass(frozen=True, slots=True)
class Named:
    """How an import names its items: `key` of each item, under `items` in the body, spoken of as
    `noun` (duplicates) and `label` (the detail)."""

    key: str
    items: str
    noun: str
    label: str


def sort_out(
    items: Sequence[dict[str, Any]],
    model: type[M],
    named: Named,
    problem: Callable[[M, int], dict[str, Any] | None],
) -> tuple[list[M], list[dict[str, Any]]]:
    """The items to store, validated as `model`, and a `fail_list` entry (`key`, `index`,
    `field`, `reason`, ...) for each other one: a name given earlier in the batch, a field the
    model refuses, or what `problem` finds wrong with it. One bad item never refuses the rest."""
    good: list[M] = []
    failed: list[dict[str, Any]] = []
    accepted: dict[str, int] = {}
    for index, raw in enumerate(items):
        name = raw.get(named.key)
        entry: dict[str, Any] = {named.key: name if isinstance(name, str) else "", "index": index}
        name = entry[named.key]
        # MySQL compares names ignoring trailing spaces: "a" and "a " are one item.
        earlier = accepted.get(name.rstrip(" "))
        if earlier is not None:
            reason = f"duplicate {named.noun} {name!r} (also at index {earlier})"
            failed.append({**entry, "field": f"{named.items}.{index}.{named.key}", "reason": reason})
            continue
        try:
            item = model.model_validate(raw)
        except ValidationError as exc:
            first = described(exc)[0]
            field = f"{named.items}.{index}.{first['field']}"
            failed.append({**entry, "field": field, "reason": f"{first['field']}: {first['error']}"})
            continue
        refusal = problem(item, index)
        if refusal is not None:
            failed.append({**entry, **refusal})
            continue
        accepted[name.rstrip(" ")] = index
        good.append(item)
    return good, failed


def imported(stored: dict[str, Any], failed: list[dict[str, Any]], named: Named) -> Reply:
    """An import's answer from what the data center stored (`{}` when nothing was sent) and the
    items refused before: 400 naming the first refused item when none was stored."""
    failed = [*failed, *stored.get("fail_list", [])]
    first = failed[0] if failed else {}
    return batch_reply(
        list(stored.get("succeed_list", [])),
        failed,
        updated=list(stored.get("update_list", [])),
        failure=Code.PARAM_ERROR,
        failure_status=400,
        detail=f"{named.label} {first[named.key]}: {first['reason']}" if failed else "",
        field=first.get("field"),
    )
