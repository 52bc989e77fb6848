"""The hosts and host groups pages as a user works them in Chromium, through nginx with the
shipped conf in front of the services: add a group, add hosts with a password and with a key,
filter, sort, page, delete several with one failing, refresh the status, the details drawer,
a group refused while it holds hosts, and the server's field errors next to the fields.

Every test fails on a console error or a failed request of its page (tests/web/browser.py);
the HTTP errors a test provokes on purpose are announced with `guard.expect`.
"""

from __future__ import annotations

import re
import socket
import uuid

from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.suite import VAULT_KEY
from tests.suite import Suite
from tests.suite import fake_sshd
from tests.web.browser import PageGuard
from tests.web.browser import Shots
from tests.web.conftest import WebStack
from tests.web.flows import PASSWORD
from tests.web.flows import field_error
from tests.web.flows import log_in
from tests.web.flows import new_user
from tests.web.flows import session_token

# Not a usable key: the manager stores it encrypted and never parses it.
PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
)


def _row(page: Page, text: str) -> Locator:
    return page.locator("[data-test=hosts-table] [data-test=host-row]", has_text=text)


def _group_row(page: Page, name: str) -> Locator:
    return page.locator(
        "[data-test=groups-table] tbody tr.ant-table-row", has=page.get_by_text(name, exact=True)
    )


def _pick(page: Page, select: str, option: str) -> None:
    """Choose `option` in the ant-design Select with data-test `select`."""
    page.locator(f"[data-test={select}]").click()
    page.locator(
        ".ant-select-dropdown:visible .ant-select-item-option", has_text=re.compile(f"^{option}$")
    ).click()


def _add_group_ui(page: Page, name: str, description: str = "") -> None:
    page.click("[data-test=add-group]")
    page.fill("[data-test=group-name]", name)
    page.fill("[data-test=group-description]", description)
    page.click("[data-test=add-group-submit]")


def _fill_host(page: Page, name: str, group: str, ip: str, port: int = 22) -> None:
    page.click("[data-test=add-host]")
    expect(page.locator("[data-test=add-host-form]")).to_be_visible()
    page.fill("[data-test=host-name]", name)
    _pick(page, "host-group", group)
    page.fill("[data-test=host-ip]", ip)
    page.fill("[data-test=ssh-port]", str(port))
    page.fill("[data-test=ssh-user]", "ops")
    page.fill("[data-test=host-vault-key]", VAULT_KEY)


def _api_hosts(suite: Suite, token: str, **body: object) -> dict[str, object]:
    status, reply = suite.call("POST", "/manage/host/get", {"page": 1, "per_page": 50, **body}, token)
    assert status == 200, reply
    return reply


def test_groups_and_hosts_main_flow(page: Page, nginx_stack: WebStack, guard: PageGuard, shot: Shots) -> None:
    suite = nginx_stack.suite
    username = new_user(suite)
    log_in(page, username, path="/host-groups")
    token = session_token(page)

    # Two groups, added through the form; the table counts their hosts.
    expect(page.locator("[data-test=host-groups-page]")).to_be_visible()
    _add_group_ui(page, "web", "front ends")
    expect(_group_row(page, "web")).to_contain_text("front ends")
    _add_group_ui(page, "db")
    expect(_group_row(page, "db")).to_contain_text("0")

    # A host with a password, reachable (an SSH greeting), and a management host with a key.
    sshd, ssh_port = fake_sshd(b"SSH-2.0-OpenSSH_9.2\r\n")
    page.click("[data-test=side-menu] >> text=Hosts")
    expect(page).to_have_url(re.compile(r"/hosts$"))
    expect(page.locator("[data-test=hosts-table]")).to_contain_text("No data")
    _fill_host(page, "web-1", "web", "127.0.0.1", ssh_port)
    page.fill("[data-test=ssh-password]", "ssh-passw0rd")
    shot(page, "add-host-password")
    page.click("[data-test=add-host-submit]")
    expect(page.get_by_text("Host web-1 added")).to_be_visible()
    expect(_row(page, "web-1")).to_contain_text("127.0.0.1")

    _fill_host(page, "db-1", "db", "127.0.0.2", 1)
    page.click("[data-test=auth-key]")
    # The key's file, read by the browser into the field.
    page.set_input_files(
        "[data-test=private-key-file]",
        files=[{"name": "id_ed25519", "mimeType": "text/plain", "buffer": PRIVATE_KEY.encode()}],
    )
    expect(page.locator("[data-test=private-key]")).to_have_value(PRIVATE_KEY)
    page.click("[data-test=host-management]")
    shot(page, "add-host-key")
    page.click("[data-test=add-host-submit]")
    expect(_row(page, "db-1")).to_contain_text("Management")
    expect(_row(page, "web-1")).to_contain_text("Monitored")
    stored = {h["host_name"]: h for h in _api_hosts(suite, token)["host_infos"]}  # type: ignore[union-attr]
    assert stored["db-1"]["management"] is True and stored["db-1"]["ssh_port"] == 1
    assert stored["web-1"]["management"] is False and stored["web-1"]["ssh_port"] == ssh_port

    # Status: unknown until probed; the refresh probes the shown hosts now.
    expect(_row(page, "web-1").locator("[data-test=host-status]")).to_have_text("Unknown")
    page.click("[data-test=refresh-status]")
    expect(_row(page, "web-1").locator("[data-test=host-status]")).to_have_text("Online")
    expect(_row(page, "db-1").locator("[data-test=host-status]")).to_have_text("Offline")
    shot(page, "hosts-status")
    # web-1 goes down (shutdown wakes the accepting thread, so the port closes): the next refresh says so.
    sshd.shutdown(socket.SHUT_RDWR)
    sshd.close()
    page.click("[data-test=refresh-status]")
    expect(_row(page, "web-1").locator("[data-test=host-status]")).to_have_text("Offline")

    # Filters: by role, then by group (server side: the rows and the total follow).
    page.select_option("[data-test=filter-role]", label="Management")
    expect(_row(page, "db-1")).to_be_visible()
    expect(_row(page, "web-1")).to_have_count(0)
    page.select_option("[data-test=filter-role]", label="All roles")
    expect(_row(page, "web-1")).to_be_visible()
    _pick(page, "filter-groups", "web")
    page.keyboard.press("Escape")
    expect(_row(page, "db-1")).to_have_count(0)
    expect(page.locator("[data-test=hosts-page]")).to_contain_text("1 hosts")
    shot(page, "hosts-filtered-by-group")

    # The drawer: what the data center holds (the row; nothing collected yet).
    _row(page, "web-1").locator("[data-test=host-link]").click()
    drawer = page.locator(".ant-drawer-content", has=page.locator("[data-test=host-basic]"))
    expect(page.locator("[data-test=host-basic]")).to_contain_text(str(stored["web-1"]["host_id"]))
    expect(drawer.locator(".ant-drawer-title")).to_have_text("web-1")
    expect(drawer.locator("[data-test=host-basic]")).to_contain_text("Offline")
    expect(drawer.locator("[data-test=host-no-details]")).to_be_visible()
    shot(page, "host-drawer")
    page.keyboard.press("Escape")

    # A group that holds hosts is refused with the server's reason; its hosts are a click away.
    page.click("[data-test=side-menu] >> text=Host groups")
    expect(_group_row(page, "web")).to_contain_text("1")
    guard.expect(409, "/api/manage/host/group/delete")
    _group_row(page, "web").locator("[data-test=delete-group-web]").click()
    page.locator(".ant-popconfirm:visible .ant-btn-primary").click()
    result = page.locator("[data-test=batch-result]")
    expect(result).to_contain_text("these groups still hold hosts: web")
    expect(_group_row(page, "web")).to_be_visible()
    shot(page, "group-refused")
    page.click("[data-test=group-hosts-web]")
    expect(page).to_have_url(re.compile(r"/hosts\?group=web$"))
    expect(_row(page, "web-1")).to_be_visible()
    expect(_row(page, "db-1")).to_have_count(0)


def test_delete_several_hosts_with_one_failing(page: Page, nginx_stack: WebStack, shot: Shots) -> None:
    suite = nginx_stack.suite
    username = new_user(suite)
    token = suite.login(username, PASSWORD)
    ids = {
        name: suite.add_host(token, name=name, ip=f"10.0.0.{i}")
        for i, name in enumerate(["a-1", "a-2", "a-3"], 1)
    }
    log_in(page, username, path="/hosts")
    for name in ids:
        _row(page, name).locator("[data-test=select-row]").check()
    expect(page.locator("[data-test=delete-hosts]")).to_contain_text("(3)")
    # Every shown row picked: the header's checkbox says so; unpicking all there, then again.
    select_page = page.locator("[data-test=hosts-table] [data-test=select-page]")
    expect(select_page).to_be_checked()
    select_page.uncheck()
    expect(page.locator("[data-test=delete-hosts]")).to_be_disabled()
    select_page.check()
    expect(page.locator("[data-test=delete-hosts]")).to_contain_text("(3)")
    # a-2 goes behind the browser's back: that one fails, the others are deleted.
    status, _ = suite.call("DELETE", "/manage/host/delete", {"host_list": [ids["a-2"]]}, token)
    assert status == 200
    page.click("[data-test=delete-hosts]")
    page.locator(".ant-popconfirm:visible .ant-btn-primary").click()
    result = page.locator("[data-test=batch-result]")
    expect(result).to_contain_text("2 hosts deleted")
    expect(result.locator("[data-test=batch-failed-item]")).to_have_text(["a-2"])
    expect(result).to_contain_text("no such host: a-2")  # the user's name for it, not its id
    expect(page.locator("[data-test=hosts-table] [data-test=host-row]")).to_have_count(0)
    expect(page.locator("[data-test=delete-hosts]")).to_be_disabled()
    shot(page, "delete-outcome")
    assert _api_hosts(suite, token)["total_count"] == 0


def test_sort_and_page_through_many_hosts_server_side(page: Page, nginx_stack: WebStack, shot: Shots) -> None:
    suite = nginx_stack.suite
    username = new_user(suite)
    token = suite.login(username, PASSWORD)
    for group in ("g", "h"):
        suite.call("POST", "/manage/host/group/add", {"host_group_name": group, "description": ""}, token)
    # 10,000 hosts: the page reads one page of them at a time.
    for start in range(0, 10_000, 2000):
        hosts = [
            {
                "host_name": f"n{i:05d}",
                "host_group_name": "g" if i % 2 else "h",
                "public_ip": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}",
                "username": "root",
                "password": "p",
            }
            for i in range(start, start + 2000)
        ]
        status, reply = suite.call("POST", "/manage/host/add", {"key": VAULT_KEY, "host_list": hosts}, token)
        assert status == 200, reply.get("detail")
    log_in(page, username, path="/hosts")
    table = page.locator("[data-test=hosts-table]")
    expect(page.locator("[data-test=hosts-page]")).to_contain_text("10000 hosts")
    expect(table.locator("[data-test=host-row]")).to_have_count(20)
    expect(table.locator("[data-test=host-row]").first).to_contain_text("n00000")

    # Descending by name: the last host first.
    name_header = table.locator("th", has_text="Host name")
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    name_header.click()  # ascending already: this descends
    expect(name_header).to_have_attribute("aria-sort", "descending")
    expect(table.locator("[data-test=host-row]").first).to_contain_text("n09999")
    # By group, ascending: g's hosts (odd numbers) first.
    table.locator("th", has_text="Host group").click()
    expect(table.locator("[data-test=host-row]").first).to_contain_text("n00001")
    expect(table.locator("[data-test=host-row]").first).to_contain_text("g")
    # Page 3 of 50 a page, then the last one.
    page.locator("[data-test=pager] [data-test=page-size]").select_option("50")
    expect(table.locator("[data-test=host-row]")).to_have_count(50)
    page.locator("[data-test=pager] [data-test=page-3]").click()
    expect(table.locator("[data-test=host-row]").first).to_contain_text("n00201")
    page.locator("[data-test=pager] [data-test=page-200]").click()
    expect(table.locator("[data-test=host-row]").last).to_contain_text("n09998")
    shot(page, "hosts-last-page")


def test_bad_inputs_show_the_servers_field_errors(
    page: Page, nginx_stack: WebStack, guard: PageGuard, shot: Shots
) -> None:
    suite = nginx_stack.suite
    username = new_user(suite)
    token = suite.login(username, PASSWORD)
    suite.add_host(token, name="taken", ip="10.1.1.1")  # its group "g", its credentials under VAULT_KEY
    log_in(page, username, path="/hosts")

    # The form's own rules first: nothing is sent without the required fields.
    page.click("[data-test=add-host]")
    page.click("[data-test=add-host-submit]")
    expect(field_error(page, "host-name")).to_have_text("Required")
    page.keyboard.press("Escape")

    # Wrong values: the server names the fields.
    guard.expect(400, "/api/manage/host/add")
    _fill_host(page, "x" * 51, "g", "999.1.1.1", 70000)
    page.fill("[data-test=ssh-password]", "p")
    page.click("[data-test=add-host-submit]")
    expect(field_error(page, "host-name")).to_contain_text("50")
    expect(field_error(page, "host-ip")).to_be_visible()
    expect(field_error(page, "ssh-port")).to_contain_text("65535")
    shot(page, "add-host-field-errors")
    # Editing a field clears its error.
    page.fill("[data-test=host-name]", "fresh")
    expect(field_error(page, "host-name")).to_have_count(0)

    # A vault key that does not open the stored credentials: 1203 on the key field.
    page.fill("[data-test=host-ip]", "10.1.1.2")
    page.fill("[data-test=ssh-port]", "22")
    page.fill("[data-test=host-vault-key]", "not-the-key")
    guard.expect(403, "/api/manage/host/add")
    page.click("[data-test=add-host-submit]")
    expect(field_error(page, "host-vault-key")).to_be_visible()

    # A name already used: the data center's reason.
    guard.expect(409, "/api/manage/host/add")
    page.fill("[data-test=host-vault-key]", VAULT_KEY)
    page.fill("[data-test=host-name]", "taken")
    page.click("[data-test=add-host-submit]")
    expect(page.locator(".ant-message-error")).to_contain_text("host name taken is already used")
    page.keyboard.press("Escape")

    # Groups: a name already used, and one too long.
    page.goto("/host-groups")
    guard.expect(409, "/api/manage/host/group/add")
    guard.expect(400, "/api/manage/host/group/add")
    _add_group_ui(page, "g")
    expect(field_error(page, "group-name")).to_be_visible()
    page.fill("[data-test=group-name]", "y" * 51)
    page.click("[data-test=add-group-submit]")
    expect(field_error(page, "group-name")).to_contain_text("50")
    shot(page, "add-group-field-errors")


def test_the_pages_in_chinese(page: Page, nginx_stack: WebStack, web_user: str, shot: Shots) -> None:
    suite = nginx_stack.suite
    suite.add_host(suite.login(web_user, PASSWORD), name=f"cn-{uuid.uuid4().hex[:6]}", ip="10.2.2.2")
    page.evaluate("() => localStorage.setItem('aops.locale', 'zh')")
    page.goto("/hosts")
    expect(page.locator("[data-test=hosts-page]")).to_contain_text("主机管理")
    expect(page.locator("[data-test=hosts-page]")).to_contain_text("共 1 台主机")
    shot(page, "hosts-zh")
    page.goto("/host-groups")
    expect(page.locator("[data-test=host-groups-page]")).to_contain_text("主机数")
    shot(page, "groups-zh")
