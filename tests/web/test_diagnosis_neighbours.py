"""The diagnosis report page's Neighbours section (docs/diagnosis.md "Neighbours"), on the nginx stack.

The reports are saved in the data center as the diag executor saves them, each with the section
/data/diag/neighbours answered (its shape is pinned on the real map by
tests/gala_spider/test_neighbours.py): one with a neighbour, one of a host without topology data,
one saved before reports had neighbours.
"""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.suite import data_call
from tests.web.browser import Shots
from tests.web.conftest import WebStack
from tests.web.flows import PASSWORD
from tests.web.flows import to_chinese

START = 1796519000
TREE = {
    "node name": "slow service",
    "condition": "slow || db_slow",
    "value": True,
    "children": [
        {"node name": "slow", "check item": "php_slow", "value": True, "msg": ""},
        # A leaf judged on the neighbours says so.
        {
            "node name": "db_slow",
            "check item": "mysql_slow",
            "scope": "neighbours",
            "value": False,
            "msg": "",
        },
    ],
}
FOUND = {
    "status": "found",
    "text": "1 neighbour linked in the slice",
    "total": 1,
    "limit": 50,
    "hosts": [
        {
            "host_id": "7",
            "host_name": "db1",
            "public_ip": "10.0.0.2",
            "link_count": 1,
            "links": [
                {
                    "link_id": "dd240b79010098121f9c7344",
                    "direction": "outgoing",
                    "client": {"ip": "10.0.0.1", "host": "web1", "pid": "100", "process": "php"},
                    "server": {
                        "ip": "10.0.0.2",
                        "port": 3306,
                        "host": "db1",
                        "pid": "200",
                        "process": "mysqld",
                    },
                    "first_seen": START,
                    "last_seen": START + 60,
                }
            ],
            "abnormal_count": 23,
            "abnormal": [
                {
                    "check_item": f"mysql_slow_{n:02d}",
                    "value": "Abnormal",
                    "series": "",
                    "start": START + n,
                    "end": START + n,
                    "description": "",
                    "reason": "",
                }
                for n in range(20)
            ],
        }
    ],
}
NO_TOPOLOGY = {
    "status": "no_topology",
    "text": "no topology data: gala-spider has no record of this host (does gala-gopher run there?)",
    "total": 0,
    "limit": 50,
    "hosts": [],
}


def save(stack: WebStack, token: str, neighbours: dict[str, Any] | None) -> str:
    """A report saved as the diag executor saves it; its id."""
    report_id = uuid.uuid4().hex
    report = {
        "report_id": report_id,
        "task_id": uuid.uuid4().hex,
        "host_id": "6",
        "tree_name": "slow",
        "start": START,
        "end": START + 600,
        "report": TREE,
    }
    if neighbours is not None:
        report["neighbours"] = neighbours
    status, reply = data_call(stack.suite, "/data/diag/report/save", {"reports": [report]}, token=token)
    assert status == 200, reply
    return report_id


def test_a_report_shows_its_hosts_neighbours_with_their_abnormal_results(
    page: Page, nginx_stack: WebStack, web_user: str, shot: Shots
) -> None:
    token = nginx_stack.suite.login(web_user, PASSWORD)
    found, lonely, older = (save(nginx_stack, token, section) for section in (FOUND, NO_TOPOLOGY, None))

    page.goto(f"/diagnosis/reports/{found}")
    section = page.locator("[data-test=report-neighbours]")
    expect(section).to_be_visible()
    expect(section.locator("[data-test=neighbours-summary]")).to_contain_text("on the topology map: 1.")
    expect(section.locator("[data-test=neighbour-host]")).to_have_text("db1")
    expect(section).to_contain_text("10.0.0.2")
    expect(section.locator("[data-test=neighbour-link]")).to_have_text(
        "outgoing web1 / php (100) 10.0.0.1 → db1 / mysqld (200) 10.0.0.2:3306"
    )
    results = section.locator("[data-test=neighbour-result]")
    expect(results).to_have_count(20)
    expect(results.first).to_contain_text("mysql_slow_00")
    expect(section).to_contain_text("… and 3 more abnormal results")
    expect(section.locator("[data-test=neighbours-status]")).to_have_count(0)
    expect(page.get_by_text("mysql_slow (on the neighbours)", exact=True)).to_be_visible()
    expect(page.get_by_text("php_slow", exact=True)).to_be_visible()
    shot(page, "found")

    page.goto(f"/diagnosis/reports/{lonely}")
    status = page.locator("[data-test=neighbours-status]")
    expect(status).to_have_attribute("data-status", "no_topology")
    expect(status).to_contain_text("No topology data for this host")
    expect(page.locator("[data-test=neighbours-table]")).to_have_count(0)
    # The tree is shown as always.
    expect(page.locator("[data-test=report-node-name]").first).to_have_text("slow service")
    shot(page, "no-topology")

    page.goto(f"/diagnosis/reports/{older}")
    expect(status).to_have_attribute("data-status", "not_recorded")
    expect(status).to_contain_text("made before reports listed neighbours")

    # In Chinese.
    page.goto(f"/diagnosis/reports/{found}")
    to_chinese(page)
    expect(section.locator(".ant-card-head-title")).to_have_text("邻居主机")
    expect(section.locator("[data-test=neighbours-summary]")).to_contain_text("1 台")
    expect(section.locator("[data-test=neighbour-link]")).to_contain_text("出向")
    shot(page, "found-zh")
