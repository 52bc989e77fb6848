"""The data center's typed client against the real data center (MariaDB and the ES-API server)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from aops_utils.codes import Code
from aops_utils.contracts import AddGroupBody
from aops_utils.contracts import GetGroupsBody
from aops_utils.contracts import GetHostsBody
from aops_utils.contracts import GroupNamesBody
from aops_utils.contracts import HostIdsBody
from aops_utils.contracts import HostInfoBody
from aops_utils.contracts.data_center.checks import CountResultsBody
from aops_utils.contracts.data_center.checks import DataItem
from aops_utils.contracts.data_center.checks import GetResultsBody
from aops_utils.contracts.data_center.checks import GetRulesBody
from aops_utils.contracts.data_center.checks import Rule
from aops_utils.contracts.data_center.checks import RuleNamesBody
from aops_utils.contracts.data_center.diagnosis import GetReportsBody
from aops_utils.contracts.data_center.diagnosis import GetTasksBody
from aops_utils.contracts.data_center.diagnosis import GetTreesBody
from aops_utils.contracts.data_center.diagnosis import ListReportsBody
from aops_utils.contracts.data_center.diagnosis import ProgressBody
from aops_utils.contracts.data_center.diagnosis import ReportIdsBody
from aops_utils.contracts.data_center.diagnosis import SaveTaskBody
from aops_utils.contracts.data_center.diagnosis import TaskIdsBody
from aops_utils.contracts.data_center.diagnosis import Tree
from aops_utils.contracts.data_center.diagnosis import TreeNamesBody
from aops_utils.contracts.data_center.hosts import AddHostsBody
from aops_utils.contracts.data_center.hosts import ChangePasswordBody
from aops_utils.contracts.data_center.hosts import NewHost
from aops_utils.data_center import CoverageRow
from aops_utils.data_center import DataCenter
from aops_utils.data_center import HostRow
from aops_utils.data_center import ResultRow
from aops_utils.data_center import RetryRow
from aops_utils.data_center import RuleRow
from aops_utils.data_center import TreeRow
from aops_utils.data_center import relayed
from aops_utils.errors import AopsError
from aops_utils.restful import Principal
from tests.conftest import NODE_EXPORTER
from tests.suite import Suite
from tests.suite import data_call

NODE_IP = NODE_EXPORTER.rsplit(":", 1)[0]


@pytest.fixture(scope="module")
def dc(suite: Suite) -> Iterator[DataCenter]:
    yield DataCenter(suite.database_url, suite.codec(), "adoctor-check-scheduler", timeout=60)


@pytest.fixture
def me(suite: Suite, user: tuple[str, str]) -> Principal:
    """A request of the fresh user's, in their session: the client acts for it."""
    return suite.principal(user[1])


def shaped(rows: list[Any], typed: Any) -> list[Any]:
    """The rows, after checking that each carries exactly the fields its TypedDict names."""
    fields = typed.__required_keys__ | typed.__optional_keys__
    assert rows and all(set(row) == fields for row in rows), (typed.__name__, rows[:1])
    return rows


def raised(call: Any) -> AopsError:
    with pytest.raises(AopsError) as caught:
        call()
    return caught.value


def new_host(name: str, ip: str = "127.0.0.1") -> NewHost:
    return NewHost(
        host_id=uuid.uuid4().hex,
        host_name=name,
        host_group_name="g",
        public_ip=ip,
        ssh_port=22,
        management=False,
        credential=0,
    )


def test_login_answers_a_token_and_a_wrong_password_is_the_data_centers_own_error(
    suite: Suite, dc: DataCenter
) -> None:
    name, _ = suite.add_user(password="Passw0rd!")
    reply = dc.login(name, "Passw0rd!", "127.0.0.1")
    assert reply["code"] == Code.SUCCEED and reply["access_token"]
    error = raised(lambda: dc.login(name, "wrong", "127.0.0.1"))
    status, direct = data_call(
        suite, "/data/account/login", {"username": name, "password": "wrong"}, token=suite.service_token()
    )
    assert (error.code, error.http_status) == (Code(direct["code"]), status)
    assert error.detail == direct["detail"]


def test_a_changed_password_logs_in_and_a_logged_out_session_is_refused(suite: Suite, dc: DataCenter) -> None:
    name, token = suite.add_user(password="Passw0rd!")
    me = suite.principal(token)
    dc.change_password(ChangePasswordBody(password="N3w-passw0rd", old_password="Passw0rd!"), me)
    fresh = dc.login(name, "N3w-passw0rd", "")["access_token"]
    session = suite.principal(fresh)
    assert dc.count_hosts(None, session)["host_count"] == 0
    dc.logout(session)
    assert raised(lambda: dc.count_hosts(None, session)).code is Code.TOKEN_ERROR


def test_hosts_and_groups_round_trip_for_their_user_only(suite: Suite, dc: DataCenter, me: Principal) -> None:
    assert dc.credential_sample(me) is None
    assert dc.add_group(AddGroupBody(host_group_name="g", description="d"), me)["code"] == Code.SUCCEED
    hosts = [new_host("a"), new_host("b", "127.0.0.2")]
    added = dc.add_hosts(AddHostsBody(host_list=hosts, credentials=["vault-text"]), me)
    assert sorted(h["host_id"] for h in added["succeed_list"]) == sorted(h.host_id for h in hosts)
    assert dc.credential_sample(me) == "vault-text"
    listed = dc.get_hosts(GetHostsBody(sort="host_name"), me)
    assert [h["host_name"] for h in listed["host_infos"]] == ["a", "b"] and listed["total_count"] == 2
    assert dc.count_hosts(None, me)["host_count"] == 2
    basics = shaped(dc.host_basics([hosts[1].host_id], me), HostRow)
    assert [(h["host_id"], h["public_ip"]) for h in basics] == [(hosts[1].host_id, "127.0.0.2")]
    info = dc.get_host_info(HostInfoBody(host_list=[hosts[0].host_id], basic=True), me)
    assert [h["host_name"] for h in info["host_infos"]] == ["a"]
    # The fleet is read by services for every user; another user's hosts are not this user's.
    fleet = dc.hosts_by_user()
    shaped(fleet[me.username], HostRow)
    assert sorted(h["host_id"] for h in fleet[me.username]) == sorted(h.host_id for h in hosts)
    _other, token = suite.add_user()
    assert dc.host_basics([hosts[0].host_id], suite.principal(token)) == []
    dc.update_statuses({hosts[0].host_id: "online"})
    assert dc.host_basics([hosts[0].host_id], me.username)[0]["status"] == "online"
    groups = dc.get_groups(GetGroupsBody(), me)["host_group_infos"]
    assert [(g["host_group_name"], g["host_count"]) for g in groups] == [("g", 2)]
    gone = dc.delete_hosts(HostIdsBody(host_list=[h.host_id for h in hosts]), me)
    assert sorted(gone["succeed_list"]) == sorted(h.host_id for h in hosts)
    assert dc.delete_groups(GroupNamesBody(host_group_list=["g"]), me)["code"] == Code.SUCCEED


def test_an_error_envelope_comes_back_as_the_same_aops_error(
    suite: Suite, dc: DataCenter, me: Principal
) -> None:
    dc.add_group(AddGroupBody(host_group_name="twice"), me)
    error = raised(lambda: dc.add_group(AddGroupBody(host_group_name="twice"), me))
    status, direct = data_call(suite, "/data/host/group/add", {"host_group_name": "twice"}, token=me.token)
    assert (error.code, error.http_status, error.detail) == (Code(direct["code"]), status, direct["detail"])
    # A batch that failed for every item keeps its per-item answer in the payload.
    unknown = HostIdsBody(host_list=["nope"])
    error = raised(lambda: dc.delete_hosts(unknown, me))
    status, direct = data_call(
        suite, "/data/host/delete", {"host_list": ["nope"]}, token=me.token, method="DELETE"
    )
    assert (error.code, error.http_status) == (Code(direct["code"]), status)
    assert error.payload["fail_list"] == direct["fail_list"]


def rule(name: str, condition: str = "node_load1 > 100") -> Rule:
    return Rule(check_item=name, data_list=[DataItem(name="node_load1")], condition=condition)


def result(host: str, item: str, start: int, value: str = "Abnormal") -> dict[str, Any]:
    return {
        "host_id": host,
        "check_item": item,
        "data_list": [{"name": "node_load1", "type": "kpi", "label": {}}],
        "condition": "node_load1 > 100",
        "start": start,
        "end": start + 60,
        "value": value,
    }


def test_rules_results_and_coverage_round_trip(dc: DataCenter, me: Principal) -> None:
    added = dc.add_rules([rule("r1"), rule("r2")], me)
    assert sorted(added["succeed_list"]) == ["r1", "r2"]
    assert [r["check_item"] for r in shaped(dc.rules(["r2"], me), RuleRow)] == ["r2"]
    assert len(dc.rules([], me.username)) == 2
    assert dc.get_rules(GetRulesBody(check_items=["r1"]), me)["total_count"] == 1
    assert dc.count_rules(None, me)["rule_count"] == 2
    rows = [result("h1", "r1", 0), result("h1", "r1", 60, "No data"), result("h2", "r2", 0)]
    assert dc.save_results(rows, me.username) == 3
    found = shaped(dc.results([0, 200], ["r1"], ["h1"], me.username), ResultRow)
    assert sorted((r["start"], r["value"]) for r in found) == [(0, "Abnormal"), (60, "No data")]
    page = dc.get_results(GetResultsBody(host_list=["h2"]), me)
    assert [r["check_item"] for r in page["check_result"]] == ["r2"]
    counts = dc.count_results(CountResultsBody(), me)["results"]
    assert sorted((c["host_id"], c["count"]) for c in counts) == [("h1", 1), ("h2", 1)]
    assert dc.delete_results([60, 120], ["r1"], ["h1"], me.username) == 1
    assert len(dc.results([0, 200], ["r1"], ["h1"], me.username)) == 1
    version = "a" * 32
    record = {
        "time_range": [0, 60],
        "host_list": ["h1"],
        "rules": [{"check_item": "r1", "version": version, "failed": []}],
    }
    assert dc.save_coverage([record], me.username) == 1
    assert shaped(dc.coverage([0, 60], ["r1"], ["h1"], me.username), CoverageRow) == [record]
    gone = dc.delete_rules(RuleNamesBody(check_items=["r1", "r2"]), me)
    assert sorted(gone["succeed_list"]) == ["r1", "r2"]


def test_the_schedules_state_and_retry_queue_round_trip(dc: DataCenter, me: Principal) -> None:
    name = f"test_{uuid.uuid4().hex[:8]}"
    dc.set_state({name: 42})
    assert dc.state([name]) == {name: 42}
    retry = {
        "username": me.username,
        "host_list": [{"host_id": "h1", "public_ip": "127.0.0.1"}],
        "check_items": ["r1"],
        "time_range": [0, 60],
        "due_at": 0,
    }
    added = dc.add_retries([retry], max_attempts=3)
    assert len(added["added"]) == 1 and added["dead"] == [] and added["dropped"] == []
    due = [
        r
        for r in shaped(dc.due_retries(int(time.time()), limit=1000, lease=300), RetryRow)
        if r["retry_id"] in added["added"]
    ]
    assert [(r["username"], r["time_range"]) for r in due] == [(me.username, [0, 60])]
    assert dc.delete_retries(added["added"]) == 1
    assert dc.trim_retries(max_dead=1_000_000, discount=0.5) == 0


def test_trees_tasks_and_reports_round_trip(dc: DataCenter, me: Principal) -> None:
    content = {"node": "top", "condition": "r1"}
    assert dc.add_trees([Tree(tree_name="t1", tree_content=content)], me)["succeed_list"] == ["t1"]
    assert [t["tree_content"] for t in shaped(dc.trees(["t1"], me), TreeRow)] == [content]
    assert [t["tree_name"] for t in dc.get_trees(GetTreesBody(), me)["trees"]] == ["t1"]
    task_id, report_id = uuid.uuid4().hex, uuid.uuid4().hex
    task = SaveTaskBody(
        task_id=task_id,
        time=int(time.time()),
        host_list=["h1"],
        tree_list=["t1"],
        time_range=[0, 60],
        interval=60,
        expected_report_num=1,
    )
    dc.save_task(task, me)
    assert [t["task_id"] for t in dc.get_tasks(GetTasksBody(task_list=[task_id]), me)["task_infos"]] == [
        task_id
    ]
    report = {
        "report_id": report_id,
        "task_id": task_id,
        "host_id": "h1",
        "tree_name": "t1",
        "start": 0,
        "end": 60,
        "report": {"node": "top", "value": True},
    }
    assert dc.save_reports([report], me.username) == 1
    progress = dc.progress(ProgressBody(task_list=[task_id]), me)["result"]
    assert progress[0]["progress"] == 1
    got = dc.get_reports(GetReportsBody(report_list=[report_id]), me)["result"]
    assert [r["report"] for r in got] == [report["report"]]
    listed = dc.list_reports(ListReportsBody(task_id=task_id), me)["result"]
    assert [r["report_id"] for r in listed] == [report_id]
    assert dc.delete_reports(ReportIdsBody(report_list=[report_id]), me)["code"] == Code.SUCCEED
    assert dc.delete_tasks(TaskIdsBody(task_list=[task_id]), me)["code"] == Code.SUCCEED
    assert dc.delete_trees(TreeNamesBody(tree_list=["t1"]), me)["code"] == Code.SUCCEED
    assert dc.trees([], me) == []


def test_monitoring_data_comes_back_per_host_and_no_data_anywhere_is_a_reply_not_an_error(
    suite: Suite, dc: DataCenter, me: Principal
) -> None:
    suite.add_host(me.token, ip=NODE_IP)
    now = int(time.time())
    infos = [{"host_id": NODE_IP, "data_list": [{"name": "node_load1", "type": "kpi", "label": {}}]}]
    found = dc.get_data([now - 120, now], infos, me.username)
    assert [s["name"] for s in found["succeed_list"]] == ["node_load1"] and found["succeed_list"][0]["values"]
    # 1104 from the data center: nothing matched, but each host's reason is still given.
    nothing = dc.get_data([now - 120, now], [{**infos[0], "host_id": "127.0.0.2"}], me.username)
    assert nothing["succeed_list"] == [] and [f["host_id"] for f in nothing["fail_list"]] == ["127.0.0.2"]


def test_a_services_own_request_model_is_relayed_as_the_data_centers() -> None:
    from adoctor_diag_scheduler.schemas import GetTasksBody as SchedulerTasksBody

    mine = SchedulerTasksBody(task_list=["a" * 32], time_range=[0, 60], sort="time")
    theirs = relayed(GetTasksBody, mine)
    assert type(theirs) is GetTasksBody
    assert theirs.model_dump(exclude_none=True) == mine.model_dump(exclude_none=True)
