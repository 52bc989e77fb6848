"""The document store protocol, its filter language and the shapes of its queries."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from enum import StrEnum
from typing import Any
from typing import Protocol
from typing import TypeVar

from aops_utils.errors import ParamError

Scalar = str | int | float | bool
T = TypeVar("T")


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
class Slice:
    """Which of the matches a read returns: `limit` of them from `offset` (None: all the rest)."""

    offset: int = 0
    limit: int | None = None

    def __post_init__(self) -> None:
        # Checked here, so that every store refuses alike before it sends anything.
        if self.offset < 0 or (self.limit is not None and self.limit < 0):
            raise ParamError("offset and limit must not be negative")

    def take(self, rows: Sequence[T]) -> list[T]:
        end = None if self.limit is None else self.offset + self.limit
        return list(rows[self.offset : end])


EVERY = Slice()


class GroupOrder(StrEnum):
    """How `count_by` orders its groups; equal counts go by value ascending either way."""

    COUNT_DESC = "count_desc"
    COUNT_ASC = "count_asc"
    VALUE_ASC = "value_asc"
    VALUE_DESC = "value_desc"


@dataclass(frozen=True, slots=True)
class GroupBy:
    """Documents counted per distinct value of the keyword `field`: the `window` of the groups
    in `order`. Documents without the field are in no group."""

    field: str
    order: GroupOrder = GroupOrder.COUNT_DESC
    window: Slice = EVERY

    def ordered(self, counts: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
        """`counts` in this order (for a store that cannot order groups in its query)."""
        by_value = sorted(counts)
        if self.order is GroupOrder.VALUE_ASC:
            return by_value
        if self.order is GroupOrder.VALUE_DESC:
            return by_value[::-1]
        # A stable sort on the counts keeps equal counts in value order, whichever way they go.
        return sorted(by_value, key=lambda pair: pair[1], reverse=self.order is GroupOrder.COUNT_DESC)


@dataclass(frozen=True, slots=True)
class Groups:
    """A window of groups and how many groups there are in all."""

    total: int
    counts: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Buckets:
    """Documents counted per value of the keyword field `by` and per bucket of the numeric
    `field`: buckets `interval` wide from `first`, the last one ending at `last` and including
    it (a document at `last` counts in the last bucket even when the range divides evenly).
    Documents outside [first, last] count nowhere."""

    by: str
    field: str
    first: float
    last: float
    interval: float

    def __post_init__(self) -> None:
        if not (self.interval > 0 and self.first < self.last):
            raise ParamError("buckets need first < last and a positive interval")

    @property
    def count(self) -> int:
        return math.ceil((self.last - self.first) / self.interval)

    def starts(self) -> list[float]:
        return [self.first + n * self.interval for n in range(self.count)]

    def tally(self, rows: Iterable[tuple[str, int, int]]) -> dict[str, list[int]]:
        """Counts per value per bucket from (value, bucket number, documents) rows; a number
        past the last bucket (a document at `last` on an even division) is the last one."""
        counts: dict[str, list[int]] = {}
        for value, number, documents in rows:
            slot = min(max(number, 0), self.count - 1)
            counts.setdefault(value, [0] * self.count)[slot] += documents
        return counts


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    source: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    total: int
    hits: list[Document] = field(default_factory=list)


# What a key of `IndexSpec.paths` may hold: MySQL indexes at most 3,072 bytes of a key, which
# the index name and three keyword fields of this many utf8mb4 characters fill.
KEY_LENGTH = 191
_FIELD_NAME = re.compile(r"[a-z_][a-z0-9_]{0,39}")


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """Fields a backend should index for filtering and sorting; others are stored only.

    `time_fields` hold instants (see `instant`); declaring them keeps their mapping a date
    whatever the first document written holds.

    `paths` are compound keys for the queries an index serves, each the fields compared for
    equality first, then the one grouped, sorted or bounded on: (username, value, host_id)
    counts a user's results of one value per host. Elasticsearch indexes every field (unless
    `others_indexed` is false) and needs no paths; the SQL store indexes each path, counts only
    JSON numbers in its numeric fields, and refuses a document whose keyword there is longer than
    KEY_LENGTH characters.
    """

    keyword_fields: tuple[str, ...] = ()
    numeric_fields: tuple[str, ...] = ()
    time_fields: tuple[str, ...] = ()
    paths: tuple[tuple[str, ...], ...] = ()
    # False: the fields not declared above are kept in _source only, never indexed. For documents
    # whose bodies nobody filters on (diagnosis reports, host facts): Elasticsearch would map
    # every nested key of them (a report's tree, a host's facts) as a field of its own, up to its
    # limit of 1,000 fields per index, and index each write's whole body (6,000 reports took the
    # ES-API test server 10.8 s to store, 1.9 s with only their declared fields indexed).
    others_indexed: bool = True

    def __post_init__(self) -> None:
        for path in self.paths:
            for name in path:
                if name not in self.keyword_fields + self.numeric_fields or not _FIELD_NAME.fullmatch(name):
                    raise ValueError(f"path field {name!r} is not a declared keyword or numeric field name")

    @property
    def keys(self) -> dict[str, bool]:
        """The fields of the paths, each with whether it is numeric."""
        return {name: name in self.numeric_fields for path in self.paths for name in path}


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
        self, index: str, filters: Sequence[Filter], sort: Sequence[SortKey] = (), window: Slice = EVERY
    ) -> Page:
        """The window of the matching documents in `sort` order (the whole of them by default,
        without a cap), and how many match."""
        ...

    def count(self, index: str, filters: Sequence[Filter]) -> int: ...

    def count_by(self, index: str, filters: Sequence[Filter], group: GroupBy) -> Groups:
        """Counted where the documents are: one terms aggregation (up to 10,000 values; pages of
        a composite one beyond), one GROUP BY."""
        ...

    def count_by_bucket(
        self, index: str, filters: Sequence[Filter], buckets: Buckets
    ) -> dict[str, list[int]]:
        """Counts per value of `buckets.by`, one per bucket; values with none are absent."""
        ...

    def close(self) -> None: ...


def save_by_id(docs: DocumentStore, index: str, spec: IndexSpec, by_id: Mapping[str, dict[str, Any]]) -> int:
    """Write documents keyed by their ids, the index made first where it is missing; how many."""
    docs.ensure_index(index, spec)
    docs.put_many(index, list(by_id.items()))
    return len(by_id)
