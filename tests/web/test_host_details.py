"""The host details drawer in Chromium, through nginx, on a real SSH test host (a network
namespace with its own sshd, tests/sshhosts.py): "not collected yet", **Collect now** asking
for the vault key the manager lost and collecting once it is given, the host's OS, kernel,
memory and interfaces from Ansible's facts, and an unreachable host's reason.
"""

from __future__ import annotations

import platform
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests import sshhosts
from tests.aops_manager.deploying import add_host
from tests.suite import VAULT_KEY
from tests.web.browser import PageGuard
from tests.web.browser import Shots
from tests.web.conftest import WebStack
from tests.web.flows import PASSWORD
from tests.web.flows import log_in
from tests.web.flows import new_user

COLLECT = "/api/manage/host/info/collect"


@pytest.fixture(scope="module")
def ssh_host() -> Iterator[sshhosts.SshHosts]:
    with sshhosts.ssh_hosts(1) as hosts:
        yield hosts


def _open_drawer(page: Page, name: str) -> Locator:
    row = page.locator("[data-test=hosts-table] [data-test=host-row]", has_text=name)
    row.locator("[data-test=host-link]").click()
    drawer = page.locator(".ant-drawer-content", has=page.locator("[data-test=host-basic]"))
    expect(drawer.locator(".ant-drawer-title")).to_have_text(name)
    return drawer


def test_collect_now_asks_for_the_vault_key_then_shows_the_hosts_facts(
    page: Page, nginx_stack: WebStack, ssh_host: sshhosts.SshHosts, guard: PageGuard, shot: Shots
) -> None:
    suite = nginx_stack.suite
    username = new_user(suite)
    token = suite.login(username, PASSWORD)
    host = ssh_host.hosts[0]
    added = add_host(suite, token, ssh_host, host, name="web-1")
    # The test suites do not collect on add ([deploy] collect_facts=false), and a logout drops
    # the user's vault key from the manager's memory: as after a manager restart.
    status, _ = suite.call("POST", "/manage/account/logout", {}, token)
    assert status == 200
    log_in(page, username, path="/hosts")

    drawer = _open_drawer(page, "web-1")
    expect(drawer.locator("[data-test=host-basic]")).to_contain_text(added.host_id)
    expect(drawer.locator("[data-test=host-no-details]")).to_contain_text("Not collected yet")
    shot(page, "not-collected")

    # No key in the manager: the header's vault key dialog says why and takes it.
    guard.expect(403, COLLECT)
    drawer.locator("[data-test=collect-host-info]").click()
    dialog = page.locator(".ant-modal-content", has=page.locator("[data-test=vault-key]"))
    expect(dialog.locator("[data-test=vault-key-reason]")).to_contain_text("vault key")
    shot(page, "vault-key-asked")
    dialog.locator("[data-test=vault-key]").fill(VAULT_KEY)
    dialog.locator("[data-test=vault-key-submit]").click()
    expect(dialog).to_be_hidden()

    # The collection ran once the key was accepted: the host's own facts.
    details = drawer.locator("[data-test=host-details]")
    expect(details.locator("[data-test=fact-os]")).to_contain_text(re.compile(r"^Debian "), timeout=90_000)
    expect(details.locator("[data-test=fact-kernel]")).to_have_text(platform.release())
    expect(details.locator("[data-test=fact-hostname]")).to_have_text(host.name)
    expect(details.locator("[data-test=fact-architecture]")).to_have_text(platform.machine())
    expect(details.locator("[data-test=fact-memory]")).to_have_text(re.compile(r"^[1-9]\d* MB$"))
    expect(details.locator("[data-test=fact-nic]", has_text="eth0")).to_contain_text(host.address)
    expect(details.locator("[data-test=fact-disk]").first).to_be_visible()
    expect(drawer.locator("[data-test=host-collected-at]")).to_contain_text("Collected")
    expect(drawer.locator("[data-test=host-collect-error]")).to_have_count(0)
    shot(page, "facts")

    # What the drawer shows is what the manager answers, and it is there on the next opening.
    status, reply = suite.call(
        "POST", "/manage/host/info/query", {"host_list": [added.host_id]}, suite.login(username, PASSWORD)
    )
    assert status == 200, reply
    memory = reply["host_infos"][0]["memory"]["total"]  # type: ignore[index]
    expect(details.locator("[data-test=fact-memory]")).to_have_text(f"{memory} MB")
    page.keyboard.press("Escape")
    page.reload()
    drawer = _open_drawer(page, "web-1")
    expect(drawer.locator("[data-test=fact-kernel]")).to_have_text(platform.release())


def test_an_unreachable_host_shows_why_in_the_drawer_in_both_languages(
    page: Page, nginx_stack: WebStack, ssh_host: sshhosts.SshHosts, shot: Shots
) -> None:
    suite = nginx_stack.suite
    username = new_user(suite)
    token = suite.login(username, PASSWORD)
    add_host(suite, token, ssh_host, ssh_host.hosts[0], name="nowhere", address=ssh_host.unreachable_address)
    log_in(page, username, path="/hosts")  # the add left the key in the manager

    drawer = _open_drawer(page, "nowhere")
    drawer.locator("[data-test=collect-host-info]").click()
    error = drawer.locator("[data-test=host-collect-error]")
    expect(error).to_contain_text("No details could be collected")
    expect(error).to_contain_text(
        f"the host is unreachable: no SSH server answers at {ssh_host.unreachable_address}:22"
    )
    expect(drawer.locator("[data-test=host-no-details]")).to_be_visible()
    shot(page, "unreachable")

    page.evaluate("() => localStorage.setItem('aops.locale', 'zh')")
    page.reload()
    drawer = _open_drawer(page, "nowhere")
    expect(drawer.locator("[data-test=host-no-details]")).to_contain_text("尚未采集")
    drawer.locator("[data-test=collect-host-info]").click()
    expect(drawer.locator("[data-test=host-collect-error]")).to_contain_text("未能采集到信息")
    shot(page, "unreachable-zh")
