"""Steps the web tests share (and the page tests build on): logging in through the UI, changing
admin's default password, reading the session the browser holds, finding a form field's error."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.suite import Suite
from tests.web.browser import Shots

PASSWORD = "Web-passw0rd!"


def new_user(suite: Suite, password: str = PASSWORD) -> str:
    """A user of its own (not on the default password), made by the data center; returns the name."""
    # The data center has no route that adds users (aops-database user add does it in process).
    username, _ = suite.add_user(f"w{uuid.uuid4().hex[:10]}", password)
    return username


def log_in(page: Page, username: str, password: str = PASSWORD, path: str = "/") -> None:
    """Open `path`, land on the login page, log in, and wait to be back on a page of the app."""
    page.goto(path)
    expect(page.locator("[data-test=login-form]")).to_be_visible()
    submit_login(page, username, password)
    expect(page.locator("[data-test=side-menu]")).to_be_visible()


def submit_login(page: Page, username: str, password: str) -> None:
    """Fill in the login form and send it."""
    page.fill("[data-test=username]", username)
    page.fill("[data-test=password]", password)
    page.click("[data-test=login-submit]")


def change_default_password(page: Page, password: str, shot: Shots) -> None:
    """On the form that admin's login with the default password opens: change it to `password`,
    which logs in again with it and lands on the first page of the menu."""
    expect(page.locator("[data-test=change-password-form]")).to_be_visible()
    shot(page, "change-default-password")
    page.fill("[data-test=new-password]", password)
    page.fill("[data-test=confirm-password]", password)
    page.click("[data-test=change-password-submit]")
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("[data-test=user-menu]")).to_contain_text("admin")
    shot(page, "landing")


def session_token(page: Page) -> str:
    """The token the browser holds (localStorage, see web/src/session/store.ts)."""
    token = page.evaluate("() => JSON.parse(localStorage.getItem('aops.session') || 'null')?.token")
    assert isinstance(token, str), "the browser holds no session"
    return token


def field_error(page: Page, data_test: str) -> Locator:
    """The error shown under the form field whose input has `data-test`."""
    item = page.locator(".ant-form-item", has=page.locator(f"[data-test={data_test}]"))
    return item.locator(".ant-form-item-explain-error")


def choose(page: Page, select: str | Locator, option: str, *, close: str = "Escape") -> None:
    """Pick `option` in an ant-design select: the one with that `data-test`, or the locator's.
    The list is closed with `close`: Tab in a drawer, which Escape would close too."""
    field = page.locator(f"[data-test={select}]") if isinstance(select, str) else select
    field.click()
    page.locator(".ant-select-dropdown:visible .ant-select-item-option", has_text=option).first.click()
    page.keyboard.press(close)
    expect(page.locator(".ant-select-dropdown:visible")).to_have_count(0)


def to_chinese(page: Page, away: tuple[int, int] = (640, 760)) -> None:
    """Switch the app to Chinese, the mouse moved `away` from the language menu until it closes."""
    page.click("[data-test=locale-switch]")
    page.click("[data-test=locale-zh]")
    page.mouse.move(*away)
    expect(page.locator("[data-test=locale-zh]")).to_be_hidden()
