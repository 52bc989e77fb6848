"""Logging in and out, the default password, the session ending, the password and the vault key,
as a user does them in Chromium, through nginx with the shipped conf in front of the services.

Every test fails on a console error or a failed request of its page (tests/web/browser.py);
the HTTP errors a test provokes on purpose are announced with `guard.expect`.
"""

from __future__ import annotations

import re

import requests
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.suite import VAULT_KEY
from tests.web.browser import PageGuard
from tests.web.browser import Shots
from tests.web.conftest import WebStack
from tests.web.flows import PASSWORD
from tests.web.flows import change_default_password
from tests.web.flows import field_error
from tests.web.flows import log_in
from tests.web.flows import new_user
from tests.web.flows import session_token
from tests.web.flows import submit_login
from tests.web.flows import to_chinese


def _login_api(stack: WebStack, username: str, password: str) -> dict[str, object]:
    reply = requests.post(
        f"{stack.url}/api/manage/account/login", json={"username": username, "password": password}, timeout=30
    )
    return dict(reply.json())


def test_the_default_password_leads_to_the_change_form_then_into_the_app(
    page: Page, nginx_stack: WebStack, shot: Shots
) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("[data-test=login-form]")).to_be_visible()
    shot(page, "login")
    submit_login(page, "admin", "changeme")

    # Code 1204 is not a failed login: the change form, without asking the old password again.
    form = page.locator("[data-test=change-password-form]")
    expect(form).to_be_visible()
    expect(page.get_by_text("Change the default password")).to_be_visible()
    expect(page.locator("[data-test=old-password]")).to_have_count(0)
    change_default_password(page, "Adm1n-new-pass", shot)
    assert _login_api(nginx_stack, "admin", "changeme")["code"] == 1200
    assert _login_api(nginx_stack, "admin", "Adm1n-new-pass")["code"] == 200
    # The session the browser holds is a normal one now.
    token = session_token(page)
    reply = requests.post(
        f"{nginx_stack.url}/api/manage/host/group/get", json={}, headers={"Access-Token": token}, timeout=30
    )
    assert reply.json()["code"] == 200


def test_the_change_form_refuses_two_different_passwords_before_sending(
    page: Page, nginx_stack: WebStack
) -> None:
    log_in(page, new_user(nginx_stack.suite), path="/account")
    page.fill("[data-test=old-password]", PASSWORD)
    page.fill("[data-test=new-password]", "One-passw0rd")
    page.fill("[data-test=confirm-password]", "Other-passw0rd")
    page.click("[data-test=change-password-submit]")
    expect(field_error(page, "confirm-password")).to_have_text("The two passwords differ")


def test_a_wrong_password_shows_the_servers_message(
    page: Page, nginx_stack: WebStack, guard: PageGuard, shot: Shots
) -> None:
    username = new_user(nginx_stack.suite)
    expected = _login_api(nginx_stack, username, "not-the-password")
    guard.expect(401, "/api/manage/account/login")
    page.goto("/login")
    submit_login(page, username, "not-the-password")
    expect(page.locator("[data-test=login-error]")).to_have_text(str(expected["detail"]))
    expect(page).to_have_url(re.compile(r"/login$"))
    shot(page, "wrong-password")


def test_logout_ends_the_session_at_the_manager(page: Page, nginx_stack: WebStack, shot: Shots) -> None:
    log_in(page, new_user(nginx_stack.suite))
    token = session_token(page)
    page.click("[data-test=user-menu]")
    shot(page, "user-menu")
    with page.expect_response(re.compile(r"/api/manage/account/logout$")) as logout:
        page.click("[data-test=user-menu-logout]")
    assert logout.value.status == 200
    expect(page.locator("[data-test=login-form]")).to_be_visible()
    assert page.evaluate("() => localStorage.getItem('aops.session')") is None
    # The old token is refused from now on.
    reply = requests.post(
        f"{nginx_stack.url}/api/manage/host/group/get", json={}, headers={"Access-Token": token}, timeout=30
    )
    assert (reply.status_code, reply.json()["code"]) == (401, 1201)
    # And the app's pages need a new login.
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?redirect=/account$"))


def test_an_ended_session_leads_back_to_login_and_then_to_the_page(
    page: Page, nginx_stack: WebStack, guard: PageGuard, shot: Shots
) -> None:
    username = new_user(nginx_stack.suite)
    log_in(page, username, path="/account")
    expect(page).to_have_url(re.compile(r"/account$"))
    # The session ends behind the browser's back (another tab logged out, or it expired).
    token = session_token(page)
    requests.post(f"{nginx_stack.url}/api/manage/account/logout", headers={"Access-Token": token}, timeout=30)
    refused = requests.post(
        f"{nginx_stack.url}/api/manage/account/certificate",
        json={"key": "some-key"},
        headers={"Access-Token": token},
        timeout=30,
    ).json()
    guard.expect(401, "/api/manage/account/certificate")
    page.fill("[data-test=vault-key]", "some-key")
    page.click("[data-test=vault-key-submit]")
    notice = page.locator("[data-test=session-ended]")
    expect(notice).to_contain_text("Your session has ended")
    expect(notice).to_contain_text(refused["detail"])  # the server's reason
    expect(page).to_have_url(re.compile(r"/login\?redirect=/account$"))
    expect(page.locator(".ant-message-error")).to_have_count(0)  # said once, on the login page
    shot(page, "session-ended")
    page.fill("[data-test=password]", PASSWORD)
    page.click("[data-test=login-submit]")
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.locator("[data-test=account-user]")).to_have_text(username)


def test_bad_input_shows_the_servers_field_errors_next_to_the_fields(
    page: Page, nginx_stack: WebStack, guard: PageGuard, shot: Shots
) -> None:
    suite = nginx_stack.suite
    username = new_user(suite)
    # A host whose credentials are stored with VAULT_KEY: the vault key must open them.
    suite.add_host(suite.login(username, PASSWORD))
    log_in(page, username, path="/account")

    guard.expect(401, "/api/manage/account/change")
    page.fill("[data-test=old-password]", "not-my-password")
    page.fill("[data-test=new-password]", "Brand-new-passw0rd")
    page.fill("[data-test=confirm-password]", "Brand-new-passw0rd")
    page.click("[data-test=change-password-submit]")
    expect(field_error(page, "old-password")).to_have_text("the old password is not correct")
    expect(page.locator("[data-test=account-page]")).to_be_visible()  # a wrong password is not a logout

    guard.expect(400, "/api/manage/account/change")
    page.fill("[data-test=old-password]", PASSWORD)
    page.fill("[data-test=new-password]", PASSWORD)
    page.fill("[data-test=confirm-password]", PASSWORD)
    expect(field_error(page, "old-password")).to_have_count(0)  # cleared once edited
    page.click("[data-test=change-password-submit]")
    expect(field_error(page, "new-password")).to_have_text(
        "the new password is same as old password, change fail"
    )

    guard.expect(403, "/api/manage/account/certificate")
    page.fill("[data-test=vault-key]", "not-the-key")
    page.click("[data-test=vault-key-submit]")
    expect(field_error(page, "vault-key")).to_have_text("the key does not open the stored host credentials")
    shot(page, "field-errors")

    page.fill("[data-test=vault-key]", VAULT_KEY)
    page.click("[data-test=vault-key-submit]")
    expect(page.get_by_text("Vault key accepted")).to_be_visible()
    expect(field_error(page, "vault-key")).to_have_count(0)


def test_the_header_menu_changes_the_password_and_takes_the_vault_key(
    page: Page, nginx_stack: WebStack, shot: Shots
) -> None:
    username = new_user(nginx_stack.suite)
    log_in(page, username)
    page.click("[data-test=user-menu]")
    page.click("[data-test=user-menu-password]")
    dialog = page.locator(".ant-modal")
    expect(dialog.locator("[data-test=change-password-form]")).to_be_visible()
    shot(page, "change-password-dialog")
    dialog.locator("[data-test=old-password]").fill(PASSWORD)
    dialog.locator("[data-test=new-password]").fill("Changed-passw0rd")
    dialog.locator("[data-test=confirm-password]").fill("Changed-passw0rd")
    dialog.locator("[data-test=change-password-submit]").click()
    expect(page.get_by_text("Password changed")).to_be_visible()
    expect(dialog).to_be_hidden()
    assert _login_api(nginx_stack, username, PASSWORD)["code"] == 1200
    assert _login_api(nginx_stack, username, "Changed-passw0rd")["code"] == 200

    # Still logged in (with the new password): the vault key is accepted in this session.
    page.click("[data-test=user-menu]")
    page.click("[data-test=user-menu-vault-key]")
    expect(dialog.locator("[data-test=vault-key-form]")).to_be_visible()
    shot(page, "vault-key-dialog")
    dialog.locator("[data-test=vault-key]").fill("my-vault-key")
    dialog.locator("[data-test=vault-key-submit]").click()
    expect(page.get_by_text("Vault key accepted")).to_be_visible()


def test_every_menu_entry_opens_its_page(page: Page, web_user: str, shot: Shots) -> None:
    """No menu entry for a page that does not exist: each one opens a page of its own."""
    entries = page.locator("[data-test=side-menu] [data-test^=menu-]")
    keys = [str(entries.nth(i).get_attribute("data-test")) for i in range(entries.count())]
    assert "menu-account" in keys
    for key in keys:
        page.click(f"[data-test={key}]")
        name = key.removeprefix("menu-")
        expect(page.locator("[data-test=side-menu] [aria-current=page]")).to_have_attribute("data-test", key)
        expect(page.locator("[data-test=not-found]")).to_have_count(0)
        page.wait_for_load_state("networkidle")
        shot(page, name)


def test_the_side_menu_opens_closes_collapses_and_takes_the_keyboard(
    page: Page, web_user: str, shot: Shots
) -> None:
    menu = page.locator("[data-test=side-menu]")
    assets = menu.locator("[data-test=side-menu-group][data-group='group:assets']")
    hosts = menu.locator("[data-test=menu-hosts]")
    # Every group starts open; its title closes and opens it.
    expect(assets).to_have_attribute("aria-expanded", "true")
    expect(hosts).to_be_visible()
    assets.click()
    expect(assets).to_have_attribute("aria-expanded", "false")
    expect(hosts).to_be_hidden()
    shot(page, "assets-closed")

    # The keyboard: Enter on the group's title opens it, Tab reaches its pages, Enter opens one.
    assets.focus()
    page.keyboard.press("Enter")
    expect(hosts).to_be_visible()
    page.keyboard.press("Tab")
    expect(hosts).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/hosts$"))
    expect(hosts).to_have_attribute("aria-current", "page")
    expect(menu.locator("[aria-current=page]")).to_have_count(1)

    # Collapsed: icons only; a group's pages show beside it while it is hovered.
    trigger = menu.locator("[data-test=side-menu-collapse]")
    trigger.click()
    expect(trigger).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_css("width", "80px")
    expect(menu.locator("[data-test=menu-dashboard] .label")).to_be_hidden()
    expect(hosts).to_be_hidden()
    assets.hover()
    expect(hosts).to_be_visible()
    shot(page, "collapsed-assets-hovered")
    menu.locator("[data-test=menu-hostGroups]").click()
    expect(page).to_have_url(re.compile(r"/host-groups$"))
    trigger.click()
    expect(menu).to_have_css("width", "200px")
    expect(menu.locator("[data-test=menu-dashboard] .label")).to_be_visible()


def test_the_app_speaks_chinese(page: Page, nginx_stack: WebStack, shot: Shots) -> None:
    log_in(page, new_user(nginx_stack.suite), path="/account")
    to_chinese(page)
    expect(page.locator("[data-test=menu-account]")).to_have_text("账户")
    expect(page.locator("[data-test=change-password-submit]")).to_have_text("修改密码")
    expect(page).to_have_title("账户 · A-Ops")
    shot(page, "account-zh")
    page.reload()  # the choice is kept
    expect(page.locator("[data-test=menu-account]")).to_have_text("账户")


def test_an_unknown_path_is_the_not_found_page(page: Page, shot: Shots) -> None:
    page.goto("/no/such/page")
    expect(page.locator("[data-test=not-found]")).to_contain_text("There is no page at /no/such/page.")
    shot(page, "not-found")
    page.get_by_role("button", name="Back to A-Ops").click()
    expect(page.locator("[data-test=login-form]")).to_be_visible()
