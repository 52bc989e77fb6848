"""Every call the 21.09 web made (reference/aops-21.09-core.md section 11.2) for the capabilities
built so far (hosts, groups, accounts, check rules and results, fault trees, diagnosis) is
answered by our services through nginx with the shipped conf, sent as the 21.09 web sent it:
`/api` + path, `Access-Token` header, its bodies. The deployment, configuration and topology
calls come with their issues."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.aops_database.test_diag_trees import content
from tests.suite import VAULT_KEY
from tests.suite import data_call
from tests.web.conftest import WebStack
from tests.web.flows import PASSWORD
from tests.web.flows import new_user
from tests.web.through_nginx import result
from tests.web.through_nginx import rule
from tests.web.through_nginx import save_results

# Section 11.2's calls of those capabilities (method, path), each to be made below.
CALLS_2109 = {
    ("POST", "/manage/account/login"),
    ("POST", "/manage/account/change"),
    ("POST", "/manage/account/certificate"),
    ("POST", "/manage/host/count"),
    ("POST", "/manage/host/get"),
    ("POST", "/manage/host/add"),
    ("DELETE", "/manage/host/delete"),
    ("POST", "/manage/host/info/query"),
    ("POST", "/manage/host/group/get"),
    ("POST", "/manage/host/group/add"),
    ("DELETE", "/manage/host/group/delete"),
    ("POST", "/check/rule/get"),
    ("POST", "/check/rule/count"),
    ("POST", "/check/rule/import"),
    ("DELETE", "/check/rule/delete"),
    ("POST", "/check/result/count"),
    ("POST", "/check/result/get"),
    ("POST", "/diag/tree/import"),
    ("POST", "/diag/tree/get"),
    ("DELETE", "/diag/tree/delete"),
    ("POST", "/diag/execute"),
    ("POST", "/diag/task/get"),
    ("POST", "/diag/progress/get"),
    ("POST", "/diag/report/get_list"),
    ("POST", "/diag/report/get"),
    ("DELETE", "/diag/report/delete"),
}


class Web2109:
    """The 21.09 web's way of calling: every answer must be code 200 (its interceptor took any
    other code, 206 included, for an error)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.token = ""
        self.made: set[tuple[str, str]] = set()

    def __call__(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Access-Token": self.token} if self.token else {}
        reply = requests.request(method, f"{self.url}/api{path}", json=body, headers=headers, timeout=60)
        envelope: dict[str, Any] = reply.json()
        assert (reply.status_code, envelope.get("code")) == (200, 200), (method, path, body, envelope)
        self.made.add((method, path))
        return envelope


def test_every_2109_web_call_is_answered_through_nginx(nginx_stack: WebStack) -> None:
    suite = nginx_stack.suite
    username = new_user(suite)
    web = Web2109(nginx_stack.url)

    # user/Login and the header menu.
    web.token = web("POST", "/manage/account/login", {"username": username, "password": PASSWORD})[
        "access_token"
    ]
    web("POST", "/manage/account/certificate", {"key": VAULT_KEY})

    # assests: host groups and hosts (HostGroupManagement, HostEdition, HostManagement).
    web("POST", "/manage/host/group/add", {"host_group_name": "web2109", "description": "21.09 web"})
    web("POST", "/manage/host/group/add", {"host_group_name": "empty", "description": ""})
    groups = web(
        "POST",
        "/manage/host/group/get",
        {"sort": "host_count", "direction": "desc", "page": 1, "per_page": 10},
    )
    assert {g["host_group_name"] for g in groups["host_group_infos"]} == {"web2109", "empty"}
    added = web(
        "POST",
        "/manage/host/add",
        {
            "key": VAULT_KEY,
            "host_list": [
                {
                    "host_name": "web2109-host",
                    "host_group_name": "web2109",
                    "public_ip": "10.9.0.1",
                    "ssh_port": 22,
                    "management": False,
                    "username": "root",
                    "password": "secret",
                    "sudo_password": "secret",
                }
            ],
        },
    )
    host_id = added["host_list"][0]
    listed = web(
        "POST",
        "/manage/host/get",
        {
            "host_group_list": ["web2109"],
            "management": False,
            "sort": "host_name",
            "direction": "asc",
            "page": 1,
            "per_page": 5,
        },
    )
    assert [h["host_id"] for h in listed["host_infos"]] == [host_id]
    assert web("POST", "/manage/host/get", {"host_group_list": ["web2109"]})["total_count"] == 1
    assert web("POST", "/manage/host/count", {})["host_count"] == 1
    basic = web("POST", "/manage/host/info/query", {"host_list": [host_id], "basic": True})
    assert basic["host_infos"][0]["host_name"] == "web2109-host"
    web("POST", "/manage/host/info/query", {"host_list": [host_id]})  # the details drawer

    # diagnosis/RuleManagement and AbnormalCheck.
    web(
        "POST",
        "/check/rule/import",
        # The rules the tree's leaves name (tests/aops_database/test_diag_trees.content).
        {
            "check_items": [
                rule(name) | {"description": "", "plugin": ""} for name in ("check_item1", "check_item2")
            ]
        },
    )
    assert web("POST", "/check/rule/get", {"check_items": []})["total_count"] == 2
    paged = web("POST", "/check/rule/get", {"check_items": [], "page": 1, "per_page": 10})
    assert [r["check_item"] for r in paged["check_items"]] == ["check_item1", "check_item2"]
    assert web("POST", "/check/rule/count", {})["rule_count"] == 2
    now = int(time.time())
    save_results(suite, username, [result(host_id, "check_item1", now - 120)])
    counted = web(
        "POST",
        "/check/result/count",
        {"host_list": [], "sort": "count", "direction": "desc", "page": 1, "per_page": 10},
    )
    assert counted["results"] == [{"host_id": host_id, "count": 1}]
    latest = web(
        "POST",
        "/check/result/get",
        {"time_range": [], "check_items": [], "host_list": [], "value": "Abnormal", "page": 1, "per_page": 5},
    )
    assert latest["check_result"][0]["host_id"] == host_id

    # diagnosis/FaultDiagnosis, FaultTrees, DiagReport.
    tree = {"tree_name": "web2109_tree", "tree_content": content(), "description": "21.09 web"}
    web("POST", "/diag/tree/import", {"trees": [tree]})
    assert [t["tree_name"] for t in web("POST", "/diag/tree/get", {"tree_list": []})["trees"]] == [
        "web2109_tree"
    ]
    executed = web(
        "POST",
        "/diag/execute",
        {
            "host_list": [host_id],
            "time_range": [now - 600, now],
            "tree_list": ["web2109_tree"],
            "interval": 300,
        },
    )
    task_id = executed["task_id"]
    assert executed["expected_report_num"] == 2
    tasks = web("POST", "/diag/task/get", {"sort": "time", "direction": "desc", "page": 1, "per_page": 10})
    assert [t["task_id"] for t in tasks["task_infos"]] == [task_id]
    # What the diag executor would store (none runs behind this stack): one report of the task.
    report = {
        "report_id": "a" * 32,
        "task_id": task_id,
        "host_id": host_id,
        "tree_name": "web2109_tree",
        "start": now - 600,
        "end": now - 300,
        "report": content(),
    }
    status, saved = data_call(suite, "/data/diag/report/save", {"reports": [report]}, token=web.token)
    assert status == 200, saved
    progress = web("POST", "/diag/progress/get", {"task_list": [task_id]})
    assert progress["result"][0]["progress"] == 1
    reports = web("POST", "/diag/report/get_list", {"task_id": task_id, "page": 1, "per_page": 10})
    assert [r["report_id"] for r in reports["result"]] == [report["report_id"]]
    got = web("POST", "/diag/report/get", {"report_list": [report["report_id"]]})
    assert got["result"][0]["report"]["node name"] == content()["node name"]
    web("DELETE", "/diag/report/delete", {"report_list": [report["report_id"]]})
    web("DELETE", "/diag/tree/delete", {"tree_list": ["web2109_tree"]})
    web("DELETE", "/check/rule/delete", {"check_items": ["check_item1", "check_item2"]})
    web("DELETE", "/manage/host/delete", {"host_list": [host_id]})
    web("DELETE", "/manage/host/group/delete", {"host_group_list": ["web2109", "empty"]})

    # The header menu's change password (21.09 sent only the new one); it ends the session.
    web("POST", "/manage/account/change", {"password": "Web-passw0rd-2!"})

    assert web.made == CALLS_2109
