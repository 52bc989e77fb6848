"""`/data/check/coverage/*`: what check tasks evaluated, on the real ES-API server and SQL stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from aops_database.services.coverage import get_coverage
from aops_database.services.coverage import save_coverage
from aops_utils.docstore.sql import SqlDocumentStore
from tests.adoctor_diag_executor.test_coverage import record
from tests.suite import Suite
from tests.suite import data_call

V1, V2 = "1" * 32, "2" * 32


def call(suite: Suite, path: str, body: Any, acting: str, token: str = "") -> tuple[int, dict[str, Any]]:
    return data_call(suite, path, body, token=token or suite.service_token(acting))


def save(suite: Suite, username: str, *records: dict[str, Any]) -> int:
    status, reply = call(suite, "/data/check/coverage/save", {"coverage": list(records)}, username)
    assert (status, reply["code"]) == (200, 200), reply
    return int(reply["saved"])


def get(suite: Suite, username: str, start: int, end: int, items: list[str], hosts: list[str]) -> list[Any]:
    body = {"time_range": [start, end], "check_items": items, "host_list": hosts}
    status, reply = call(suite, "/data/check/coverage/get", body, username)
    assert (status, reply["code"]) == (200, 200), reply
    return sorted(reply["coverage"], key=lambda r: (r["time_range"], r["host_list"]))


def test_records_are_read_back_cut_to_the_hosts_and_rules_asked(suite: Suite, user: tuple[str, str]) -> None:
    name = user[0]
    saved = save(
        suite,
        name,
        record(0, 60, ["h1", "h2", "h3"], ("cpu", V1, ["h2"]), ("mem", V1, ["h3"])),
        record(60, 120, ["h1"], ("cpu", V1, [])),
        record(500, 560, ["h1"], ("cpu", V1, [])),
    )
    assert saved == 3
    assert get(suite, name, 30, 90, ["cpu"], ["h2", "h1"]) == [
        record(0, 60, ["h1", "h2"], ("cpu", V1, ["h2"])),
        record(60, 120, ["h1"], ("cpu", V1, [])),
    ]
    # A window touching the range overlaps it; one naming none of the hosts is left out.
    assert get(suite, name, 120, 200, ["cpu", "mem"], ["h1"]) == [record(60, 120, ["h1"], ("cpu", V1, []))]
    assert get(suite, name, 0, 600, ["cpu"], ["h9"]) == []
    assert get(suite, name, 0, 600, ["disk"], ["h1"]) == []


def test_a_replayed_task_overwrites_its_record_and_a_retry_adds_one_beside_it(
    suite: Suite, user: tuple[str, str]
) -> None:
    name = user[0]
    task = record(0, 60, ["h1", "h2"], ("cpu", V1, ["h2"]), ("mem", V1, []))
    save(suite, name, task)
    save(suite, name, {**task, "host_list": ["h2", "h1"]})  # the same task, replayed
    save(suite, name, record(0, 60, ["h2"], ("cpu", V2, [])))  # its retry, after a rule change
    found = get(suite, name, 0, 60, ["cpu", "mem"], ["h1", "h2"])
    assert found == [task, record(0, 60, ["h2"], ("cpu", V2, []))]


def test_a_user_never_reads_another_users_coverage(suite: Suite, user: tuple[str, str]) -> None:
    other, _ = suite.add_user()
    save(suite, other, record(0, 60, ["h1"], ("cpu", V1, [])))
    assert get(suite, user[0], 0, 60, ["cpu"], ["h1"]) == []
    assert len(get(suite, other, 0, 60, ["cpu"], ["h1"])) == 1


def test_coverage_routes_are_for_services_acting_for_a_user(suite: Suite, user: tuple[str, str]) -> None:
    body = {"time_range": [0, 60], "check_items": ["cpu"], "host_list": ["h1"]}
    saving = {"coverage": [record(0, 60, ["h1"], ("cpu", V1, []))]}
    for path, payload in (("/data/check/coverage/get", body), ("/data/check/coverage/save", saving)):
        status, reply = data_call(suite, path, payload, token=user[1], as_is=True)
        assert (status, reply["code"]) == (403, 1201), (path, reply)
        status, reply = call(suite, path, payload, "")
        assert (status, reply["code"]) == (401, 1201), (path, reply)
        assert "acts for" in reply["detail"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/data/check/coverage/save",
            {"coverage": [record(9, 1, ["h1"], ("cpu", V1, []))]},
            "coverage.0.time_range",
        ),
        (
            "/data/check/coverage/save",
            {"coverage": [record(0, 1, [], ("cpu", V1, []))]},
            "coverage.0.host_list",
        ),
        (
            "/data/check/coverage/save",
            {"coverage": [record(0, 1, ["h1"], ("cpu", "v1", []))]},
            "coverage.0.rules.0.version",
        ),
        ("/data/check/coverage/save", {"coverage": [record(0, 1, ["h1"])]}, "coverage.0.rules"),
        ("/data/check/coverage/save", {"coverage": []}, "coverage"),
        (
            "/data/check/coverage/get",
            {"time_range": [0], "check_items": ["cpu"], "host_list": ["h"]},
            "time_range",
        ),
        (
            "/data/check/coverage/get",
            {"time_range": [0, 1], "check_items": [], "host_list": ["h"]},
            "check_items",
        ),
    ],
)
def test_bad_coverage_bodies_are_refused_naming_the_field(
    suite: Suite, user: tuple[str, str], path: str, body: dict[str, Any], field: str
) -> None:
    status, reply = call(suite, path, body, user[0])
    assert (status, reply["code"], reply["field"]) == (400, 1000, field), reply


def test_the_sql_document_store_keeps_coverage_as_elasticsearch_does(tmp_path: Path) -> None:
    docs = SqlDocumentStore(sa.create_engine(f"sqlite:///{tmp_path / 'docs.db'}"))
    try:
        task = record(0, 60, ["h1", "h2"], ("cpu", V1, ["h2"]))
        assert save_coverage(docs, "u", [task, task, record(60, 120, ["h1"], ("cpu", V1, []))]) == 2
        save_coverage(docs, "v", [record(0, 60, ["h1"], ("cpu", V2, []))])
        found = get_coverage(docs, "u", time_range=[0, 30], check_items=["cpu"], host_ids=["h1", "h2"])
        assert found == [task]
        found = get_coverage(docs, "u", time_range=[60, 60], check_items=["cpu"], host_ids=["h2"])
        assert found == [record(0, 60, ["h2"], ("cpu", V1, ["h2"]))]
    finally:
        docs.close()
