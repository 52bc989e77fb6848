"""Playwright helpers: a page that fails its test on any console error or failed request, and
screenshots of every page under the test run's output folder."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from playwright.sync_api import ConsoleMessage
from playwright.sync_api import Page
from playwright.sync_api import Request
from playwright.sync_api import Response

from tests.aops_manager.deploying import running_hosts
from tests.sshhosts import SshHosts
from tests.web.stack import ROOT

# Chromium hears of an address change (the test hosts' bridge coming or going) some 2 s late
# (its Linux network-change delays), then fails the requests on their way with
# ERR_NETWORK_CHANGED: no page may be loading then.
NETWORK_SETTLE_S = 3.0

# Debian's Chromium (browsers cannot be downloaded here: never `playwright install`).
CHROMIUM = os.environ.get("AOPS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]


def output_dir() -> Path:
    """Where the screenshots of this run go: $AOPS_TEST_OUTPUT, else .testenv/ of the checkout."""
    base = os.environ.get("AOPS_TEST_OUTPUT") or os.environ.get("TESTENV_DIR") or str(ROOT / ".testenv")
    return Path(base) / "screenshots"


@dataclass
class Expected:
    """An HTTP error answer a test provokes on purpose (a wrong password: 401 at login)."""

    status: int
    path: str
    seen: int = 0


@dataclass
class PageGuard:
    """Everything that went wrong on a page: console errors, requests that got no answer, and
    HTTP error answers the test did not announce with `expect`.

    Chromium logs every 4xx/5xx answer as a console error ("Failed to load resource: ... 401"):
    those of an announced answer are not counted again.
    """

    problems: list[str] = field(default_factory=list)
    expected: list[Expected] = field(default_factory=list)

    def expect(self, status: int, path: str) -> None:
        """The next answers `status` to `path` (under /api) are part of the test."""
        self.expected.append(Expected(status, path))

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _allowed(self, status: int, url: str) -> bool:
        path = re.sub(r"^https?://[^/]+", "", url).split("?")[0]
        return any(e.status == status and e.path == path for e in self.expected)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type not in ("error", "assert"):
            return
        status = re.search(r"status of (\d{3})", message.text)
        url = message.location.get("url", "")
        if status and self._allowed(int(status.group(1)), url):
            return
        self.problems.append(f"console {message.type}: {message.text} ({url})")

    def _request_failed(self, request: Request) -> None:
        # A request the page dropped because the user moved on (navigation) did not fail.
        if request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def _response(self, response: Response) -> None:
        if response.status < 400:
            return
        if self._allowed(response.status, response.url):
            for e in self.expected:
                if e.status == response.status and response.url.split("?")[0].endswith(e.path):
                    e.seen += 1
            return
        self.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def check(self) -> None:
        unseen = [f"{e.status} {e.path}" for e in self.expected if e.seen == 0]
        assert not self.problems, "the page had problems:\n  " + "\n  ".join(self.problems)
        assert not unseen, f"announced answers never came: {unseen}"


class Shots:
    """Screenshots of one test: <output>/<test name>/<NN>-<name>.png."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page: Page, name: str) -> Path:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def settled_hosts(count: int) -> Iterator[SshHosts]:
    """running_hosts(count) for a fixture, with Chromium given the time to hear of their network
    coming and going."""
    for running in running_hosts(count):
        time.sleep(NETWORK_SETTLE_S)
        yield running
    time.sleep(NETWORK_SETTLE_S)
