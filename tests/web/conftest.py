"""Fixtures of the web tests.

- `nginx_stack`: every service on MariaDB + the ES-API server, behind real nginx running the
  shipped conf/nginx/aops-nginx.conf (one per test module);
- `standalone_stack`: `aops standalone` on SQLite with its own web port (one per module);
- `web`: a parametrised fixture giving each of the two in turn, for behaviour both must share;
- `browser` (Chromium, one per session), `page` (a fresh context on the nginx stack whose test
  fails on any console error or failed request, see browser.PageGuard), `guard` (to announce
  the HTTP errors a test provokes) and `shot` (screenshots, printed at the end of the run);
- `web_user`: a new user logged in on `page`.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import Playwright
from playwright.sync_api import sync_playwright

from tests.netchange import browser_in_use
from tests.suite import Suite
from tests.web.browser import CHROMIUM
from tests.web.browser import CHROMIUM_ARGS
from tests.web.browser import PageGuard
from tests.web.browser import Shots
from tests.web.browser import output_dir
from tests.web.flows import log_in
from tests.web.flows import new_user
from tests.web.stack import Services
from tests.web.stack import built_web
from tests.web.stack import running_nginx
from tests.web.stack import running_services
from tests.web.stack import running_standalone

_timings: dict[str, float] = {}


@dataclass
class WebStack:
    """Where a browser reaches A-Ops (`url`: the web UI, `/api` under it)."""

    kind: str
    url: str
    services: Services | None = None

    @property
    def suite(self) -> Suite:
        assert self.services is not None, "only the nginx stack exposes its services"
        return self.services.suite


@pytest.fixture(scope="session")
def web_dist() -> Path:
    return built_web()


@pytest.fixture(scope="module")
def nginx_stack(web_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    base = tmp_path_factory.mktemp(f"web{uuid.uuid4().hex[:6]}")
    with running_services(base / "conf") as services:
        with running_nginx(base / "nginx", web_dist, services.ports) as url:
            yield WebStack("nginx", url, services)


@pytest.fixture(scope="module")
def standalone_stack(web_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    data_dir = tmp_path_factory.mktemp(f"standalone{uuid.uuid4().hex[:6]}")
    with running_standalone(data_dir, web_dist) as running:
        yield WebStack("standalone", running.url)


@pytest.fixture(params=["nginx", "standalone"])
def web(request: pytest.FixtureRequest) -> WebStack:
    """Each way of serving the web in turn: nginx with the shipped conf, `aops standalone`."""
    stack: WebStack = request.getfixturevalue(f"{request.param}_stack")
    return stack


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    started = time.monotonic()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    _timings["chromium start"] = time.monotonic() - started
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    # Each pytest-xdist worker clears and fills a folder of its own: one clearing the shared
    # folder would delete what the other worker had written.
    folder = output_dir() / os.environ.get("PYTEST_XDIST_WORKER", "main")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def shot(screenshots: Path, request: pytest.FixtureRequest) -> Shots:
    name = request.node.name.replace("/", "_").replace("[", "-").rstrip("]")
    return Shots(screenshots / name)


@pytest.fixture
def guard() -> PageGuard:
    return PageGuard()


def open_page(browser: Browser, url: str, guard: PageGuard) -> Iterator[Page]:
    """A fresh browser context (no stored session) on `url`, checked by `guard` at the end."""
    with browser_in_use():  # another worker's SSH test hosts would fail its requests
        context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800}, locale="en-US")
        context.set_default_timeout(15_000)
        page = context.new_page()
        guard.attach(page)
        try:
            yield page
        finally:
            context.close()
    guard.check()


@pytest.fixture
def page(browser: Browser, nginx_stack: WebStack, guard: PageGuard) -> Iterator[Page]:
    yield from open_page(browser, nginx_stack.url, guard)


@pytest.fixture
def web_user(page: Page, nginx_stack: WebStack) -> str:
    """A new user of its own, logged in on `page` (on the first page of the menu); its name.
    Its password is tests.web.flows.PASSWORD; `nginx_stack.suite.login(name, PASSWORD)` gives
    a token to prepare data through the API."""
    username = new_user(nginx_stack.suite)
    log_in(page, username)
    return username


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    folder = output_dir()
    if folder.is_dir() and any(folder.iterdir()):
        count = sum(1 for _ in folder.rglob("*.png"))
        terminalreporter.write_line(f"web UI screenshots: {count} in {folder}")
    if "chromium start" in _timings:
        terminalreporter.write_line(f"chromium started in {_timings['chromium start']:.1f} s")
