"""The fault tree and diagnosis pages: importing a tree (JSON, and bad ones showing the error),
seeing it drawn, deleting it; running a diagnosis on a host of the user, its live progress, its
reports, a report's tree with each node's value and evidence, deleting the task.

The trees are on the nginx stack; the diagnosis runs on `aops standalone` (its own web port),
which runs the check and diag executors on its in-process bus, so that reports are made."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser
from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.adoctor_check_scheduler.test_cli_flow import _set
from tests.aops_utils.trees.test_excel import workbook
from tests.conftest import PROMETHEUS_URL
from tests.conftest import require
from tests.suite import VAULT_KEY
from tests.web.browser import PageGuard
from tests.web.browser import Shots
from tests.web.conftest import WebStack
from tests.web.conftest import open_page
from tests.web.flows import PASSWORD
from tests.web.flows import field_error
from tests.web.flows import log_in
from tests.web.flows import to_chinese
from tests.web.stack import running_standalone

ROOT = Path(__file__).resolve().parents[2]
RULES = json.loads((ROOT / "conf" / "check_rules" / "node_exporter.json").read_text())
HEALTH = json.loads((ROOT / "conf" / "fault_trees" / "host_health.json").read_text())
MAX_REPORTS = 100


def call(url: str, path: str, body: dict[str, Any], token: str, method: str = "POST") -> dict[str, Any]:
    """One call through the web's /api routing, as the browser makes it."""
    headers = {"Access-Token": token}
    reply = requests.request(method, f"{url}/api{path}", json=body, headers=headers, timeout=60)
    decoded: dict[str, Any] = reply.json()
    return decoded


def ok(url: str, path: str, body: dict[str, Any], token: str, method: str = "POST") -> dict[str, Any]:
    reply = call(url, path, body, token, method)
    assert reply["code"] == 200, reply
    return reply


def login(url: str, username: str, password: str) -> str:
    reply = requests.post(
        f"{url}/api/manage/account/login", json={"username": username, "password": password}, timeout=30
    ).json()
    token: str = reply["access_token"]
    return token


def open_menu_entry(page: Page, label: str) -> None:
    menu = page.locator("[data-test=side-menu]")
    entry = menu.locator("[data-test^=menu-]", has_text=label)
    if not entry.is_visible():
        menu.locator("[data-test=side-menu-group]", has_text="Diagnosis").click()
    entry.click()


# Fault trees (nginx)


def test_a_tree_is_imported_drawn_exported_and_deleted(
    page: Page, nginx_stack: WebStack, shot: Shots, guard: PageGuard, tmp_path: Path
) -> None:
    url = nginx_stack.url
    # A user of its own (the suite adds it as `aops-database user add` does).
    username, token = nginx_stack.suite.add_user(password=PASSWORD)
    log_in(page, username)
    ok(url, "/check/rule/import", RULES, token)

    open_menu_entry(page, "Fault trees")
    expect(page.locator("[data-test=fault-trees-page]")).to_be_visible()
    shot(page, "empty")

    # Not JSON: the file's field says so, nothing is sent.
    not_json = tmp_path / "notes.json"
    not_json.write_text("host health: resources || rebooted")
    page.fill("[data-test=tree-name]", "health")
    page.set_input_files("[data-test=tree-file]", str(not_json))
    expect(field_error(page, "tree-file")).to_contain_text("Not a JSON file")

    # A tree whose condition names no child: the server refuses it, saying why.
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**HEALTH, "condition": "resources exhausted || no such branch"}))
    page.set_input_files("[data-test=tree-file]", str(broken))
    guard.expect(400, "/api/diag/tree/import")
    page.click("[data-test=tree-import-submit]")
    refused = page.locator("[data-test=batch-result], .ant-form-item-explain-error").first
    expect(refused).to_contain_text("no such branch")
    shot(page, "refused")
    assert ok(url, "/diag/tree/get", {"tree_list": []}, token)["trees"] == []

    # The sample tree imports, is listed and drawn.
    sample = tmp_path / "host_health.json"
    sample.write_text(json.dumps(HEALTH))
    page.set_input_files("[data-test=tree-file]", str(sample))
    page.fill("[data-test=tree-description]", "from the sample")
    page.click("[data-test=tree-import-submit]")
    expect(page.locator("[data-test=batch-result]")).to_contain_text("1 trees imported")
    expect(page.locator("[data-test=trees-table]")).to_contain_text("from the sample")
    chart = page.locator("[data-test=tree-shown] [data-test=tree-chart] svg")
    for name in ("host health", "resources exhausted", "host instability", "disk full", "network errors"):
        expect(chart.get_by_text(name, exact=True)).to_be_visible()
    shot(page, "drawn")

    # Export: the file is the tree as it was imported, and imports back.
    with page.expect_download() as download:
        page.locator("[data-test=tree-export]").first.click()
    assert download.value.suggested_filename == "health.json"
    exported = tmp_path / "exported.json"
    download.value.save_as(exported)
    assert (
        json.loads(exported.read_text())
        == ok(url, "/diag/tree/get", {"tree_list": ["health"]}, token)["trees"][0]["tree_content"]
    )

    # A 21.09 workbook: its fault is named by cell under the file; a good one gives its name (A1).
    (tmp_path / "bad").mkdir()
    (tmp_path / "good").mkdir()
    bad_book = workbook(tmp_path / "bad", [(0, "A"), (2, "too deep|cpu_busy")])
    guard.expect(400, "/api/diag/tree/workbook")
    page.set_input_files("[data-test=tree-file]", str(bad_book))
    expect(field_error(page, "tree-file")).to_contain_text("diag!C4")
    rows: list[tuple[int, Any]] = [(0, "cpu saturated|cpu_busy"), (0, "memory low|memory_low")]
    book = workbook(tmp_path / "good", rows, name="from a workbook")
    page.set_input_files("[data-test=tree-file]", str(book))
    expect(page.locator("[data-test=tree-name]")).to_have_value("from a workbook")
    page.click("[data-test=tree-import-submit]")
    expect(page.locator("[data-test=batch-result]")).to_contain_text("1 trees imported")
    expect(chart.get_by_text("memory low", exact=True)).to_be_visible()
    expect(chart.get_by_text("host health", exact=True)).to_have_count(0)
    stored = ok(url, "/diag/tree/get", {"tree_list": ["from a workbook"]}, token)["trees"][0]
    assert stored["tree_content"]["condition"] == "cpu saturated && memory low"
    shot(page, "workbook")

    # Delete both, each with its outcome.
    page.locator("[data-test=trees-table] thead .ant-checkbox").click()
    page.click("[data-test=trees-delete]")
    page.locator(".ant-popconfirm .ant-btn-primary").click()
    expect(page.locator("[data-test=batch-result]")).to_contain_text("2 trees deleted")
    expect(page.locator("[data-test=tree-shown]")).to_have_count(0)
    expect(page.locator("[data-test=trees-table]")).not_to_contain_text("health")
    assert ok(url, "/diag/tree/get", {"tree_list": []}, token)["trees"] == []


# Diagnosis (aops standalone: the executors run)


@pytest.fixture(scope="module")
def diag_stack(web_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    """`aops standalone` whose check and diag executors read the test Prometheus."""
    require(PROMETHEUS_URL)
    prom_host, prom_port = PROMETHEUS_URL.removeprefix("http://").split(":")

    def configure(conf: Path) -> None:
        _set(conf / "database.ini", "prometheus", ip=prom_host, port=prom_port)
        _set(conf / "diag_executor.ini", "executor", sample_period=2)
        _set(conf / "diag_scheduler.ini", "diag_scheduler", max_reports_per_task=MAX_REPORTS)

    data_dir = tmp_path_factory.mktemp(f"diag{uuid.uuid4().hex[:6]}")
    with running_standalone(data_dir, web_dist, configure) as running:
        yield WebStack("standalone", running.url)


@pytest.fixture
def diag_page(browser: Browser, diag_stack: WebStack, guard: PageGuard) -> Iterator[Page]:
    yield from open_page(browser, diag_stack.url, guard)


def _admin(url: str) -> str:
    """admin's session after its default password was changed to PASSWORD."""
    default = login(url, "admin", "changeme")
    call(url, "/manage/account/change", {"password": PASSWORD}, default)
    return login(url, "admin", PASSWORD)


def _flatten(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for kid in node.get("children", []) for n in _flatten(kid))]


def test_a_host_is_diagnosed_and_its_report_read(
    diag_page: Page, diag_stack: WebStack, shot: Shots, guard: PageGuard
) -> None:
    page, url = diag_page, diag_stack.url
    token = _admin(url)
    ok(url, "/manage/host/group/add", {"host_group_name": "web", "description": ""}, token)
    added = ok(
        url,
        "/manage/host/add",
        {
            "key": VAULT_KEY,
            "host_list": [
                {
                    "host_name": "node1",
                    "host_group_name": "web",
                    "public_ip": "127.0.0.1",
                    "ssh_port": 22,
                    "username": "root",
                    "password": "x",
                }
            ],
        },
        token,
    )
    host_id = added["host_list"][0]
    ok(url, "/check/rule/import", RULES, token)
    trees = [
        {"tree_name": "health", "tree_content": HEALTH, "description": ""},
        {"tree_name": "gone", "tree_content": HEALTH, "description": ""},
    ]
    ok(url, "/diag/tree/import", {"trees": trees}, token)

    log_in(page, "admin")
    open_menu_entry(page, "Diagnosis")
    expect(page.locator("[data-test=diagnosis-page]")).to_be_visible()

    # Nothing chosen: the form says what is required.
    page.click("[data-test=diagnosis-submit]")
    expect(field_error(page, "diagnosis-hosts")).to_have_text("Required")
    expect(field_error(page, "diagnosis-trees")).to_have_text("Required")

    _choose(page, "diagnosis-hosts", "node1 (127.0.0.1)")
    _choose(page, "diagnosis-trees", "health")
    _choose(page, "diagnosis-trees", "gone")

    # Too many reports for the scheduler's limit: the server's error under the interval.
    _interval(page).fill("1")
    guard.expect(400, "/api/diag/execute")
    page.click("[data-test=diagnosis-submit]")
    expect(field_error(page, "diagnosis-interval")).to_contain_text("too many reports in one task")
    shot(page, "too-many-reports")

    # A tree deleted meanwhile: the diagnosis runs with the other, and says which was unknown.
    ok(url, "/diag/tree/delete", {"tree_list": ["gone"]}, token, method="DELETE")
    _interval(page).fill("1200")
    page.click("[data-test=diagnosis-submit]")
    result = page.locator("[data-test=batch-result]")
    expect(result).to_contain_text("Diagnosis started: 3 reports expected")
    expect(result).to_have_class(re.compile(r"ant-alert-warning"))  # done, with a failed item
    expect(result.locator("[data-test=batch-failed-item]")).to_have_text("gone: unknown fault tree")

    status = page.locator("[data-test=task-status]")
    expect(status).to_have_count(1)
    shot(page, "started")
    expect(status).to_have_text("finished", timeout=120_000)
    expect(page.locator("[data-test=task-progress]")).to_have_text("3 / 3")
    reports = page.locator("[data-test=reports-table] [data-test=report-open]")
    expect(reports).to_have_count(3)
    expect(page.locator("[data-test=reports-table]")).to_contain_text("node1")
    shot(page, "finished")

    task_id = ok(url, "/diag/task/get", {}, token)["task_infos"][0]["task_id"]
    listed = ok(url, "/diag/report/get_list", {"task_id": task_id, "sort": "start"}, token)["result"]
    reports.first.click()
    expect(page.locator("[data-test=report-page]")).to_be_visible()
    report_id = page.url.rsplit("/", 1)[1]
    assert report_id in {r["report_id"] for r in listed}
    stored = ok(url, "/diag/report/get", {"report_list": [report_id]}, token)["result"][0]
    expect(page.locator("[data-test=report-host]")).to_have_text(host_id)
    expect(page.locator("[data-test=report-tree]")).to_have_text("health")

    # Each node with its value (as stored, in its colour) and its evidence.
    nodes = _flatten(stored["report"])
    names = page.locator("[data-test=report-node-name]")
    values = page.locator("[data-test=report-node-value]")
    expect(names).to_have_count(len(nodes))
    shown = {True: "true", False: "false", None: "unknown"}
    for index, node in enumerate(nodes):
        expect(names.nth(index)).to_have_text(node["node name"])
        expect(values.nth(index)).to_have_attribute("data-value", shown[node["value"]])
        evidence = node["evidence"]["text"]
        expect(page.locator("[data-test=report-node-evidence]").nth(index)).to_contain_text(evidence)
    colours = {values.nth(i).evaluate("e => getComputedStyle(e).backgroundColor") for i in range(len(nodes))}
    assert len(colours) == len({n["value"] for n in nodes}), colours
    chart = page.locator("[data-test=tree-chart] svg")
    expect(chart.get_by_text("resources exhausted", exact=True)).to_be_visible()
    shot(page, "report")

    # In Chinese: the values and the legend too.
    to_chinese(page, away=(640, 20))
    expect(page).to_have_title("诊断报告 · A-Ops")
    chinese = {True: "是", False: "否", None: "未知"}
    expect(values.first).to_have_text(chinese[nodes[0]["value"]])
    expect(page.locator("[data-test=report-legend]")).to_contain_text("故障存在")
    shot(page, "report-zh")
    page.click("[data-test=locale-switch]")
    page.click("[data-test=locale-en]")
    page.mouse.move(640, 20)
    expect(page.locator("[data-test=locale-en]")).to_be_hidden()

    # Back to the tasks: delete the task with its reports.
    page.click("[data-test=report-back]")
    page.locator("[data-test=task-delete]").first.click()
    page.locator(".ant-popconfirm .ant-btn-primary").click()
    deleted = page.locator("[data-test=batch-result]").last
    expect(deleted).to_contain_text("1 tasks deleted with their reports")
    expect(page.locator("[data-test=task-status]")).to_have_count(0)
    assert ok(url, "/diag/task/get", {}, token)["task_infos"] == []
    assert call(url, "/diag/report/get", {"report_list": [report_id]}, token).get("result", []) == []
    shot(page, "deleted")


def _choose(page: Page, data_test: str, label: str) -> None:
    page.locator(f"[data-test={data_test}]").click()
    page.locator(".ant-select-dropdown:visible .ant-select-item-option", has_text=label).first.click()
    page.keyboard.press("Escape")


def _interval(page: Page) -> Locator:
    return page.locator(".ant-form-item", has=page.locator("[data-test=diagnosis-interval]")).locator("input")
