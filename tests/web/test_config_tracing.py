"""The configuration tracing pages as a user works them in Chromium, through nginx with the
shipped conf in front of the real gala-ragdoll, which collects and syncs through the manager on
an SSH test host (tests/sshhosts.py): a domain created, a file added (a bad path refused under
its field), the host added and found drifted key by key, the dry-run diff, the sync, the
status back in sync, the change log with the commit, the domain deleted."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests import sshhosts
from tests.aops_manager.deploying import add_host
from tests.web.browser import PageGuard
from tests.web.browser import Shots
from tests.web.browser import settled_hosts
from tests.web.conftest import WebStack
from tests.web.flows import choose
from tests.web.flows import field_error
from tests.web.flows import log_in
from tests.web.flows import new_user
from tests.web.flows import session_token
from tests.web.stack import running_nginx
from tests.web.stack import running_services

DOMAINS = "/configuration/domains"
EXPECTED = "net.ipv4.ip_forward = 0\nkernel.panic = 10\n"
DRIFTED = "net.ipv4.ip_forward = 1\nkernel.panic = 10\n"
# Read as sysctl by its path (*/sysctl.d/*.conf): compared key by key.
SYSCTL_FILE = "sysctl.d/99-aops.conf"
# Collecting and syncing over SSH takes seconds; more on a loaded machine.
SSH_TIMEOUT = 90_000


@pytest.fixture(scope="module")
def nginx_stack(web_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    """The shared nginx stack, with the real gala-ragdoll behind /api/domain, /api/confs..."""
    base = tmp_path_factory.mktemp(f"webconf{uuid.uuid4().hex[:6]}")
    with running_services(base / "conf", config_tracing=True) as services:
        with running_nginx(base / "nginx", web_dist, services.ports) as url:
            yield WebStack("nginx", url, services)


@pytest.fixture(scope="module")
def hosts() -> Iterator[sshhosts.SshHosts]:
    yield from settled_hosts(1)


def test_a_drifted_host_is_shown_key_by_key_synced_after_a_dry_run_and_the_change_log_kept(
    page: Page, nginx_stack: WebStack, hosts: sshhosts.SshHosts, guard: PageGuard, shot: Shots
) -> None:
    host = hosts.hosts[0]
    (host.private / "sysctl.d").mkdir(exist_ok=True)
    on_host = host.private / SYSCTL_FILE
    on_host.write_text(DRIFTED)
    username = new_user(nginx_stack.suite)
    log_in(page, username, path=DOMAINS)
    added = add_host(nginx_stack.suite, session_token(page), hosts, host)
    domain = f"d{uuid.uuid4().hex[:8]}"

    # A domain
    page.click("[data-test=add-domain]")
    page.fill("[data-test=domain-name]", domain)
    page.click("[data-test=add-domain-submit]")
    expect(page.locator("[data-test=domains-table]")).to_contain_text(domain)
    shot(page, "domains")
    page.click(f"[data-test=open-domain-{domain}]")
    expect(page.locator("[data-test=domain-title]")).to_have_text(domain)

    # A file: a relative path is refused under its field, then the absolute one is added.
    path = str(hosts.private_dir / SYSCTL_FILE)
    page.click("[data-test=add-file]")
    page.fill("[data-test=file-path]", "etc/sysctl.d/99-aops.conf")
    page.fill("[data-test=file-contents]", EXPECTED)
    page.fill("[data-test=file-reason]", "the baseline")
    guard.expect(400, "/api/management/addManagementConf")
    page.click("[data-test=add-file-submit]")
    expect(field_error(page, "file-path")).not_to_be_empty()
    shot(page, "file-path-refused")
    page.fill("[data-test=file-path]", path)
    page.click("[data-test=add-file-submit]")
    expect(page.locator("[data-test=files-table]")).to_contain_text(path)

    # The host: its file drifted, key by key, since the check that found it.
    page.get_by_role("tab", name="Hosts and sync status").click()
    choose(page, "domain-host-select", added.name)
    page.click("[data-test=add-domain-hosts]")
    card = page.locator(f"[data-test=domain-host-{added.name}]")
    status = card.locator("[data-test=file-status]")
    expect(status.locator("[data-test=sync-state]")).to_have_text("NOT SYNCHRONIZE", timeout=SSH_TIMEOUT)
    keys = status.locator("[data-test=diff-keys]")
    expect(keys).to_contain_text("net.ipv4.ip_forward")
    expect(keys.locator("tbody tr", has_text="net.ipv4.ip_forward")).to_contain_text("01")
    expect(status.locator("[data-test=drifted-since]")).to_be_visible()
    shot(page, "drifted")

    # The sync: the dry run's diff first, nothing written; then the sync.
    page.click("[data-test=sync]")
    dry_run = page.locator("[data-test=dry-run-host]")
    expect(dry_run.locator("[data-test=diff]")).to_contain_text(
        "-net.ipv4.ip_forward = 1", timeout=SSH_TIMEOUT
    )
    expect(dry_run.locator("[data-test=diff]")).to_contain_text("+net.ipv4.ip_forward = 0")
    assert on_host.read_text() == DRIFTED
    shot(page, "dry-run")
    page.get_by_role("button", name="Sync now").click()
    result = page.locator("[data-test=sync-host]")
    expect(result).to_contain_text("SUCCESS", timeout=SSH_TIMEOUT)
    expect(result).to_contain_text(f"{path}: ")
    expect(status.locator("[data-test=sync-state]")).to_have_text("SYNCHRONIZED", timeout=SSH_TIMEOUT)
    expect(status.locator("[data-test=diff-keys]")).to_have_count(0)
    assert on_host.read_text() == EXPECTED
    shot(page, "synced")

    # The change log: who, why and the commit's diff.
    page.get_by_role("tab", name="Managed files").click()
    page.click("[data-test=file-log]")
    change = page.locator("[data-test=change]")
    expect(change).to_have_count(1)
    expect(change).to_contain_text(username)
    expect(change).to_contain_text("the baseline")
    expect(change.locator("[data-test=diff]")).to_contain_text("+net.ipv4.ip_forward = 0")
    shot(page, "change-log")
    page.keyboard.press("Escape")

    # Deleted from the domains page, with its outcome.
    page.click("[data-test=domain-page] a >> text=Domains")
    page.click(f"[data-test=delete-domain-{domain}]")
    page.get_by_role("button", name="OK").click()
    expect(page.locator(".ant-alert")).to_contain_text("1 domains deleted")
    expect(page.locator("[data-test=domains-table]")).not_to_contain_text(domain)


def test_a_taken_domain_name_is_refused_under_its_field(page: Page, web_user: str, guard: PageGuard) -> None:
    page.goto(DOMAINS)
    for attempt in range(2):
        page.click("[data-test=add-domain]")
        page.fill("[data-test=domain-name]", f"taken{web_user}")
        if attempt:
            guard.expect(409, "/api/domain/createDomain")
        page.click("[data-test=add-domain-submit]")
    expect(field_error(page, "domain-name")).not_to_be_empty()
