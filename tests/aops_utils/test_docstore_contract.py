"""One contract for every DocumentStore: Elasticsearch (osmem), SQLite and MariaDB."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from aops_utils.codes import Code
from aops_utils.docstore import All
from aops_utils.docstore import Buckets
from aops_utils.docstore import DocumentStore
from aops_utils.docstore import GroupBy
from aops_utils.docstore import GroupOrder
from aops_utils.docstore import Groups
from aops_utils.docstore import Range
from aops_utils.docstore import Slice
from aops_utils.docstore import SortKey
from aops_utils.docstore import Term
from aops_utils.docstore import Terms
from aops_utils.docstore import TimeRange
from aops_utils.docstore import instant
from aops_utils.docstore.elastic import ElasticsearchStore
from aops_utils.docstore.factory import open_document_store
from aops_utils.docstore.protocol import IndexSpec
from aops_utils.docstore.sql import SqlDocumentStore
from aops_utils.errors import AopsError
from aops_utils.errors import ConfigError
from aops_utils.errors import DatabaseUnavailable
from aops_utils.errors import ParamError

# Paths make `kind`, `ts` and `host` key columns of the SQL store while `status` and `size` stay
# in the JSON body: every test below reads both kinds of fields.
SPEC = IndexSpec(
    keyword_fields=("host", "kind", "status"),
    numeric_fields=("ts", "size"),
    paths=(("kind", "ts"), ("host",)),
)
INDICES = ("docs", "big", "other")

BACKENDS = [
    pytest.param("elasticsearch", marks=pytest.mark.es, id="elasticsearch"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("mariadb", marks=pytest.mark.mysql, id="mariadb"),
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """The backend name and what a store needs to reach it (ES URL or SQLAlchemy engine)."""
    kind: str = request.param
    if kind == "elasticsearch":
        yield kind, request.getfixturevalue("es_url")
        return
    url = (
        request.getfixturevalue("mysql_url")
        if kind == "mariadb"
        else "sqlite:///" + str(tmp_path / "docs.db")
    )
    engine = sa.create_engine(url)
    try:
        yield kind, engine
    finally:
        engine.dispose()


def _open(backend: tuple[str, Any], prefix: str) -> DocumentStore:
    kind, target = backend
    if kind == "elasticsearch":
        return ElasticsearchStore(target, prefix=prefix)
    return SqlDocumentStore(target, prefix=prefix)


@pytest.fixture
def store(backend: tuple[str, Any], unique: str) -> Iterator[DocumentStore]:
    opened = _open(backend, f"t{unique}_")
    for index in INDICES:
        opened.ensure_index(index, SPEC)
    try:
        yield opened
    finally:
        for index in INDICES:
            opened.drop_index(index)
        opened.close()


def _ids(store: DocumentStore, *filters: Any, sort: tuple[SortKey, ...] = ()) -> list[str]:
    return [doc.id for doc in store.search("docs", list(filters), sort=sort).hits]


def _seed(store: DocumentStore) -> None:
    store.put_many(
        "docs",
        [
            ("a", {"host": "web-1", "kind": "cpu", "status": "ok", "ts": 100, "size": 9}),
            ("b", {"host": "web-2", "kind": "cpu", "status": "fail", "ts": 200, "size": 10}),
            ("c", {"host": "Web-1", "kind": "disk", "status": "ok", "ts": 300, "size": 100}),
            ("d", {"host": "db", "kind": "disk", "status": "fail", "ts": 400, "size": 2.5}),
            ("e", {"host": "web", "kind": "net", "status": "ok", "ts": 500}),
        ],
    )


def test_get_returns_the_document_as_put_or_none(store: DocumentStore) -> None:
    source = {"host": "web-1", "ts": 1700000000, "deep": {"list": ["a", "b"], "ok": True, "n": 1.5}}
    store.put("docs", "one", source, refresh=False)
    assert store.get("docs", "one") == source  # reads by id need no refresh
    assert store.get("docs", "nothing") is None


def test_putting_the_same_id_again_replaces_the_document(store: DocumentStore) -> None:
    store.put("docs", "one", {"host": "a", "old": 1})
    store.put("docs", "one", {"host": "b"})
    store.put_many("docs", [("one", {"host": "c"}), ("one", {"host": "b"})])
    assert store.get("docs", "one") == {"host": "b"}
    assert store.count("docs", [All()]) == 1


def test_get_many_returns_only_the_documents_that_exist(store: DocumentStore) -> None:
    _seed(store)
    assert store.get_many("docs", ["a", "zz", "c", "a"]) == {
        "a": store.get("docs", "a"),
        "c": store.get("docs", "c"),
    }
    assert store.get_many("docs", []) == {}


def test_put_many_writes_ten_thousand_documents(store: DocumentStore, backend: tuple[str, Any]) -> None:
    docs = [(f"id-{i}", {"host": f"h{i % 50}", "ts": i, "msg": "x" * 40}) for i in range(10_000)]
    started = time.perf_counter()
    store.put_many("big", docs)
    elapsed = time.perf_counter() - started
    assert store.count("big", [All()]) == 10_000
    assert store.get("big", "id-9999") == docs[-1][1]
    some = store.get_many("big", [f"id-{i}" for i in range(0, 10_000, 8)])
    assert len(some) == 1_250
    assert some["id-4000"] == docs[4000][1]
    if backend[0] == "sqlite":
        assert elapsed < 2.0, f"put_many of 10,000 documents took {elapsed:.2f} s"


def test_put_many_raises_when_a_document_cannot_be_written(store: DocumentStore) -> None:
    with pytest.raises(AopsError) as caught:
        store.put_many("docs", [("ok", {"host": "a"}), ("bad", {"host": object()})])
    assert caught.value.code == Code.DATABASE_INSERT_ERROR


def test_term_matches_keyword_values_exactly(store: DocumentStore) -> None:
    _seed(store)
    assert _ids(store, Term("host", "web-1")) == ["a"]
    assert _ids(store, Term("host", "Web-1")) == ["c"]
    assert _ids(store, Term("host", "web")) == ["e"]
    assert _ids(store, Term("host", "web-")) == []


def test_term_on_a_numeric_field_compares_numbers(store: DocumentStore) -> None:
    _seed(store)
    assert _ids(store, Term("size", 10)) == ["b"]
    assert _ids(store, Term("size", 2.5)) == ["d"]


def test_terms_matches_any_of_its_values(store: DocumentStore) -> None:
    _seed(store)
    found = _ids(store, Terms("host", ("web-1", "db", "absent")), sort=(SortKey("host"),))
    assert found == ["d", "a"]


def test_empty_terms_matches_nothing(store: DocumentStore) -> None:
    _seed(store)
    assert store.search("docs", [Terms("host", ())]).total == 0
    assert store.count("docs", [All(), Terms("kind", ())]) == 0
    assert store.delete_where("docs", [Terms("host", ())]) == 0
    assert store.count("docs", []) == 5


def test_range_bounds_compare_numerically(store: DocumentStore) -> None:
    _seed(store)
    order = (SortKey("ts"),)
    assert _ids(store, Range("size", gte=9, lte=100), sort=order) == ["a", "b", "c"]
    assert _ids(store, Range("size", gt=9, lt=100), sort=order) == ["b"]
    assert _ids(store, Range("size", lt=9.5), sort=order) == ["a", "d"]
    assert _ids(store, Range("ts", gte=450)) == ["e"]
    assert _ids(store, Range("ts", gte=1_700_000_000)) == []


# Log documents as fluentd's include_timestamp writes them (2021-09-15T02:20:30Z is 1631672430)
# beside the data center's numeric ones, in one index.
T0 = 1631672430
LOGS = [
    ("n1", {"data_item": "dmesg", "timestamp": T0 - 1, "message": "numeric before"}),
    ("f1", {"@timestamp": "2021-09-15T10:20:30.123456789+08:00", "data_item": "dmesg", "message": "nanos"}),
    ("f2", {"@timestamp": "2021-09-15T02:20:31.5Z", "data_item": "dmesg", "message": "utc"}),
    ("f3", {"@timestamp": "2021-09-15T10:20:32+0800", "data_item": "history", "message": "bare offset"}),
    ("n2", {"data_item": "dmesg", "timestamp": T0 + 3.25, "message": "numeric after"}),
    ("f4", {"@timestamp": "2021-09-14T20:20:34.000-06:00", "data_item": "dmesg", "message": "west"}),
    # The first field a document has decides: this one is from 1970.
    ("both", {"timestamp": 1000, "@timestamp": "2021-09-15T02:20:31Z", "data_item": "dmesg"}),
    ("none", {"data_item": "dmesg", "message": "no time"}),
]
WHEN = ("timestamp", "@timestamp")


def test_instant_reads_posix_seconds_and_fluentd_timestamps() -> None:
    assert instant(T0) == T0 and instant(T0 + 0.5) == T0 + 0.5
    assert instant("2021-09-15T10:20:30.123456789+08:00") == pytest.approx(T0 + 0.123456)
    assert instant("2021-09-15T02:20:30.123Z") == pytest.approx(T0 + 0.123)
    assert instant("2021-09-15T10:20:30+0800") == instant("2021-09-15T02:20:30") == T0
    assert instant("yesterday") is None and instant(None) is None and instant(True) is None


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "as-fluentd-creates-it"])
def test_a_time_range_reads_numbers_and_fluentd_timestamps_mixed_in_one_index(
    store: DocumentStore, declared: bool
) -> None:
    if declared:
        store.ensure_index("logs", IndexSpec(("data_item",), ("timestamp",), ("@timestamp",)))
    try:
        store.put_many("logs", LOGS)
        found = {doc.id for doc in store.search("logs", [TimeRange(WHEN, gte=T0, lte=T0 + 2)]).hits}
        assert found == {"f1", "f2", "f3"}
        found = {doc.id for doc in store.search("logs", [TimeRange(WHEN, gte=T0 + 0.2, lte=T0 + 3.5)]).hits}
        assert found == {"f2", "f3", "n2"}
        assert store.count("logs", [TimeRange(WHEN, gte=T0 + 4)]) == 1
        assert store.count("logs", [TimeRange(WHEN, lte=T0 - 1)]) == 2
        assert store.count("logs", [TimeRange(WHEN)]) == len(LOGS) - 1
        assert store.count("logs", [TimeRange(("@timestamp",), gte=T0 - 10)]) == 5
        assert store.count("logs", [Term("data_item", "dmesg"), TimeRange(WHEN, gte=T0 - 1)]) == 5
        assert store.delete_where("logs", [TimeRange(WHEN, lte=T0 + 1)]) == 3
        assert {doc.id for doc in store.search("logs", []).hits} == {"f2", "f3", "n2", "f4", "none"}
    finally:
        store.drop_index("logs")


def test_all_or_no_filter_matches_and_counts_every_document(store: DocumentStore) -> None:
    _seed(store)
    assert sorted(_ids(store, All())) == ["a", "b", "c", "d", "e"]
    assert sorted(_ids(store)) == ["a", "b", "c", "d", "e"]
    assert store.count("docs", [All()]) == store.count("docs", []) == 5


def test_filters_in_one_call_are_anded(store: DocumentStore) -> None:
    _seed(store)
    filters = [Terms("kind", ("cpu", "disk")), Term("status", "ok"), Range("ts", lte=300), All()]
    assert sorted(_ids(store, *filters)) == ["a", "c"]
    assert store.count("docs", filters) == 2
    assert store.count("docs", [*filters, Term("status", "fail")]) == 0


def test_sort_on_a_keyword_field_is_lexical_both_ways(store: DocumentStore) -> None:
    _seed(store)
    ascending = _ids(store, sort=(SortKey("host"),))
    assert ascending == ["c", "d", "e", "a", "b"]  # "Web-1" < "db" < "web" < "web-1" < "web-2"
    assert _ids(store, sort=(SortKey("host", descending=True),)) == ascending[::-1]


def test_sort_on_a_numeric_field_is_numeric_both_ways(store: DocumentStore) -> None:
    _seed(store)
    with_size = Range("size", gte=0)
    assert _ids(store, with_size, sort=(SortKey("size"),)) == ["d", "a", "b", "c"]
    assert _ids(store, with_size, sort=(SortKey("size", descending=True),)) == ["c", "b", "a", "d"]


def test_sort_by_two_keys_breaks_ties_with_the_second(store: DocumentStore) -> None:
    _seed(store)
    order = (SortKey("kind", descending=True), SortKey("ts"))
    assert _ids(store, sort=order) == ["e", "c", "d", "a", "b"]


def test_documents_without_the_sort_field_come_last(store: DocumentStore) -> None:
    _seed(store)
    assert _ids(store, sort=(SortKey("size"),))[-1] == "e"
    assert _ids(store, sort=(SortKey("size", descending=True),))[-1] == "e"


def test_sorting_on_a_field_no_document_has_does_not_fail(store: DocumentStore) -> None:
    _seed(store)
    assert sorted(_ids(store, sort=(SortKey("never_written"),))) == ["a", "b", "c", "d", "e"]


def test_offset_and_limit_page_through_results_without_overlap(store: DocumentStore) -> None:
    _seed(store)
    order = (SortKey("ts", descending=True),)
    pages = [store.search("docs", [All()], order, Slice(o, 2)) for o in (0, 2, 4, 6)]
    assert [page.total for page in pages] == [5, 5, 5, 5]
    assert [[doc.id for doc in page.hits] for page in pages] == [["e", "d"], ["c", "b"], ["a"], []]
    empty = store.search("docs", [Term("status", "ok")], window=Slice(0, 0))
    assert (empty.total, empty.hits) == (3, [])


@pytest.mark.parametrize(("offset", "limit"), [(-1, None), (0, -1)])
def test_a_negative_offset_or_limit_is_refused(store: DocumentStore, offset: int, limit: int | None) -> None:
    with pytest.raises(ParamError, match="must not be negative"):
        store.search("docs", [All()], window=Slice(offset, limit))


def test_it_returns_every_match_without_a_cap(store: DocumentStore) -> None:
    store.put_many("big", [(f"{i:05d}", {"ts": i, "kind": f"k{i % 3}"}) for i in range(12_000)])
    everything = store.search("big", [All()])
    assert everything.total == 12_000
    assert len({doc.id for doc in everything.hits}) == 12_000
    zeros = store.search("big", [Term("kind", "k0")], sort=(SortKey("ts"),))
    assert zeros.total == len(zeros.hits) == 4_000
    assert [doc.source["ts"] for doc in zeros.hits] == list(range(0, 12_000, 3))


def test_a_page_beyond_ten_thousand_is_in_sort_order(store: DocumentStore) -> None:
    store.put_many("big", [(f"{i:05d}", {"ts": i}) for i in range(12_000)])
    order = (SortKey("ts", descending=True),)
    page = store.search("big", [All()], order, Slice(11_990, 5))
    assert page.total == 12_000
    assert [doc.source["ts"] for doc in page.hits] == [9, 8, 7, 6, 5]
    tail = store.search("big", [All()], order, Slice(11_995))
    assert [doc.id for doc in tail.hits] == ["00004", "00003", "00002", "00001", "00000"]


def test_count_by_returns_every_value_largest_first(store: DocumentStore) -> None:
    docs = [
        (f"{value}-{n}", {"host": f"host-{value:02d}", "ts": n})
        for value in range(15)
        for n in range(value + 1)
    ]
    docs += [("tie-a", {"host": "tie-a"}), ("tie-b", {"host": "tie-b"}), ("none", {"ts": 1})]
    store.put_many("docs", docs)
    groups = store.count_by("docs", [All()], GroupBy("host"))
    assert groups.counts[:3] == [("host-14", 15), ("host-13", 14), ("host-12", 13)]
    assert groups.total == len(groups.counts) == 17
    assert groups.counts[-3:] == [("host-00", 1), ("tie-a", 1), ("tie-b", 1)]
    assert store.count_by("docs", [Range("ts", gte=14)], GroupBy("host")).counts == [("host-14", 1)]
    assert store.count_by("docs", [Terms("host", ())], GroupBy("host")) == Groups(0, [])


COUNTS = {"a": 3, "b": 1, "c": 3, "d": 2, "e": 5}


@pytest.mark.parametrize("field", ["host", "status"], ids=["key-column", "json"])
@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (GroupOrder.COUNT_DESC, ["e", "a", "c", "d", "b"]),
        (GroupOrder.COUNT_ASC, ["b", "d", "a", "c", "e"]),
        (GroupOrder.VALUE_ASC, ["a", "b", "c", "d", "e"]),
        (GroupOrder.VALUE_DESC, ["e", "d", "c", "b", "a"]),
    ],
)
def test_count_by_orders_and_windows_the_groups_and_counts_them_all(
    store: DocumentStore, field: str, order: GroupOrder, expected: list[str]
) -> None:
    docs = [
        (f"{value}{n}", {field: value, "kind": "k"}) for value, count in COUNTS.items() for n in range(count)
    ]
    docs += [("other-kind", {field: "z", "kind": "other"}), ("no-value", {"kind": "k"})]
    store.put_many("docs", docs)
    only_k = [Term("kind", "k")]
    whole = store.count_by("docs", only_k, GroupBy(field, order))
    assert whole == Groups(5, [(value, COUNTS[value]) for value in expected])
    for offset, limit in [(0, 2), (2, 2), (4, 2), (1, None), (5, 3), (9, 1)]:
        page = store.count_by("docs", only_k, GroupBy(field, order, Slice(offset, limit)))
        end = None if limit is None else offset + limit
        assert page == Groups(5, whole.counts[offset:end]), (offset, limit)
    assert store.count_by("docs", [*only_k, Terms(field, ("b", "d", "x"))], GroupBy(field, order)).total == 2


def test_count_by_counts_more_than_ten_thousand_values_exactly(store: DocumentStore) -> None:
    # Past one terms aggregation's buckets: Elasticsearch pages through them.
    docs = [(f"d{i}", {"host": f"host-{i:05d}"}) for i in range(10_050)]
    docs += [("extra-1", {"host": "host-07000"}), ("extra-2", {"host": "host-07000"})]
    store.put_many("big", docs)
    groups = store.count_by("big", [All()], GroupBy("host"))
    assert groups.total == len(groups.counts) == 10_050
    assert groups.counts[0] == ("host-07000", 3)
    assert groups.counts[1:3] == [("host-00000", 1), ("host-00001", 1)]
    assert sum(n for _, n in groups.counts) == 10_052
    top = store.count_by("big", [All()], GroupBy("host", GroupOrder.VALUE_DESC, Slice(0, 2)))
    assert top == Groups(10_050, [("host-10049", 1), ("host-10048", 1)])


@pytest.mark.parametrize("by", ["kind", "status"], ids=["key-column", "json"])
def test_count_by_bucket_counts_each_value_per_bucket_of_the_range(store: DocumentStore, by: str) -> None:
    at = {
        "first": 1000, "inside-0": 1059.5, "edge-1": 1060, "inside-1": 1119.99, "edge-2": 1120,
        "last": 1180, "before": 999.9, "after": 1180.5,
    }  # fmt: skip
    docs = [(name, {by: "cpu", "ts": ts}) for name, ts in at.items()]
    docs += [("mem", {by: "mem", "ts": 1179}), ("no-value", {"ts": 1000}), ("no-time", {by: "cpu"})]
    store.put_many("docs", docs)
    # 180 s in 60 s buckets: the range's last second counts in the third bucket.
    even = Buckets(by, "ts", 1000, 1180, 60)
    assert even.starts() == [1000, 1060, 1120]
    assert store.count_by_bucket("docs", [], even) == {"cpu": [2, 2, 2], "mem": [0, 0, 1]}
    # 180 s in 50 s buckets: the last one is 30 s long, and ends with the range.
    uneven = Buckets(by, "ts", 1000, 1180, 50)
    assert uneven.starts() == [1000, 1050, 1100, 1150]
    assert store.count_by_bucket("docs", [], uneven) == {"cpu": [1, 2, 2, 1], "mem": [0, 0, 0, 1]}
    shifted = Buckets(by, "ts", 1030, 1150, 60)
    assert store.count_by_bucket("docs", [], shifted) == {"cpu": [2, 2]}
    assert store.count_by_bucket("docs", [Term(by, "mem")], even) == {"mem": [0, 0, 1]}
    assert store.count_by_bucket("docs", [], Buckets(by, "ts", 2000, 3000, 10)) == {}


def test_buckets_refuse_an_empty_range_or_interval() -> None:
    for first, last, interval in [(10, 10, 1), (10, 5, 1), (0, 10, 0), (0, 10, -1)]:
        with pytest.raises(ParamError):
            Buckets("kind", "ts", first, last, interval)


def test_every_window_of_a_sort_with_ties_and_missing_values_is_a_slice_of_the_whole(
    store: DocumentStore,
) -> None:
    # The SQL store bounds a sorted page by its first key's column before sorting it: ties at
    # the bound and documents without the key must land on the same pages as without it.
    docs = [(f"d{i:02d}", {"ts": i // 3, "kind": "k", "host": f"h{i % 4}"}) for i in range(20)]
    docs += [(f"missing{i}", {"kind": "k", "host": "h9"}) for i in range(3)]
    store.put_many("docs", docs)
    for order in [(SortKey("ts", descending=True),), (SortKey("ts"), SortKey("host", descending=True))]:
        whole = [doc.id for doc in store.search("docs", [Term("kind", "k")], order).hits]
        assert len(whole) == 23 and whole[-3:] == ["missing0", "missing1", "missing2"]
        for offset in range(0, 24, 1):
            for limit in (1, 2, 5, 30):
                page = store.search("docs", [Term("kind", "k")], order, Slice(offset, limit))
                assert page.total == 23
                assert [doc.id for doc in page.hits] == whole[offset : offset + limit], (order, offset, limit)


def test_delete_ids_removes_those_ids_and_reports_how_many(store: DocumentStore) -> None:
    _seed(store)
    assert store.delete_ids("docs", ["a", "c", "missing"]) == 2
    assert sorted(_ids(store)) == ["b", "d", "e"]
    assert store.delete_ids("docs", []) == 0


def test_delete_where_removes_the_matching_documents(store: DocumentStore) -> None:
    _seed(store)
    assert store.delete_where("docs", [Term("kind", "disk"), Range("ts", lt=400)]) == 1
    assert sorted(_ids(store)) == ["a", "b", "d", "e"]
    assert store.delete_where("docs", [All()]) == 4
    assert store.count("docs", [All()]) == 0


def test_a_refreshed_write_is_visible_to_the_next_search(store: DocumentStore) -> None:
    store.put("docs", "p", {"host": "fresh"}, refresh=True)
    assert _ids(store, Term("host", "fresh")) == ["p"]
    store.put_many("docs", [("q", {"host": "fresh"})], refresh=True)
    assert store.count("docs", [Term("host", "fresh")]) == 2
    store.delete_ids("docs", ["p"], refresh=True)
    assert _ids(store, Term("host", "fresh")) == ["q"]
    store.delete_where("docs", [Term("host", "fresh")], refresh=True)
    assert store.search("docs", [All()]).total == 0


def test_unicode_values_round_trip_and_match_exactly(store: DocumentStore) -> None:
    source = {"host": "主机-①", "kind": "café", "note": '日志 \U0001f680 "quoted" \\ end'}
    store.put("docs", "文档-1", source)
    store.put("docs", "doc-2", {"host": "主机-②", "kind": "cafe"})
    assert store.get("docs", "文档-1") == source
    assert _ids(store, Term("host", "主机-①")) == ["文档-1"]
    assert _ids(store, Term("kind", "cafe")) == ["doc-2"]
    assert store.count_by("docs", [All()], GroupBy("host")).counts == [("主机-①", 1), ("主机-②", 1)]


def test_prefixes_keep_stores_apart(backend: tuple[str, Any], unique: str) -> None:
    first, second = _open(backend, f"a{unique}_"), _open(backend, f"b{unique}_")
    assert first.ping() is True
    try:
        for opened in (first, second):
            opened.ensure_index("docs", SPEC)
        first.put("docs", "only-first", {"host": "x"})
        assert second.count("docs", [All()]) == 0
        assert second.get("docs", "only-first") is None
    finally:
        for opened in (first, second):
            opened.drop_index("docs")
            opened.close()


def test_ensure_index_keeps_documents_and_drop_index_removes_them(store: DocumentStore) -> None:
    _seed(store)
    store.ensure_index("docs", SPEC)
    assert store.count("docs", [All()]) == 5
    store.drop_index("docs")
    assert store.count("docs", [All()]) == 0
    assert store.search("docs", [All()]).total == 0
    assert store.get("docs", "a") is None
    store.ensure_index("docs", SPEC)
    assert store.count("docs", [All()]) == 0


def test_several_threads_can_share_one_store(store: DocumentStore) -> None:
    def work(n: int) -> int:
        store.put_many("docs", [(f"{n}-{i}", {"host": f"t{n}", "ts": i}) for i in range(100)])
        store.put("docs", f"{n}-single", {"host": f"t{n}", "ts": -1})
        store.delete_ids("docs", [f"{n}-0"])
        return store.count("docs", [Term("host", f"t{n}")])

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(work, range(6))) == [100] * 6
    assert store.count("docs", [All()]) == 600
    assert store.count_by("docs", [All()], GroupBy("host")).total == 6


@pytest.mark.es
def test_an_unreachable_elasticsearch_raises_database_unavailable() -> None:
    dead = ElasticsearchStore("http://user:secret@127.0.0.1:1", timeout=2)
    try:
        assert dead.ping() is False
        with pytest.raises(DatabaseUnavailable) as caught:
            dead.search("docs", [All()])
        assert caught.value.code == Code.DATABASE_CONNECT_ERROR
        assert "127.0.0.1:1" in caught.value.detail
        assert "secret" not in caught.value.detail
        with pytest.raises(DatabaseUnavailable):
            dead.put("docs", "x", {"host": "a"})
    finally:
        dead.close()


def test_an_unreachable_sql_database_raises_database_unavailable() -> None:
    engine = sa.create_engine("mysql+pymysql://root@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    try:
        assert SqlDocumentStore(engine).ping() is False
        with pytest.raises(DatabaseUnavailable):
            SqlDocumentStore(engine).count("docs", [All()])
    finally:
        engine.dispose()


@pytest.mark.es
def test_elasticsearch_raises_when_the_server_rejects_a_document(es_url: str, unique: str) -> None:
    es = ElasticsearchStore(es_url, prefix=f"t{unique}_")
    es.ensure_index("docs", SPEC)
    try:
        with pytest.raises(AopsError) as caught:
            es.put_many("docs", [("ok", {"ts": 1}), ("bad", {"ts": "not a number"})])
        assert caught.value.code == Code.DATABASE_INSERT_ERROR
        assert "1 of 2" in caught.value.detail
    finally:
        es.drop_index("docs")
        es.close()


@pytest.mark.es
def test_elasticsearch_asks_for_a_refresh_on_refreshed_writes(
    es_url: str, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # osmem makes every write searchable at once, so only the requests show the refresh.
    es = ElasticsearchStore(es_url, prefix=f"t{unique}_")
    es.ensure_index("docs", SPEC)
    transport = es._client.transport
    real, calls = transport.perform_request, []

    def record(method: str, url: str, **kwargs: Any) -> Any:
        refresh = (kwargs.get("params") or {}).get("refresh")
        calls.append((method, url.split("_docs", 1)[1], refresh and bytes(refresh).decode()))
        return real(method, url, **kwargs)

    monkeypatch.setattr(transport, "perform_request", record)
    try:
        es.put("docs", "a", {"host": "x"})
        es.put("docs", "b", {"host": "x"}, refresh=False)
        es.put_many("docs", [(str(i), {"ts": i}) for i in range(6_000)])
        es.delete_ids("docs", ["a"])
        es.delete_where("docs", [Term("host", "x")])
    finally:
        monkeypatch.undo()
        es.drop_index("docs")
        es.close()
    assert calls == [
        ("PUT", "/_doc/a", "true"),
        ("PUT", "/_doc/b", "false"),
        ("POST", "/_bulk", "false"),  # two bulk requests, then one refresh of the whole index
        ("POST", "/_bulk", "false"),
        ("POST", "/_refresh", None),
        ("POST", "/_bulk", "true"),
        ("POST", "/_delete_by_query", "true"),
    ]


def test_open_document_store_builds_the_named_kind(es_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine("sqlite:///" + str(tmp_path / "f.db"))
    try:
        assert isinstance(open_document_store("sql", engine=engine), SqlDocumentStore)
        es = open_document_store("elasticsearch", es_hosts=es_url, prefix="p_")
        assert isinstance(es, ElasticsearchStore)
        es.close()
    finally:
        engine.dispose()


def test_open_document_store_rejects_an_unknown_kind() -> None:
    with pytest.raises(ConfigError, match="'mongodb'"):
        open_document_store("mongodb")
    with pytest.raises(ConfigError):
        open_document_store("sql")


def test_an_index_whose_other_fields_are_stored_only_filters_on_its_declared_ones(
    backend: tuple[str, Any], unique: str
) -> None:
    """Reports and host facts: searched by their declared fields, their bodies read whole; on
    Elasticsearch the bodies' keys never become fields of the index's mapping."""
    store = _open(backend, f"t{unique}_")
    spec = IndexSpec(keyword_fields=("host",), numeric_fields=("ts",), others_indexed=False)
    body = {"tree": {f"node{i}": {"value": i % 2 == 0, "children": [{"n": i}]} for i in range(40)}}
    store.ensure_index("reports", spec)
    try:
        store.put_many("reports", [(f"r{i}", {"host": f"h{i % 3}", "ts": i, **body}) for i in range(9)])
        found = store.search(
            "reports", [Term("host", "h1"), Range("ts", gte=2)], (SortKey("ts", descending=True),)
        )
        assert [hit.id for hit in found.hits] == ["r7", "r4"]
        assert found.hits[0].source == {"host": "h1", "ts": 7, **body}
        if isinstance(store, ElasticsearchStore):
            mapping = store._client.indices.get_mapping(index=f"t{unique}_reports")
            (properties,) = [m["mappings"].get("properties", {}) for m in mapping.values()]
            assert set(properties) == {"host", "ts"}, properties
    finally:
        store.drop_index("reports")
        store.close()
