"""The 21.09 paging and sorting fields and the arithmetic behind `total_count`/`total_page`."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from typing import TypeVar

from pydantic import Field

from aops_utils.docstore.protocol import Slice
from aops_utils.restful.routes import Declaration
from aops_utils.restful.routes import RequestContext
from aops_utils.restful.routes import RouteMaker
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Direction

MAX_PER_PAGE = 50
# Far past any listing's end (an empty page), yet the offset stays within what every store's
# OFFSET takes: page 2**61 answered HTTP 500 before.
MAX_PAGE = 2**31 - 1


class PagedBody(Body):
    page: int | None = Field(None, gt=0, le=MAX_PAGE)
    # 21.09's manager said < 50 while its design and schedulers said <= 50; 50 is allowed.
    per_page: int | None = Field(None, gt=0, le=MAX_PER_PAGE)
    direction: Direction = "asc"


@dataclass(frozen=True, slots=True)
class Window(Slice):
    """Offset and limit to query, or no limit when the client did not ask for a page (a slice
    of the matches, which the document stores read as it is)."""

    @classmethod
    def of(cls, page: int | None, per_page: int | None) -> Window:
        # As in 21.09, paging applies only when both fields are given.
        if page and per_page:
            return cls((page - 1) * per_page, per_page)
        return cls(0, None)

    def total_page(self, total_count: int) -> int:
        if total_count == 0:
            return 0
        if self.limit is None:
            return 1
        return math.ceil(total_count / self.limit)


Fetch = Callable[[Window], tuple[int, list[Any]]]


StoreT = TypeVar("StoreT")
QueryT = TypeVar("QueryT", bound=PagedBody)


class Listings(RouteMaker[StoreT]):
    """Paged listing routes over one store: each reads a page of the route's query with a
    service function `fetch(store, username, query, window) -> (total, rows)` and answers
    21.09's paged reply, the rows under `key`. A declaration names the route and carries its
    summary, and nothing else:

        @docs_listing("/data/check/result/get", GetResultsBody, "check_result", get_results)
        def get_results() -> None:
            \"\"\"Results overlapping the time range.\"\"\"
    """

    def __call__(
        self,
        path: str,
        body: type[QueryT],
        key: str,
        fetch: Callable[[StoreT, str, QueryT, Window], tuple[int, list[Any]]],
    ) -> Declaration:
        def handler(ctx: RequestContext[QueryT]) -> dict[str, Any]:
            return paged_reply(ctx.body, key, partial(fetch, self._source(), ctx.username, ctx.body))

        return self._api.declared(path, handler, body=body)


def paged_reply(body: PagedBody, key: str, fetch: Fetch) -> dict[str, Any]:
    """21.09's paged answer: the rows `fetch` reads for the body's window, under `key`, with
    `total_count` and `total_page`."""
    window = Window.of(body.page, body.per_page)
    total, rows = fetch(window)
    return {"total_count": total, "total_page": window.total_page(total), key: rows}
