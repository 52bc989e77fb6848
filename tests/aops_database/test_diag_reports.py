"""`/data/diag/task/*`, `/data/diag/report/*`, `/data/diag/process/query`: tasks on MariaDB,
reports in the real ES-API server's `diag_report` index, progress counted from the reports."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.suite import Suite
from tests.suite import data_call as call
from tests.suite import host_ids_paged

# The state beside the 21.09 fields of a progress row.
RUNNING = {"status": "running", "reason": ""}
FINISHED = {"status": "finished", "reason": ""}
UNKNOWN = {"status": None, "reason": "no such task"}


def ok(suite: Suite, path: str, body: Any = None, *, token: str, method: str = "POST") -> dict[str, Any]:
    status, reply = call(suite, path, body, token=token, method=method)
    assert (status, reply["code"]) == (200, 200), reply
    return reply


def new_id() -> str:
    return uuid.uuid4().hex


# What the sample task asks, as saved and as read back.
ASKED = {"host_list": ["h1", "h2"], "tree_list": ["tree"], "time_range": [0, 120], "interval": 60}


def task(task_id: str, when: int = 1000, expected: int = 4, **extra: Any) -> dict[str, Any]:
    return {"task_id": task_id, "time": when, **ASKED, "expected_report_num": expected, **extra}


def evaluated(value: bool | None, msg: str = "") -> dict[str, Any]:
    return {
        "node name": "根节点",
        "value": value,
        "condition": "检查项1",
        "description": "",
        "advice": "",
        "children": [{"node name": "检查项1", "value": value, "check item": "cpu", "msg": msg}],
    }


def report(
    task_id: str,
    host: str = "h1",
    start: float = 0,
    end: float = 60,
    *,
    tree: str = "tree",
    report_id: str | None = None,
    value: bool | None = True,
    content: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "report_id": report_id or new_id(),
        "task_id": task_id,
        "host_id": host,
        "tree_name": tree,
        "start": start,
        "end": end,
        "report": evaluated(value) if content is None else content,
    }


def save_task(suite: Suite, token: str, body: dict[str, Any]) -> None:
    ok(suite, "/data/diag/task/save", body, token=token)


def save(suite: Suite, token: str, *reports: dict[str, Any]) -> int:
    return int(ok(suite, "/data/diag/report/save", {"reports": list(reports)}, token=token)["saved"])


def tasks(suite: Suite, token: str, **body: Any) -> dict[str, Any]:
    return ok(suite, "/data/diag/task/get", body, token=token)


def listing(suite: Suite, token: str, **body: Any) -> dict[str, Any]:
    return ok(suite, "/data/diag/report/get_list", body, token=token)


def progress(suite: Suite, token: str, *task_ids: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = ok(
        suite, "/data/diag/process/query", {"task_list": list(task_ids)}, token=token
    )["result"]
    return result


# Tasks


def test_a_saved_task_is_listed_with_its_progress(suite: Suite, token: str) -> None:
    tid = new_id()
    save_task(suite, token, task(tid, when=1_700_000_000, expected=2))
    reply = tasks(suite, token)
    assert (reply["total_count"], reply["total_page"]) == (1, 1)
    assert reply["task_infos"] == [
        {
            "task_id": tid,
            **ASKED,
            "time": 1_700_000_000,
            "expected_report_num": 2,
            "cur_report_num": 0,
            "finished": False,
            "status": "running",
            "reason": "",
        }
    ]
    save(suite, token, report(tid), report(tid, "h2"))
    [info] = tasks(suite, token, task_list=[tid])["task_infos"]
    assert (info["cur_report_num"], info["finished"], info["status"]) == (2, True, "finished")


def test_saving_a_task_again_replaces_it_and_another_users_id_is_refused(suite: Suite, token: str) -> None:
    tid = new_id()
    save_task(suite, token, task(tid))
    save_task(suite, token, task(tid, expected=9, host_list=["h3"]))
    [info] = tasks(suite, token)["task_infos"]
    assert (info["expected_report_num"], info["host_list"]) == (9, ["h3"])
    _, other = suite.add_user()
    status, reply = call(suite, "/data/diag/task/save", task(tid, expected=1), token=other)
    assert (status, reply["code"], reply["field"]) == (409, 1105, "task_id"), reply
    assert tasks(suite, other)["total_count"] == 0
    assert tasks(suite, token)["task_infos"][0]["expected_report_num"] == 9


def test_tasks_are_filtered_by_id_and_creation_time(suite: Suite, token: str) -> None:
    ids = [new_id() for _ in range(5)]
    for i, tid in enumerate(ids):
        save_task(suite, token, task(tid, when=100 * (i + 1)))

    def listed(**body: Any) -> list[str]:
        return [t["task_id"] for t in tasks(suite, token, **body)["task_infos"]]

    assert listed() == ids
    assert listed(task_list=[ids[3], ids[1], new_id()]) == [ids[1], ids[3]]
    # The range is inclusive at both ends.
    assert listed(time_range=[200, 400]) == ids[1:4]
    assert listed(time_range=[200, 400], task_list=[ids[0], ids[2]]) == [ids[2]]
    assert listed(time_range=[401, 499]) == []


def test_tasks_are_sorted_and_paged_also_by_the_reports_stored_so_far(suite: Suite, token: str) -> None:
    # 13 tasks, created in order; task i expects (i * 7) % 5 reports and has i % 4 of them.
    ids = [new_id() for _ in range(13)]
    for i, tid in enumerate(ids):
        save_task(suite, token, task(tid, when=1000 + i, expected=(i * 7) % 5))
    save(suite, token, *(report(tid, f"h{n}") for i, tid in enumerate(ids) for n in range(i % 4)))

    def order(**body: Any) -> list[int]:
        reply = tasks(suite, token, **body)
        return [ids.index(t["task_id"]) for t in reply["task_infos"]]

    # Unpaged: every task, beyond 21.09's 10.
    assert order() == list(range(13))
    assert order(sort="time", direction="desc") == list(range(12, -1, -1))
    # Ties keep creation order whichever way the sort goes.
    by_count = sorted(range(13), key=lambda i: i % 4)
    by_count_desc = sorted(range(13), key=lambda i: -(i % 4))
    assert order(sort="cur_report_num") == by_count
    assert order(sort="cur_report_num", direction="desc") == by_count_desc
    assert order(sort="expected_report_num") == sorted(range(13), key=lambda i: (i * 7) % 5)
    assert order(sort="expected_report_num", direction="desc") == sorted(
        range(13), key=lambda i: -((i * 7) % 5)
    )
    page = tasks(suite, token, sort="cur_report_num", direction="desc", page=2, per_page=5)
    assert (page["total_count"], page["total_page"]) == (13, 3)
    assert [ids.index(t["task_id"]) for t in page["task_infos"]] == by_count_desc[5:10]
    assert [t["cur_report_num"] for t in page["task_infos"]] == [2, 1, 1, 1, 0]
    paged = [
        t["task_id"]
        for number in (1, 2, 3)
        for t in tasks(suite, token, sort="cur_report_num", page=number, per_page=5)["task_infos"]
    ]
    assert sorted(paged) == sorted(ids)
    last = tasks(suite, token, sort="time", page=3, per_page=5)
    assert [ids.index(t["task_id"]) for t in last["task_infos"]] == [10, 11, 12]
    beyond = tasks(suite, token, page=4, per_page=5)
    assert (beyond["total_count"], beyond["task_infos"]) == (13, [])


def test_deleting_tasks_deletes_their_reports(suite: Suite, token: str) -> None:
    gone, kept, unsaved = new_id(), new_id(), new_id()
    save_task(suite, token, task(gone))
    save_task(suite, token, task(kept))
    save(suite, token, *(report(gone, f"h{i}") for i in range(12)), report(kept), report(unsaved))
    unknown = new_id()
    status, reply = call(
        suite, "/data/diag/task/delete", {"task_list": [gone, unsaved, unknown]}, token=token, method="DELETE"
    )
    # Per item: the unknown task ids fail; the reports of a task id that was never saved go too.
    assert (status, reply["code"], reply["succeed_list"], reply["fail_list"]) == (
        207,
        206,
        [gone],
        [unsaved, unknown],
    )
    assert (reply["deleted"], reply["reports_deleted"]) == ([gone], 13)
    assert [t["task_id"] for t in tasks(suite, token)["task_infos"]] == [kept]
    assert listing(suite, token)["total_count"] == 1
    assert [p["progress"] for p in progress(suite, token, gone, kept)] == [0, 1]
    reply = ok(suite, "/data/diag/task/delete", {"task_list": []}, token=token, method="DELETE")
    assert (reply["deleted"], reply["reports_deleted"]) == ([], 0)


# Reports


def test_saved_reports_are_read_back_by_id_beyond_ten(suite: Suite, token: str) -> None:
    tid = new_id()
    reports = [report(tid, f"h{i:02d}", 60 * i, 60 * (i + 1), value=i % 2 == 0) for i in range(25)]
    assert save(suite, token, *reports) == 25
    wanted = [r["report_id"] for r in reversed(reports)]
    reply = ok(suite, "/data/diag/report/get", {"report_list": [*wanted, new_id(), wanted[0]]}, token=token)
    assert len(reply["result"]) == 25
    assert reply["result"][0] == {
        "host_id": "h24",
        "tree_name": "tree",
        "task_id": tid,
        "report_id": reports[24]["report_id"],
        "start": 1440,
        "end": 1500,
        "report": evaluated(True),
        # Beyond 21.09 (docs/diagnosis.md "Neighbours"): a report saved without the section.
        "neighbours": {
            "status": "not_recorded",
            "text": "neighbours were not looked up for this report",
            "total": 0,
            "hosts": [],
        },
    }
    assert [r["report_id"] for r in reply["result"]] == wanted


def test_a_replayed_report_overwrites_the_stored_one(suite: Suite, token: str) -> None:
    tid = new_id()
    save_task(suite, token, task(tid, expected=2))
    first = report(tid, value=None, content=evaluated(None, "No data"))
    save(suite, token, first, report(tid, "h2"))
    assert progress(suite, token, tid) == [
        {"task_id": tid, "progress": 2, "expected_report_num": 2, "finished": True, **FINISHED}
    ]
    replay = {**first, "report": evaluated(True)}
    assert save(suite, token, replay) == 1
    # Within one batch the later of two reports with one id wins and is counted once.
    assert save(suite, token, first, replay) == 1
    assert progress(suite, token, tid)[0]["progress"] == 2
    [stored] = ok(suite, "/data/diag/report/get", {"report_list": [first["report_id"]]}, token=token)[
        "result"
    ]
    assert stored["report"] == evaluated(True)
    assert listing(suite, token, task_id=tid)["total_count"] == 2


def test_report_lists_carry_the_roots_value_and_filter_by_task_or_host_tree_and_time(
    suite: Suite, token: str
) -> None:
    t1, t2 = new_id(), new_id()
    save(
        suite,
        token,
        report(t1, "h1", 0, 60, value=True),
        report(t1, "h2", 60, 120, tree="other", value=False),
        report(t2, "h1", 100, 200, value=None),
        report(t2, "h3", 300, 400, content={}),
    )
    reply = listing(suite, token, task_id=t1, host_list=["h9"], tree_list=["none"], time_range=[900, 999])
    # The task id is the only filter when it is given.
    assert (reply["total_count"], reply["total_page"]) == (2, 1)
    row = reply["result"][0]
    assert set(row) == {"host_id", "tree_name", "task_id", "report_id", "start", "end", "value"}
    assert [(r["host_id"], r["value"]) for r in reply["result"]] == [("h1", True), ("h2", False)]

    def spans(**body: Any) -> list[tuple[str, float, Any]]:
        return [(r["host_id"], r["start"], r["value"]) for r in listing(suite, token, **body)["result"]]

    assert spans() == [("h1", 0, True), ("h2", 60, False), ("h1", 100, None), ("h3", 300, None)]
    assert spans(host_list=["h1"]) == [("h1", 0, True), ("h1", 100, None)]
    assert spans(tree_list=["other"]) == [("h2", 60, False)]
    # Reports overlapping the range, ends included.
    assert spans(time_range=[60, 100]) == [("h1", 0, True), ("h2", 60, False), ("h1", 100, None)]
    assert spans(time_range=[201, 299]) == []
    assert spans(host_list=["h1", "h3"], time_range=[150, 350]) == [("h1", 100, None), ("h3", 300, None)]
    empty = listing(suite, token, host_list=["nobody"])
    assert (empty["total_count"], empty["total_page"], empty["result"]) == (0, 0, [])


def test_report_lists_are_sorted_and_paged(suite: Suite, token: str) -> None:
    tid = new_id()
    save(suite, token, *(report(tid, f"h{i:02d}", 1000 + i, 2000 - i, tree=f"t{i % 4}") for i in range(23)))
    reply = listing(suite, token, page=2, per_page=10, sort="start", direction="desc")
    assert (reply["total_count"], reply["total_page"]) == (23, 3)
    assert [r["start"] for r in reply["result"]] == list(range(1012, 1002, -1))
    # "time" is the 21.09 name of the start.
    alias = listing(suite, token, page=2, per_page=10, sort="time", direction="desc")
    assert alias["result"] == reply["result"]
    assert [r["end"] for r in listing(suite, token, page=3, per_page=10, sort="end")["result"]] == [
        1998,
        1999,
        2000,
    ]
    hosts = [r["host_id"] for r in listing(suite, token, sort="host_id", direction="desc")["result"]]
    assert hosts == sorted(hosts, reverse=True) and len(hosts) == 23
    trees = [r["tree_name"] for r in listing(suite, token, sort="tree_name")["result"]]
    assert trees == sorted(trees)
    paged = host_ids_paged(
        lambda n: listing(suite, token, page=n, per_page=10, sort="tree_name")["result"], 3
    )
    assert sorted(paged) == sorted(f"h{i:02d}" for i in range(23))


def test_deleting_reports_by_id(suite: Suite, token: str) -> None:
    tid = new_id()
    reports = [report(tid, f"h{i}") for i in range(4)]
    save(suite, token, *reports)
    ids = [r["report_id"] for r in reports]
    unknown = new_id()
    status, reply = call(
        suite,
        "/data/diag/report/delete",
        {"report_list": [ids[0], unknown, ids[2]]},
        token=token,
        method="DELETE",
    )
    assert (status, reply["code"], reply["deleted"]) == (207, 206, 2), reply
    assert (reply["succeed_list"], reply["fail_list"]) == ([ids[0], ids[2]], [unknown])
    assert [r["report_id"] for r in listing(suite, token, sort="host_id")["result"]] == [ids[1], ids[3]]
    reply = ok(suite, "/data/diag/report/delete", {"report_list": [ids[1]]}, token=token, method="DELETE")
    assert (reply["code"], reply["succeed_list"], reply["fail_list"]) == (200, [ids[1]], [])
    assert (
        ok(suite, "/data/diag/report/delete", {"report_list": []}, token=token, method="DELETE")["deleted"]
        == 0
    )


def test_another_user_sees_none_of_the_tasks_reports_or_progress(suite: Suite, token: str) -> None:
    tid = new_id()
    save_task(suite, token, task(tid, expected=1))
    mine = report(tid)
    save(suite, token, mine)
    _, other = suite.add_user()
    assert tasks(suite, other, task_list=[tid])["total_count"] == 0
    assert listing(suite, other, task_id=tid)["total_count"] == 0
    assert (
        ok(suite, "/data/diag/report/get", {"report_list": [mine["report_id"]]}, token=other)["result"] == []
    )
    assert progress(suite, other, tid) == [
        {"task_id": tid, "progress": 0, "expected_report_num": 0, "finished": False, **UNKNOWN}
    ]
    status, deleted = call(
        suite, "/data/diag/report/delete", {"report_list": [mine["report_id"]]}, token=other, method="DELETE"
    )
    assert (status, deleted["code"], deleted["deleted"]) == (404, 1103, 0), deleted
    status, reply = call(suite, "/data/diag/task/delete", {"task_list": [tid]}, token=other, method="DELETE")
    assert (status, reply["code"], reply["deleted"], reply["reports_deleted"]) == (404, 1103, [], 0)
    # The same report id is the other user's own report and leaves this user's alone.
    save(suite, other, {**mine, "host_id": "theirs"})
    [stored] = ok(suite, "/data/diag/report/get", {"report_list": [mine["report_id"]]}, token=token)["result"]
    assert stored["host_id"] == "h1"
    assert progress(suite, token, tid)[0]["progress"] == 1


def test_a_service_saves_reports_for_the_user_it_acts_for(suite: Suite, user: tuple[str, str]) -> None:
    username, token = user
    tid = new_id()
    body = {"reports": [report(tid)]}
    status, reply = call(suite, "/data/diag/report/save", body, token=suite.service_token(username))
    assert (status, reply["saved"]) == (200, 1)
    assert progress(suite, token, tid)[0]["progress"] == 1


# Progress


def test_progress_is_exact_per_task_in_request_order(suite: Suite, token: str) -> None:
    done, half, empty, unknown = new_id(), new_id(), new_id(), new_id()
    save_task(suite, token, task(done, expected=3))
    save_task(suite, token, task(half, expected=4))
    save_task(suite, token, task(empty, expected=0))
    save(suite, token, *(report(done, f"h{i}") for i in range(3)), *(report(half, f"h{i}") for i in range(2)))
    assert progress(suite, token, unknown, half, done, empty, half) == [
        {"task_id": unknown, "progress": 0, "expected_report_num": 0, "finished": False, **UNKNOWN},
        {"task_id": half, "progress": 2, "expected_report_num": 4, "finished": False, **RUNNING},
        {"task_id": done, "progress": 3, "expected_report_num": 3, "finished": True, **FINISHED},
        {"task_id": empty, "progress": 0, "expected_report_num": 0, "finished": True, **FINISHED},
    ]


def test_more_than_ten_thousand_reports_are_saved_counted_listed_and_deleted(
    suite: Suite, token: str
) -> None:
    tid = new_id()
    save_task(suite, token, task(tid, expected=10_200))
    reports = [
        report(tid, f"h{i % 50}", i, i + 1, report_id=f"{i:032x}", content={"value": True})
        for i in range(10_200)
    ]
    started = time.monotonic()
    assert save(suite, token, *reports[:10_000]) == 10_000
    assert save(suite, token, *reports[10_000:]) == 200
    saving = time.monotonic() - started
    assert progress(suite, token, tid)[0]["progress"] == 10_200
    started = time.monotonic()
    reply = listing(suite, token, task_id=tid)
    got = ok(
        suite,
        "/data/diag/report/get",
        {"report_list": [r["report_id"] for r in reports[:10_000]]},
        token=token,
    )
    reading = time.monotonic() - started
    assert (reply["total_count"], len(reply["result"])) == (10_200, 10_200)
    assert {r["start"] for r in reply["result"]} == set(range(10_200))
    assert len(got["result"]) == 10_000
    assert saving < 30 and reading < 30, (saving, reading)
    [info] = tasks(suite, token, sort="cur_report_num")["task_infos"]
    assert (info["cur_report_num"], info["finished"]) == (10_200, True)
    reply = ok(suite, "/data/diag/task/delete", {"task_list": [tid]}, token=token, method="DELETE")
    assert reply["reports_deleted"] == 10_200
    assert listing(suite, token)["total_count"] == 0


# Bad input


def test_bad_bodies_are_refused_naming_the_field(suite: Suite, token: str) -> None:
    tid = new_id()
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("/data/diag/task/save", "POST", task("x" * 32), "task_id"),
        ("/data/diag/task/save", "POST", task(tid.upper()), "task_id"),
        ("/data/diag/task/save", "POST", task(tid, extra=1), "extra"),
        ("/data/diag/task/save", "POST", task(tid, host_list=[]), "host_list"),
        ("/data/diag/task/save", "POST", task(tid, tree_list=[]), "tree_list"),
        ("/data/diag/task/save", "POST", task(tid, time_range=[5, 1]), "time_range"),
        ("/data/diag/task/save", "POST", task(tid, time_range=[1]), "time_range"),
        ("/data/diag/task/save", "POST", task(tid, interval=0), "interval"),
        ("/data/diag/task/save", "POST", task(tid, expected=-1), "expected_report_num"),
        ("/data/diag/task/save", "POST", task(tid, time="now"), "time"),
        ("/data/diag/task/get", "POST", {"per_page": 51, "page": 1}, "per_page"),
        ("/data/diag/task/get", "POST", {"page": 0, "per_page": 5}, "page"),
        ("/data/diag/task/get", "POST", {"sort": "progress"}, "sort"),
        ("/data/diag/task/get", "POST", {"direction": "up"}, "direction"),
        ("/data/diag/task/get", "POST", {"task_list": ["nope"]}, "task_list.0"),
        ("/data/diag/task/get", "POST", {"time_range": [9, 1]}, "time_range"),
        ("/data/diag/task/get", "POST", {"username": "x"}, "username"),
        ("/data/diag/task/delete", "DELETE", {}, "task_list"),
        ("/data/diag/task/delete", "DELETE", {"task_list": ["nope"]}, "task_list.0"),
        ("/data/diag/process/query", "POST", {"task_list": []}, "task_list"),
        ("/data/diag/process/query", "POST", {"task_list": [tid] * 1001}, "task_list"),
        ("/data/diag/process/query", "POST", {}, "task_list"),
        ("/data/diag/report/save", "POST", {"reports": []}, "reports"),
        ("/data/diag/report/save", "POST", {"reports": [{**report(tid), "extra": 1}]}, "reports.0.extra"),
        ("/data/diag/report/save", "POST", {"reports": [report(tid, report_id="r1")]}, "reports.0.report_id"),
        ("/data/diag/report/save", "POST", {"reports": [report("t1")]}, "reports.0.task_id"),
        ("/data/diag/report/save", "POST", {"reports": [report(tid, "")]}, "reports.0.host_id"),
        ("/data/diag/report/save", "POST", {"reports": [report(tid, tree="")]}, "reports.0.tree_name"),
        ("/data/diag/report/save", "POST", {"reports": [report(tid, start=9, end=1)]}, "reports.0.end"),
        ("/data/diag/report/save", "POST", {"reports": [report(tid, start=-1)]}, "reports.0.start"),
        (
            "/data/diag/report/save",
            "POST",
            {"reports": [{**report(tid), "report": "{}"}]},
            "reports.0.report",
        ),
        ("/data/diag/report/get", "POST", {"report_list": []}, "report_list"),
        ("/data/diag/report/get", "POST", {"report_list": ["abc"]}, "report_list.0"),
        ("/data/diag/report/get", "POST", {"report_list": [tid] * 10_001}, "report_list"),
        ("/data/diag/report/get_list", "POST", {"per_page": 51, "page": 1}, "per_page"),
        ("/data/diag/report/get_list", "POST", {"sort": "value"}, "sort"),
        ("/data/diag/report/get_list", "POST", {"task_id": ""}, "task_id"),
        ("/data/diag/report/get_list", "POST", {"time_range": [1, 2, 3]}, "time_range"),
        ("/data/diag/report/get_list", "POST", {"host_list": "h1"}, "host_list"),
        ("/data/diag/report/delete", "DELETE", {"report_list": ["abc"]}, "report_list.0"),
        ("/data/diag/report/delete", "DELETE", {}, "report_list"),
    ]
    for path, method, body, field in cases:
        status, reply = call(suite, path, body, token=token, method=method)
        assert (status, reply["code"], reply.get("field")) == (400, 1000, field), (path, field, reply)
    assert tasks(suite, token)["total_count"] == 0
    assert listing(suite, token)["total_count"] == 0
