"""The document store protocol and its filter language."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from typing import Any
from typing import Protocol

from aops_utils.errors import ParamError

Scalar = str | int | float | bool


@dataclass(frozen=True, slots=True)
class Term:
    """Top-level `field` equals `value` (exact, keyword semantics)."""

    field: str
    value: Scalar


@dataclass(frozen=True, slots=True)
class Terms:
    """Top-level `field` equals one of `values`; an empty tuple matches nothing."""

    field: str
    values: tuple[Scalar, ...]


@dataclass(frozen=True, slots=True)
class Range:
    """Numeric bounds on a top-level field; None means unbounded on that side."""

    field: str
    gte: float | None = None
    lte: float | None = None
    gt: float | None = None
    lt: float | None = None


@dataclass(frozen=True, slots=True)
class TimeRange:
    """The document's time within inclusive bounds in POSIX seconds (None: unbounded).

    The time is read from the first of `fields` that the document has, as `instant` reads it.
    Log indices need this: fluentd writes `@timestamp` strings, the data center numeric
    `timestamp`, and one index may hold both kinds of documents.
    """

    fields: tuple[str, ...]
    gte: float | None = None
    lte: float | None = None


@dataclass(frozen=True, slots=True)
class All:
    """Matches every document (the neutral filter)."""


Filter = Term | Terms | Range | TimeRange | All


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    source: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    total: int
    hits: list[Document] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """Fields a backend should index for filtering and sorting; others are stored only.

    `time_fields` hold instants (see `instant`); declaring them keeps their mapping a date
    whatever the first document written holds.
    """

    keyword_fields: tuple[str, ...] = ()
    numeric_fields: tuple[str, ...] = ()
    time_fields: tuple[str, ...] = ()


def check_window(offset: int, limit: int | None) -> None:
    """Refuse a negative `offset` or `limit` of a search, in every store alike."""
    if offset < 0 or (limit is not None and limit < 0):
        raise ParamError("offset and limit must not be negative")


def instant(value: Any) -> float | None:
    """POSIX seconds of a time value: a number as it is, a string as ISO-8601 date-time.

    Strings are what fluentd's `include_timestamp` writes (`2021-09-15T10:20:30.123456789+08:00`,
    `2021-09-15T02:20:30.123Z`): any number of fraction digits, an offset written `Z`, `±HH:MM`
    or `±HHMM`; without an offset the time is UTC. Anything else has no instant (None).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class DocumentStore(Protocol):
    """Filters in one call are ANDed. `refresh=True` makes a write visible to the next read."""

    def ping(self) -> bool: ...

    def ensure_index(self, index: str, spec: IndexSpec) -> None: ...

    def drop_index(self, index: str) -> None: ...

    def put(self, index: str, doc_id: str, source: dict[str, Any], *, refresh: bool = True) -> None:
        """Create or replace one document (idempotent by id)."""
        ...

    def put_many(
        self, index: str, docs: Sequence[tuple[str, dict[str, Any]]], *, refresh: bool = True
    ) -> None:
        """Create or replace many documents; raises if any could not be written."""
        ...

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None: ...

    def get_many(self, index: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def delete_ids(self, index: str, ids: Sequence[str], *, refresh: bool = True) -> int: ...

    def delete_where(self, index: str, filters: Sequence[Filter], *, refresh: bool = True) -> int: ...

    def search(
        self,
        index: str,
        filters: Sequence[Filter],
        sort: Sequence[SortKey] = (),
        offset: int = 0,
        limit: int | None = None,
    ) -> Page:
        """Matching documents in `sort` order; `limit=None` returns all of them (no cap)."""
        ...

    def count(self, index: str, filters: Sequence[Filter]) -> int: ...

    def count_by(self, index: str, filters: Sequence[Filter], field: str) -> list[tuple[str, int]]:
        """Documents per distinct value of `field` (keyword), every value, largest first."""
        ...

    def close(self) -> None: ...


def save_by_id(docs: DocumentStore, index: str, spec: IndexSpec, by_id: Mapping[str, dict[str, Any]]) -> int:
    """Write documents keyed by their ids, the index made first where it is missing; how many."""
    docs.ensure_index(index, spec)
    docs.put_many(index, list(by_id.items()))
    return len(by_id)
