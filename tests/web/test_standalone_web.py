"""The web UI on `aops standalone`'s own port: the first login of a fresh install, as after
`make run` (admin / changeme, then a new password), and logging out."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.web.browser import PageGuard
from tests.web.browser import Shots
from tests.web.conftest import WebStack
from tests.web.conftest import open_page
from tests.web.flows import change_default_password
from tests.web.flows import session_token
from tests.web.flows import submit_login


@pytest.fixture
def standalone_page(browser: Browser, standalone_stack: WebStack, guard: PageGuard) -> Iterator[Page]:
    yield from open_page(browser, standalone_stack.url, guard)


def test_first_login_after_make_run(standalone_page: Page, standalone_stack: WebStack, shot: Shots) -> None:
    page = standalone_page
    page.goto("/")
    submit_login(page, "admin", "changeme")
    change_default_password(page, "Standalone-passw0rd", shot)

    token = session_token(page)
    page.click("[data-test=user-menu]")
    page.click("[data-test=user-menu-logout]")
    expect(page).to_have_url(re.compile(r"/login$"))
    reply = requests.post(
        f"{standalone_stack.url}/api/manage/host/group/get",
        json={},
        headers={"Access-Token": token},
        timeout=30,
    )
    assert (reply.status_code, reply.json()["code"]) == (401, 1201)
