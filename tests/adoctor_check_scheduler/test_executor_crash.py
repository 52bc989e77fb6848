"""An executor killed with SIGKILL in the middle of a task: the window is checked once, later.

The task is not committed until its results are stored, so the broker hands it to the next
member once the killed one's session (2 s in this suite) has expired.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.adoctor_check_scheduler.conftest import Checks
from tests.adoctor_check_scheduler.test_pipeline import CANARY
from tests.adoctor_check_scheduler.test_pipeline import _publish
from tests.adoctor_check_scheduler.test_pipeline import _samples

SPAN = 20


def watch_prometheus(checks: Checks, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """An event set when the data center next connects to Prometheus (a task is mid-fetch)."""
    proxy = checks.prometheus
    # Cut the data center's kept-alive connection, so that its next query connects (and waits).
    proxy.stop()
    proxy.start()
    opened = threading.Event()
    serve = proxy._serve

    def watched(client: socket.socket) -> None:
        opened.set()
        serve(client)

    monkeypatch.setattr(proxy, "_serve", watched)
    return opened


@contextlib.contextmanager
def killed_mid_fetch(
    checks: Checks, monkeypatch: pytest.MonkeyPatch, proc: subprocess.Popen[bytes], log: Path
) -> Iterator[None]:
    """Every new Prometheus connection of the data center waits 4 s while the block gives the
    executor process `proc` work; `proc` is then killed with SIGKILL in the middle of its fetch."""
    fetching = watch_prometheus(checks, monkeypatch)
    checks.prometheus.delay = 4
    try:
        yield
        assert fetching.wait(45), f"the executor never fetched data:\n{log.read_text()}"
        time.sleep(1)  # well inside the 4 s the query takes
        assert proc.poll() is None, log.read_text()
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        checks.prometheus.delay = 0
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_a_task_of_an_executor_killed_mid_fetch_is_redelivered_and_checked_once(
    checks: Checks, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert checks.post("/check/rule/import", {"check_items": [CANARY]})["code"] == 200
    end = int(time.time()) - 2
    expected = _samples(end, SPAN)
    assert expected > 0

    def mine(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in found if end - SPAN < r["start"] <= end]

    def window() -> list[dict[str, Any]]:
        return mine(checks.results(time_range=[end - SPAN, end], check_items=["canary"]))

    # A first window, checked as usual, shows the executor has joined its group. Stopping a
    # member while its JoinGroup is pending wedges the group on Tansu: the member that left
    # stays the elected leader, so a later member's SyncGroup never gets an assignment.
    warm_up = (end - 5 * SPAN, end - 4 * SPAN)
    _publish(checks, *warm_up)
    checks.wait_for(lambda f: len(f) > 0, time_range=list(warm_up), check_items=["canary"])
    checks.stop_executors()
    log = tmp_path / "executor.log"
    proc = checks.start_process("adoctor_check_executor", log)
    with killed_mid_fetch(checks, monkeypatch, proc, log):
        _publish(checks, end - SPAN, end)
    assert window() == []  # the killed executor stored nothing

    time.sleep(3)  # the killed member's 2 s session expires; the group forgets it
    checks.start_executor()
    found = checks.wait_for(lambda f: len(mine(f)) >= expected, time_range=[end - SPAN, end])
    checked = mine(found)
    assert len(checked) == expected
    assert len({r["start"] for r in checked}) == expected
    assert all(r["value"] == "Abnormal" and r["check_item"] == "canary" for r in checked)

    # The same task once more, then a marker behind it on the same partition (same key): when
    # the marker's results are in, the replay has been handled, and it duplicated nothing. The
    # marker may predate the first scrape of a Prometheus started moments ago (a fresh CI
    # machine): its result is then one `No data` at the window's start, which counts too.
    _publish(checks, end - SPAN, end)
    marker = (end - 3 * SPAN, end - 2 * SPAN)
    _publish(checks, *marker)
    checks.wait_for(
        lambda f: any(marker[0] <= r["start"] <= marker[1] for r in f),
        time_range=list(marker),
        check_items=["canary"],
    )
    again = window()
    assert len(again) == expected and len({r["start"] for r in again}) == expected
