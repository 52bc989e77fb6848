"""Diagnosis task states on MariaDB and SQLite: `/data/diag/task/watch` renews, claims, finishes and
fails tasks by conditional updates (two racing watches never claim or fail a task twice);
`/data/diag/task/fail`; the state in the progress and task answers; the 0004 migration."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from aops_database import models
from aops_database import schema
from aops_database.services import diag_watch
from aops_database.services import diagnosis
from aops_utils.db import MySQLStore
from aops_utils.db import RelationalStore
from aops_utils.db import SQLiteStore
from aops_utils.docstore.sql import SqlDocumentStore
from tests.aops_database.test_diag_reports import ASKED
from tests.aops_database.test_diag_reports import new_id
from tests.aops_database.test_diag_reports import ok
from tests.aops_database.test_diag_reports import progress
from tests.aops_database.test_diag_reports import report
from tests.aops_database.test_diag_reports import save
from tests.aops_database.test_diag_reports import task
from tests.aops_database.test_diag_reports import tasks
from tests.suite import Suite
from tests.suite import data_call as call


def watch(suite: Suite, owner: str, **body: Any) -> dict[str, Any]:
    sent = {"owner": owner, "lease": 60, "timeout": 600, **body}
    status, reply = call(suite, "/data/diag/task/watch", sent, token=suite.service_token())
    assert (status, reply["code"]) == (200, 200), reply
    return reply


def start(suite: Suite, token: str, tid: str, *, expected: int = 2, **state: Any) -> None:
    ok(suite, "/data/diag/task/save", task(tid, expected=expected, **state), token=token)


def claimed(reply: dict[str, Any]) -> list[str]:
    return [row["task_id"] for row in reply["claimed"]]


def failed(reply: dict[str, Any]) -> dict[str, str]:
    return {row["task_id"]: row["reason"] for row in reply["failed"]}


def test_a_live_schedulers_task_is_renewed_and_never_claimed_by_another(suite: Suite, token: str) -> None:
    tid = new_id()
    start(suite, token, tid, owner="alive", lease=3, timeout=600)
    time.sleep(2)
    assert watch(suite, "alive")["renewed"] >= 1  # its lease now ends 60 s from now
    time.sleep(2)  # past the first lease of 3 s
    assert tid not in claimed(watch(suite, "other"))
    assert progress(suite, token, tid)[0]["status"] == "running"


def test_a_task_whose_lease_ran_out_is_claimed_once_with_what_to_publish(
    suite: Suite, user: tuple[str, str]
) -> None:
    username, token = user
    tid = new_id()
    start(suite, token, tid, owner="dead", lease=1, timeout=600)
    time.sleep(2.1)
    reply = watch(suite, "heir")
    [row] = [row for row in reply["claimed"] if row["task_id"] == tid]
    assert row == {"task_id": tid, "username": username, **ASKED, "expected_report_num": 2}
    assert tid not in claimed(watch(suite, "heir")) + claimed(watch(suite, "other"))


def test_a_task_saved_without_a_holder_goes_to_the_next_watch(suite: Suite, token: str) -> None:
    tid = new_id()
    start(suite, token, tid)
    assert tid in claimed(watch(suite, "first"))


def test_a_takeover_claims_the_running_tasks_of_another_holder_at_once(suite: Suite, token: str) -> None:
    tid = new_id()
    start(suite, token, tid, owner="killed", lease=3600, timeout=600)
    assert tid not in claimed(watch(suite, "restarted"))
    assert tid in claimed(watch(suite, "restarted", takeover=True))
    # Now its own: a later takeover by the same holder leaves it be.
    assert tid not in claimed(watch(suite, "restarted", takeover=True))


def test_racing_watches_claim_each_task_exactly_once(suite: Suite, token: str) -> None:
    ids = [new_id() for _ in range(30)]
    for tid in ids:
        start(suite, token, tid, owner="dead", lease=1, timeout=600)
    time.sleep(2.1)
    got: dict[str, list[str]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def racer(owner: str) -> None:
        try:
            barrier.wait()
            got[owner] += claimed(watch(suite, owner, limit=1000))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=racer, args=(name,)) for name in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    mine_a, mine_b = (set(got[o]) & set(ids) for o in ("a", "b"))
    assert not mine_a & mine_b
    assert mine_a | mine_b == set(ids)


def test_a_finished_task_is_recorded_and_an_overdue_one_failed_with_its_reason(
    suite: Suite, token: str
) -> None:
    done, stuck = new_id(), new_id()
    start(suite, token, done, expected=1, owner="w", lease=60, timeout=1)
    start(suite, token, stuck, expected=2, owner="w", lease=60, timeout=1)
    save(suite, token, report(done), report(stuck))
    time.sleep(2.1)
    reply = watch(suite, "w")
    assert done in reply["finished"]
    reason = failed(reply)[stuck]
    assert reason.startswith("timed out: 1 of 2 reports were stored before the deadline"), reason
    assert done not in failed(reply) and stuck not in reply["finished"]
    assert stuck not in failed(watch(suite, "w")) | failed(watch(suite, "other"))  # failed once
    rows = {row["task_id"]: row for row in progress(suite, token, done, stuck)}
    assert (rows[done]["status"], rows[done]["reason"], rows[done]["finished"]) == ("finished", "", True)
    assert (rows[stuck]["status"], rows[stuck]["reason"], rows[stuck]["finished"]) == (
        "failed",
        reason,
        False,
    )
    infos = {row["task_id"]: row for row in tasks(suite, token, task_list=[done, stuck])["task_infos"]}
    assert (infos[stuck]["status"], infos[stuck]["reason"], infos[stuck]["cur_report_num"]) == (
        "failed",
        reason,
        1,
    )
    assert infos[done]["status"] == "finished"
    # Its last report arrives after all (a backlog drained): the facts win over the verdict.
    save(suite, token, report(stuck, "h2"))
    [row] = progress(suite, token, stuck)
    assert (row["status"], row["reason"], row["finished"]) == ("finished", "", True)


def test_a_claimed_task_gets_a_new_deadline_instead_of_failing(suite: Suite, token: str) -> None:
    """A scheduler that was down past a task's deadline resumes it on restart."""
    tid = new_id()
    start(suite, token, tid, owner="down", lease=1, timeout=1)
    time.sleep(2.1)
    reply = watch(suite, "up", timeout=600)
    assert tid in claimed(reply) and tid not in failed(reply)
    assert tid not in failed(watch(suite, "up"))
    assert progress(suite, token, tid)[0]["status"] == "running"


def test_a_scheduler_fails_a_running_task_of_its_user_once(suite: Suite, user: tuple[str, str]) -> None:
    username, token = user
    tid = new_id()
    start(suite, token, tid)
    service = suite.service_token(username)
    body = {"task_id": tid, "reason": "its requests could not be published"}
    status, reply = call(suite, "/data/diag/task/fail", body, token=service)
    assert (status, reply["failed"]) == (200, True)
    status, reply = call(suite, "/data/diag/task/fail", body, token=service)
    assert (status, reply["failed"]) == (200, False)
    [row] = progress(suite, token, tid)
    assert (row["status"], row["reason"]) == ("failed", "its requests could not be published")
    other, _ = suite.add_user()
    for who, task_id in ((other, tid), (username, new_id())):
        status, reply = call(
            suite, "/data/diag/task/fail", {**body, "task_id": task_id}, token=suite.service_token(who)
        )
        assert (status, reply["code"], reply["field"]) == (404, 1107, "task_id"), reply


def test_the_watch_is_for_services_and_names_a_bad_field(suite: Suite, token: str) -> None:
    body = {"owner": "w", "lease": 60, "timeout": 600}
    status, reply = call(suite, "/data/diag/task/watch", body, token=token, as_is=True)
    assert (status, reply["code"]) == (403, 1201), reply
    for bad, field in (({"lease": 0}, "lease"), ({"owner": "a b"}, "owner"), ({"timeout": None}, "timeout")):
        status, reply = call(suite, "/data/diag/task/watch", {**body, **bad}, token=suite.service_token())
        assert (status, reply["code"], reply["field"]) == (400, 1000, field), reply
    status, reply = call(suite, "/data/diag/task/fail", {"task_id": new_id(), "reason": " "}, token=token)
    assert (status, reply["code"], reply["field"]) == (400, 1000, "reason"), reply


# SQLite: the same conditional updates, racing in one process (standalone runs one scheduler,
# but a second one started by mistake must not double the work either).


@pytest.fixture
def sqlite_stores(tmp_path: Path) -> Iterator[tuple[SQLiteStore, SqlDocumentStore]]:
    store = SQLiteStore(tmp_path / "aops.db")
    schema.upgrade(store)
    with store.begin() as conn:
        conn.execute(models.user.insert().values(username="u", password="x", created_at=0))
    docs = SqlDocumentStore(store.engine)
    yield store, docs
    docs.close()
    store.dispose()


def run(owner: str, **given: Any) -> diag_watch.Watch:
    values: dict[str, Any] = {"lease": 60, "takeover": False, "limit": 1000, "timeout": 600}
    values.update(given)
    return diag_watch.Watch(owner, values["lease"], values["takeover"], values["limit"], values["timeout"], 0)


def test_on_sqlite_racing_watches_claim_each_task_once_too(
    sqlite_stores: tuple[SQLiteStore, SqlDocumentStore],
) -> None:
    store, docs = sqlite_stores
    ids = [new_id() for _ in range(40)]
    for tid in ids:
        diagnosis.save_task(store, "u", {**task(tid), "owner": "dead", "lease": 1, "timeout": 600})
    time.sleep(2.1)
    got: dict[str, list[str]] = {"a": [], "b": []}

    def racer(owner: str) -> None:
        got[owner] += [row["task_id"] for row in diag_watch.watch(store, docs, run(owner))["claimed"]]

    threads = [threading.Thread(target=racer, args=(name,)) for name in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not set(got["a"]) & set(got["b"])
    assert sorted(got["a"] + got["b"]) == sorted(ids)


# The 0004 migration: tasks stored before it are running, held by no one, and resumed.


def _task_before_0004(store: RelationalStore, tid: str) -> None:
    cfg = schema._config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    with store.begin() as conn:
        conn.execute(models.user.insert().values(username="u", password="x", created_at=0))
        row = {**task(tid), "host_list": '["h1"]', "tree_list": '["t"]', "time_range": "[0, 60]"}
        conn.execute(
            sa.text(
                "INSERT INTO diag_task VALUES (:task_id, 'u', :time, :host_list, :tree_list, "
                ":time_range, :interval, :expected_report_num, 0)"
            ),
            row,
        )
    schema.upgrade(store)
    assert schema.is_current(store)


@pytest.mark.parametrize("dialect", ["sqlite", "mariadb"])
def test_tasks_stored_before_the_migration_are_running_and_resumed(
    dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store: RelationalStore = (
        SQLiteStore(tmp_path / "aops.db")
        if dialect == "sqlite"
        else MySQLStore(request.getfixturevalue("mysql_url"))
    )
    docs = SqlDocumentStore(sa.create_engine(f"sqlite:///{tmp_path / 'docs.db'}"))
    try:
        tid = uuid.uuid4().hex
        _task_before_0004(store, tid)
        [row] = diagnosis.progress(store, docs, "u", [tid])
        assert (row["status"], row["reason"], row["expected_report_num"]) == ("running", "", 4)
        assert [r["task_id"] for r in diag_watch.watch(store, docs, run("w"))["claimed"]] == [tid]
        with store.begin() as conn:
            deadline = conn.execute(sa.select(models.diag_task.c.deadline)).scalar_one()
        assert deadline is not None and deadline >= time.time() + 590
    finally:
        docs.close()
        store.dispose()
