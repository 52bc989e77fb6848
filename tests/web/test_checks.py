"""The check rules and check results pages, as a user works them in Chromium, through nginx with
the shipped conf in front of the services (the real Prometheus scraping node_exporter at
127.0.0.1 behind the data center).

Results are stored as the check executor stores them (the data center's save route, acting for
the user) from what the check scheduler's `/check/rule/test` evaluates on the real series.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.conftest import NODE_EXPORTER
from tests.suite import data_call
from tests.web.browser import PageGuard
from tests.web.browser import Shots
from tests.web.conftest import WebStack
from tests.web.flows import PASSWORD
from tests.web.flows import choose
from tests.web.flows import field_error
from tests.web.flows import log_in
from tests.web.flows import to_chinese

NODE_IP = NODE_EXPORTER.rsplit(":", 1)[0]
RULES_PAGE = "/diagnosis/check-rules"
RESULTS_PAGE = "/diagnosis/check-results"


@pytest.fixture
def web_user(page: Page, nginx_stack: WebStack) -> str:
    """A new user logged in on `page`. Made in-process as `aops-database user add` does: the
    shared `tests.web.flows.new_user` calls a data-center route (/data/account/add) that does not
    exist on this branch."""
    username = f"w{uuid.uuid4().hex[:10]}"
    nginx_stack.suite.add_user(username, PASSWORD)
    log_in(page, username)
    return username


def rule(name: str, condition: str = "$0 > 1000", metric: str = "node_load1") -> dict[str, Any]:
    return {
        "check_item": name,
        "data_list": [{"name": metric, "type": "kpi"}],
        "condition": condition,
        "plugin": "",
        "description": f"{name} described",
    }


def api(stack: WebStack, token: str, path: str, body: Any, method: str = "POST") -> dict[str, Any]:
    reply = requests.request(
        method, f"{stack.url}/api{path}", json=body, headers={"Access-Token": token}, timeout=120
    )
    return dict(reply.json())


def user_token(stack: WebStack, username: str) -> str:
    return stack.suite.login(username, PASSWORD)


def import_api(stack: WebStack, token: str, *rules: dict[str, Any]) -> None:
    reply = api(stack, token, "/check/rule/import", {"check_items": list(rules)})
    assert reply["code"] == 200, reply


def go(page: Page, path: str) -> None:
    """Open `path` once the page that logging in landed on has its answers (leaving it while
    they are on the way would abort them, which the page guard counts as failures)."""
    page.wait_for_load_state("networkidle")
    page.goto(path)


def open_rules(page: Page) -> None:
    go(page, RULES_PAGE)
    expect(page.locator("[data-test=check-rules-page]")).to_be_visible()


def rule_row(page: Page, name: str) -> Any:
    return page.locator("[data-test=rule-table] tr.ant-table-row", has_text=name)


def test_importing_a_rule_file_shows_each_refused_rule_with_its_field_reason_and_position(
    page: Page, nginx_stack: WebStack, web_user: str, shot: Shots, tmp_path: Path
) -> None:
    open_rules(page)
    expect(page.locator("[data-test=rule-table]")).to_contain_text("No rules yet")
    shot(page, "no-rules")
    rules_file = tmp_path / "rules.json"
    bad = rule("broken", "$0 > (1")
    rules_file.write_text(json.dumps({"check_items": [rule("load_high"), rule("load_low", "$0 < 0"), bad]}))
    page.locator("input[type=file]").set_input_files(rules_file)

    expect(page.locator("[data-test=import-summary]")).to_have_text("2 stored, 0 updated, 1 refused")
    failure = page.locator("[data-test=import-failures] tr.ant-table-row")
    expect(failure).to_have_count(1)
    cells = failure.locator("td")
    expect(cells.nth(0)).to_have_text("2")
    expect(cells.nth(1)).to_have_text("broken")
    expect(cells.nth(2)).to_have_text("check_items.2.condition")
    expect(cells.nth(3)).to_contain_text("condition: expected ')' to close the '(' at position 5")
    expect(cells.nth(4)).to_have_text("7")
    expect(rule_row(page, "load_high")).to_contain_text("$0 > 1000")
    expect(rule_row(page, "load_low")).to_be_visible()
    expect(page.locator("[data-test=rule-total]")).to_have_text("2 rules")
    expect(page.locator("[data-test=rule-abnormal]")).to_have_text(["0", "0"])
    shot(page, "imported-with-one-refused")

    # A file that is not a rule file is refused before anything is sent.
    rules_file.write_text('{"rules": []}')
    page.locator("input[type=file]").set_input_files(rules_file)
    expect(page.locator(".ant-message")).to_contain_text('needs a non-empty "check_items" list')


def test_a_rule_with_a_syntax_error_shows_the_parsers_message_and_position_then_fixed_is_tried_and_saved(
    page: Page, nginx_stack: WebStack, web_user: str, guard: PageGuard, shot: Shots
) -> None:
    token = user_token(nginx_stack, web_user)
    nginx_stack.suite.add_host(token, name="local", ip=NODE_IP)
    open_rules(page)
    page.click("[data-test=rule-add]")
    form = page.locator("[data-test=rule-form]")
    expect(form).to_be_visible()
    expect(page.locator("[data-test=rule-check]")).to_have_attribute("data-state", "incomplete")

    guard.expect(400, "/api/check/rule/validate")
    page.fill("[data-test=rule-name]", "load_any")
    page.fill("[data-test=data-name]", "node_load1")
    page.fill("[data-test=rule-condition]", "$0 > (1")
    check = page.locator("[data-test=rule-check]")
    expect(check).to_have_attribute("data-state", "problem")
    expect(page.locator("[data-test=rule-problem]")).to_contain_text(
        "rule load_any: condition: expected ')' to close the '(' at position 5 but found end of condition"
    )
    expect(page.locator("[data-test=rule-problem-field]")).to_have_text("field condition")
    expect(page.locator("[data-test=rule-problem-position]")).to_contain_text("at position 7")
    expect(page.locator("[data-test=rule-problem-marked] mark")).to_be_visible()
    expect(field_error(page, "rule-condition")).to_contain_text("expected ')'")
    expect(page.locator("[data-test=rule-preview]")).to_be_disabled()
    shot(page, "syntax-error")

    # A KPI name outside the Prometheus grammar: the error under that data item.
    page.fill("[data-test=rule-condition]", "$0 >= 0")
    page.fill("[data-test=data-name]", "node-load1")
    expect(field_error(page, "data-name")).to_contain_text("is not a Prometheus metric name")
    expect(page.locator("[data-test=rule-problem-field]")).to_have_text("field data_list.0.name")

    page.fill("[data-test=data-name]", "node_load1")
    expect(check).to_have_attribute("data-state", "ok")
    expect(check).to_contain_text("The rule parses.")
    page.click("[data-test=rule-preview]")
    preview = page.locator("[data-test=preview-result]")
    expect(preview).to_contain_text(
        re.compile(r"Over the last hour it would record [1-9]\d* abnormal"), timeout=60_000
    )
    first = page.locator("[data-test=preview-table] tr.ant-table-row").first
    expect(first).to_contain_text("local")
    expect(first).to_contain_text("Abnormal")
    shot(page, "fixed-and-previewed")
    # Nothing was stored by the preview.
    assert api(nginx_stack, token, "/check/rule/count", {})["rule_count"] == 0

    page.click("[data-test=rule-save]")
    expect(page.locator(".ant-message")).to_contain_text("Rule load_any saved")
    expect(form).to_be_hidden()
    expect(rule_row(page, "load_any")).to_contain_text("$0 >= 0")
    stored = api(nginx_stack, token, "/check/rule/get", {})["check_items"]
    assert [(r["check_item"], r["condition"]) for r in stored] == [("load_any", "$0 >= 0")]

    # Edited: the same name, a new condition.
    rule_row(page, "load_any").locator("[data-test=rule-edit]").click()
    expect(page.locator("[data-test=rule-name]")).to_be_disabled()
    page.fill("[data-test=rule-condition]", "$0 > 50")
    expect(check).to_have_attribute("data-state", "ok")
    page.click("[data-test=rule-save]")
    expect(rule_row(page, "load_any")).to_contain_text("$0 > 50")
    shot(page, "saved")


def test_deleting_several_rules_shows_each_ones_outcome(
    page: Page, nginx_stack: WebStack, web_user: str, shot: Shots
) -> None:
    token = user_token(nginx_stack, web_user)
    import_api(nginx_stack, token, rule("one"), rule("two"), rule("three"))
    open_rules(page)
    for name in ("one", "two"):
        rule_row(page, name).locator("input[type=checkbox]").check()
    # Another session deletes one of them meanwhile: its outcome is shown as failed.
    assert api(nginx_stack, token, "/check/rule/delete", {"check_items": ["two"]}, "DELETE")["code"] == 200
    page.click("[data-test=rule-delete]")
    page.locator(".ant-popover .ant-btn-primary").click()
    outcome = page.locator("[data-test=batch-result]")
    expect(outcome).to_contain_text("1 rules deleted")
    expect(page.locator("[data-test=batch-failed-item]")).to_contain_text("two")
    expect(page.locator("[data-test=rule-name-cell]")).to_have_text(["three"])
    shot(page, "deleted")
    stored = api(nginx_stack, token, "/check/rule/get", {})["check_items"]
    assert [r["check_item"] for r in stored] == ["three"]


def test_export_downloads_the_users_rules_as_a_2109_rule_file(
    page: Page, nginx_stack: WebStack, web_user: str, tmp_path: Path
) -> None:
    token = user_token(nginx_stack, web_user)
    labelled = {
        **rule("cpu_idle", "$0 < 1"),
        "data_list": [{"name": "node_cpu_seconds_total", "type": "kpi", "label": {"mode": "idle"}}],
    }
    logs = {**rule("oom", 'keyword("Out of memory")'), "data_list": [{"name": "dmesg", "type": "log"}]}
    import_api(nginx_stack, token, labelled, logs, rule("load_high"))
    open_rules(page)
    expect(rule_row(page, "cpu_idle")).to_contain_text("node_cpu_seconds_total{mode=idle}")
    with page.expect_download() as download:
        page.click("[data-test=rule-export]")
    path = tmp_path / "export.json"
    download.value.save_as(path)
    assert download.value.suggested_filename == "check_rules.json"
    exported = json.loads(path.read_text())
    names = [r["check_item"] for r in exported["check_items"]]
    assert names == ["cpu_idle", "load_high", "oom"]
    by_name = {r["check_item"]: r for r in exported["check_items"]}
    assert by_name["cpu_idle"]["data_list"] == labelled["data_list"]
    assert by_name["oom"]["condition"] == 'keyword("Out of memory")'
    assert set(by_name["load_high"]) == {"check_item", "data_list", "condition", "plugin", "description"}
    # The file imports back as it is (every rule updated, none refused).
    again = api(nginx_stack, token, "/check/rule/import", exported)
    assert (again["code"], sorted(again["update_list"])) == (200, names), again


def store_results(stack: WebStack, username: str, token: str, name: str, hosts: list[str]) -> list[Any]:
    """What the rule records over the last two minutes on these hosts, stored as the executor does."""
    now = int(time.time())
    body = {"check_item": name, "host_list": hosts, "time_range": [now - 120, now - 5]}
    tried = api(stack, token, "/check/rule/test", body)
    assert tried["code"] == 200 and tried["check_result"], tried
    suite = stack.suite
    status, saved = data_call(
        suite,
        "/data/check/result/save",
        {"check_results": tried["check_result"]},
        token=suite.service_token(username),
    )
    assert status == 200, saved
    results: list[Any] = tried["check_result"]
    return results


@pytest.mark.prometheus_history(150)
def test_results_are_filtered_on_the_server_and_a_results_chart_marks_the_abnormal_points(
    page: Page, nginx_stack: WebStack, web_user: str, shot: Shots
) -> None:
    token = user_token(nginx_stack, web_user)
    local = nginx_stack.suite.add_host(token, name="local", ip=NODE_IP)
    # A host with no node_exporter: its results are No data.
    silent = nginx_stack.suite.add_host(token, name="silent", ip="127.0.0.2")
    import_api(nginx_stack, token, rule("load_any", "$0 >= 0"), rule("load_high"))
    recorded = store_results(nginx_stack, web_user, token, "load_any", [local, silent])
    abnormal = [r for r in recorded if r["value"] == "Abnormal"]
    assert abnormal and all(r["host_id"] == local for r in abnormal)
    assert [r["host_id"] for r in recorded if r["value"] == "No data"] == [silent]

    go(page, RESULTS_PAGE)
    expect(page.locator("[data-test=result-total]")).to_have_text(f"{len(recorded)} results")
    expect(page.locator("[data-test=result-table] tr.ant-table-row")).to_have_count(min(10, len(recorded)))
    shot(page, "all-results")

    choose(page, "filter-hosts", "silent")
    page.click("[data-test=filter-search]")
    expect(page.locator("[data-test=result-total]")).to_have_text("1 results")
    expect(page.locator("[data-test=result-value]")).to_have_text(["No data"])
    expect(page.locator("[data-test=result-host]")).to_have_text(["silent"])

    page.click("[data-test=filter-reset]")
    expect(page.locator("[data-test=filter-hosts] .ant-select-selection-item")).to_have_count(0)
    expect(page.locator("[data-test=result-total]")).to_have_text(f"{len(recorded)} results")
    choose(page, "filter-value", "Abnormal")
    choose(page, "filter-rules", "load_any")
    page.click("[data-test=filter-search]")
    expect(page.locator("[data-test=result-total]")).to_have_text(f"{len(abnormal)} results")
    # A time range holding the newest abnormal result only.
    newest = max(r["start"] for r in abnormal)
    start = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(newest))
    end = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(newest + 1))
    page.locator("[data-test=filter-range] input").first.click()
    page.locator("[data-test=filter-range] input").first.fill(start)
    page.keyboard.press("Enter")
    page.locator("[data-test=filter-range] input").nth(1).fill(end)
    page.keyboard.press("Enter")
    page.click("[data-test=filter-search]")
    expect(page.locator("[data-test=result-total]")).to_have_text("1 results")
    shot(page, "filtered")

    # The chart of that result: node_load1 around it, every abnormal result of the window marked.
    page.locator("[data-test=result-chart-open]").first.click()
    chart = page.locator("[data-test=result-chart]")
    # The scheduler reads a quarter of an hour of node_load1 from Prometheus through the data center.
    expect(chart).to_be_visible(timeout=20_000)
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart).to_have_attribute("data-series", "1")
    expect(chart).to_have_attribute("data-abnormal", str(len(abnormal)))
    assert int(chart.get_attribute("data-points") or 0) >= len(abnormal)
    expect(page.locator("[data-test=result-chart-card]")).to_contain_text("load_any on local")
    shot(page, "chart")


@pytest.mark.prometheus_history(150)
def test_a_no_data_results_chart_says_which_item_has_no_series(
    page: Page, nginx_stack: WebStack, web_user: str, shot: Shots
) -> None:
    token = user_token(nginx_stack, web_user)
    silent = nginx_stack.suite.add_host(token, name="silent", ip="127.0.0.2")
    import_api(nginx_stack, token, rule("load_any", "$0 >= 0"))
    store_results(nginx_stack, web_user, token, "load_any", [silent])
    go(page, f"{RESULTS_PAGE}?rule=load_any")
    expect(page.locator("[data-test=result-value]")).to_have_text(["No data"])
    page.locator("[data-test=result-chart-open]").first.click()
    expect(page.locator("[data-test=chart-missing]")).to_contain_text("$0 (node_load1) has no series")
    expect(page.locator("[data-test=chart-empty]")).to_be_visible()
    shot(page, "no-data-chart")


def test_the_menu_opens_both_pages_and_they_speak_chinese(
    page: Page, nginx_stack: WebStack, web_user: str, shot: Shots
) -> None:
    token = user_token(nginx_stack, web_user)
    import_api(nginx_stack, token, rule("load_high"))
    # Logged in, the user is on the first page of the menu: the check rules, read before the import.
    page.click("[data-test=menu-checkResults]")
    expect(page.locator("[data-test=check-results-page]")).to_be_visible()
    page.click("[data-test=menu-checkRules]")
    expect(rule_row(page, "load_high")).to_be_visible()
    page.click("[data-test=menu-checkResults]")
    to_chinese(page)
    expect(page.locator("[data-test=menu-checkResults]")).to_have_text("异常检测结果")
    expect(page.locator("[data-test=result-total]")).to_have_text("共 0 条结果")
    shot(page, "results-zh")
    page.click("[data-test=menu-checkRules]")
    expect(page.locator("[data-test=rule-total]")).to_have_text("共 1 条规则")
    page.click("[data-test=rule-add]")
    expect(page.locator("[data-test=rule-check]")).to_contain_text("填写名称")
    page.wait_for_load_state("networkidle")  # the form's host list
    shot(page, "rules-zh")
