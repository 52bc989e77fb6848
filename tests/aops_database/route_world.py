"""The scene of the data-center route table: an owner, another user, and their data."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.aops_database.test_check_results import result
from tests.aops_database.test_check_rules import rule
from tests.aops_database.test_diag_reports import report
from tests.aops_database.test_diag_reports import task
from tests.aops_database.test_diag_trees import tree
from tests.conftest import NODE_EXPORTER
from tests.suite import Suite
from tests.suite import data_call

NODE_IP = NODE_EXPORTER.rsplit(":", 1)[0]
Reply = dict[str, Any]


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class World:
    """The owner of the data and another user, both fresh; services act for the owner (a user's
    token given to `data_call` goes as a service token acting in that user's session)."""

    suite: Suite
    owner: tuple[str, str]
    other: tuple[str, str]

    def owner_call(self, path: str, body: Any = None, method: str = "POST") -> tuple[int, Reply]:
        return data_call(self.suite, path, body, token=self.owner[1], method=method, timeout=60)

    def ok(self, path: str, body: Any = None, method: str = "POST") -> Reply:
        """A call of the owner that sets the scene; it must succeed."""
        status, reply = self.owner_call(path, body, method)
        assert (status, reply["code"]) == (200, 200), (path, reply)
        return reply

    def service(self, path: str, body: Any = None, method: str = "POST") -> Reply:
        status, reply = data_call(
            self.suite, path, body, token=self.suite.service_token(self.owner[0]), method=method
        )
        assert status == 200, (path, reply)
        return reply

    # The owner's data, as the owner reads it

    def rule_conditions(self) -> dict[str, str]:
        rows = self.ok("/data/check/rule/get", {})["check_items"]
        return {r["check_item"]: r["condition"] for r in rows}

    def results(self) -> list[Reply]:
        return list(self.ok("/data/check/result/get", {})["check_result"])

    def trees(self) -> dict[str, Any]:
        return {t["tree_name"]: t["tree_content"] for t in self.ok("/data/diag/tree/get", {})["trees"]}

    def tasks(self) -> list[str]:
        return [t["task_id"] for t in self.ok("/data/diag/task/get", {})["task_infos"]]

    def task_state(self, task_id: str) -> str:
        return str(self.ok("/data/diag/process/query", {"task_list": [task_id]})["result"][0]["status"])

    def reports(self) -> list[str]:
        return [r["report_id"] for r in self.ok("/data/diag/report/get_list", {})["result"]]

    def report_values(self) -> dict[str, Any]:
        found = self.ok("/data/diag/report/get", {"report_list": self.reports()})["result"]
        return {r["report_id"]: r["report"]["value"] for r in found}

    def hosts(self) -> dict[str, Reply]:
        return {h["host_id"]: h for h in self.ok("/data/host/get", {})["host_infos"]}

    def groups(self) -> list[str]:
        return [g["host_group_name"] for g in self.ok("/data/host/group/get", {})["host_group_infos"]]

    # Scenes

    def add_rule(self, name: str = "r1", condition: str = "$0 > 1") -> str:
        self.ok("/data/check/rule/add", {"check_items": [rule(name, condition=condition)]})
        return name

    def add_result(self) -> Reply:
        saved = result(new_id(), "r1", 1000, 1060)
        self.ok("/data/check/result/save", {"check_results": [saved]})
        return saved

    def add_tree(self, name: str = "t1") -> str:
        self.ok("/data/diag/tree/add", {"trees": [tree(name)]})
        return name

    def add_task(self) -> str:
        task_id = new_id()
        self.ok("/data/diag/task/save", task(task_id))
        return task_id

    def add_report(self) -> str:
        saved = report(self.add_task())
        self.ok("/data/diag/report/save", {"reports": [saved]})
        return str(saved["report_id"])

    def add_group(self, name: str = "g") -> str:
        self.ok("/data/host/group/add", {"host_group_name": name, "description": ""})
        return name

    def add_host(self, ip: str = "10.20.30.40") -> str:
        if "g" not in self.groups():
            self.add_group()
        host_id = new_id()
        self.ok("/data/host/add", new_hosts(host_id, ip=ip))
        return host_id

    def add_host_info(self) -> str:
        host_id = self.add_host()
        self.service("/data/host/info/save", {"host_infos": [{"host_id": host_id, "infos": {}}]})
        return host_id


def new_hosts(host_id: str, group: str = "g", ip: str = "10.20.30.40") -> Reply:
    entry = {"host_id": host_id, "host_name": f"h{host_id[:6]}", "host_group_name": group}
    entry |= {"public_ip": ip, "ssh_port": 22, "management": False, "credential": 0}
    return {"host_list": [entry], "credentials": ["$ANSIBLE_VAULT;1.1;AES256\n6162"]}


@dataclass(frozen=True)
class Route:
    """`scene` sets up the owner's data and returns the body; `ok` checks the owner's answer;
    `other` checks the other user's answer to the same body and that the owner's data stayed."""

    path: str
    scene: Callable[[World], Any]
    ok: Callable[[World, Reply, Any], object]
    bad: Any
    field: str
    other: Callable[[World, Reply, Any], object]


def refused(w: World, reply: Reply, body: Any) -> bool:
    """A service-wide route (no user to keep apart): the other user's own token gets 1201 (the
    status, 403, is checked by the test)."""
    return bool(reply["code"] == 1201)


NOW = int(time.time())
SERVICE_STATE = f"t_{uuid.uuid4().hex[:8]}"
