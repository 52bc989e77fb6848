"""The dashboard (the landing page) in Chromium behind nginx: counts, the hosts with most
abnormal results, the latest abnormal results with their hosts' names, and the chart of
abnormal results per rule over the last 24 hours; each user sees only their own."""

from __future__ import annotations

import time

from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.web.browser import Shots
from tests.web.conftest import WebStack
from tests.web.flows import PASSWORD
from tests.web.flows import log_in
from tests.web.flows import new_user
from tests.web.through_nginx import api_call
from tests.web.through_nginx import result
from tests.web.through_nginx import rule
from tests.web.through_nginx import save_results


def _loaded(page: Page) -> None:
    expect(page.locator("[data-test=dashboard]")).to_have_attribute("data-loaded", "true")


def test_the_dashboard_shows_the_users_hosts_rules_and_abnormal_results(
    page: Page, nginx_stack: WebStack, web_user: str, shot: Shots
) -> None:
    suite = nginx_stack.suite
    token = suite.login(web_user, PASSWORD)
    names = ("alpha", "beta", "gamma")
    ids = {name: suite.add_host(token, name, f"10.0.0.{n}") for n, name in enumerate(names, 1)}
    status, reply = api_call(
        nginx_stack.url, "/check/rule/import", {"check_items": [rule("cpu_busy"), rule("load_high")]}, token
    )
    assert status == 200, reply
    now = int(time.time())
    save_results(
        suite,
        web_user,
        [
            # beta: 3 abnormal, alpha: 2 (one of them two days old), gamma: only normal ones.
            *(result(ids["beta"], "cpu_busy", now - 3600 * k) for k in (1, 2, 3)),
            result(ids["alpha"], "load_high", now - 600),
            result(ids["alpha"], "cpu_busy", now - 2 * 86400),
            result(ids["gamma"], "cpu_busy", now - 300, value="No data"),
            # A host deleted since: its results stay, shown by id.
            result("0" * 32, "load_high", now - 7200),
        ],
    )

    page.goto("/")
    expect(page).to_have_url(f"{nginx_stack.url}/dashboard")
    _loaded(page)
    expect(page.locator("[data-test=host-count]")).to_contain_text("3")
    expect(page.locator("[data-test=rule-count]")).to_contain_text("2")
    # The hosts with most abnormal results, most first, by name and address.
    top = page.locator("[data-test=top-host-row]")
    expect(top).to_have_count(3)
    expect(top.nth(0)).to_contain_text("beta")
    expect(top.nth(0)).to_contain_text("10.0.0.2")
    expect(top.nth(0)).to_contain_text("3")
    expect(top.nth(1)).to_contain_text("alpha")
    expect(top.nth(2)).to_contain_text(f"deleted host {'0' * 8}")
    # The latest abnormal results, newest first, with the host's name (the normal one absent).
    latest = page.locator("[data-test=latest-row]")
    expect(latest).to_have_count(6)
    expect(latest.nth(0)).to_contain_text("alpha")
    expect(latest.nth(0)).to_contain_text("load_high")
    expect(latest.nth(1)).to_contain_text("beta")
    expect(page.locator("[data-test=latest-abnormal]")).not_to_contain_text("gamma")
    # One line per rule with abnormal results in the last 24 hours, drawn.
    chart = page.locator("[data-test=abnormal-chart]")
    expect(chart).to_have_attribute("data-series", "2")
    expect(chart.locator("canvas")).to_be_visible()
    shot(page, "dashboard")

    page.click("[data-test=locale-switch]")
    page.click("[data-test=locale-zh]")
    expect(page.locator("[data-test=dashboard]")).to_contain_text("异常最多的主机")
    shot(page, "dashboard-zh")
    # Chinese is fetched when chosen; a reload starts in it (fetched before the app shows).
    page.reload()
    _loaded(page)
    expect(page.locator("[data-test=dashboard]")).to_contain_text("异常最多的主机")
    expect(page.locator("[data-test=locale-switch]")).to_contain_text("中文")


def test_a_new_user_sees_an_empty_dashboard_not_anyone_elses(
    page: Page, nginx_stack: WebStack, shot: Shots
) -> None:
    suite = nginx_stack.suite
    other = new_user(suite)
    other_token = suite.login(other, PASSWORD)
    host = suite.add_host(other_token, "theirs", "10.1.0.1")
    save_results(suite, other, [result(host, "cpu_busy", int(time.time()) - 60)])

    log_in(page, new_user(suite))
    expect(page).to_have_url(f"{nginx_stack.url}/dashboard")
    _loaded(page)
    expect(page.locator("[data-test=host-count]")).to_contain_text("0")
    expect(page.locator("[data-test=rule-count]")).to_contain_text("0")
    expect(page.locator("[data-test=top-host-row]")).to_have_count(0)
    expect(page.locator("[data-test=latest-row]")).to_have_count(0)
    expect(page.locator("[data-test=top-hosts]")).to_contain_text("No abnormal result")
    expect(page.locator("[data-test=chart-empty]")).to_be_visible()
    expect(page.locator("[data-test=dashboard]")).not_to_contain_text("theirs")
    shot(page, "dashboard-empty")
