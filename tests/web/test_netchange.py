"""The lock that keeps SSH test hosts' network changes away from open browser pages.

Each scenario runs in its own processes on a lock directory of its own: on the machine-wide
one, the pages other pytest-xdist workers hold open would make these timings depend on them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HOLD_PAGE = """
import sys, time
from tests.netchange import browser_in_use
with browser_in_use():
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
"""

HOLD_PAGE_AFTER_A_CHANGE = """
import sys, time
from tests.netchange import browser_in_use, network_change
with browser_in_use():
    with network_change():
        pass
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
"""

TIMED_CHANGE = """
import time
from tests.netchange import network_change
started = time.monotonic()
with network_change():
    print(time.monotonic() - started, flush=True)
"""

CHANGE_INSIDE_A_PAGE = """
import threading
from tests.netchange import browser_in_use, network_change
done = threading.Event()

def change_inside_a_page():
    with browser_in_use(), network_change(), browser_in_use():
        done.set()

worker = threading.Thread(target=change_inside_a_page, daemon=True)
worker.start()
worker.join(timeout=10)
print("done" if done.is_set() else "deadlocked", flush=True)
"""


def _env(locks: Path) -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])
    return {**os.environ, "AOPS_TEST_NETCHANGE_DIR": str(locks), "PYTHONPATH": root}


def _python(code: str, locks: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], env=_env(locks), capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout.strip()


def _change_waited_for(page: str, locks: Path) -> float:
    """Seconds a change of another process waited while a process running `page` held it open
    (1.5 s from when it says "held")."""
    holder = subprocess.Popen(
        [sys.executable, "-c", page, "1.5"], stdout=subprocess.PIPE, text=True, env=_env(locks)
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        return float(_python(TIMED_CHANGE, locks))
    finally:
        holder.wait(timeout=10)


def test_a_change_waits_for_a_page_open_in_another_process(tmp_path: Path) -> None:
    waited = _change_waited_for(HOLD_PAGE, tmp_path)
    assert waited > 1.0, f"the change went ahead while the other process's page was open ({waited:.2f} s)"


def test_a_page_of_this_process_gives_its_lock_up_for_a_change_and_takes_it_back(tmp_path: Path) -> None:
    assert _python(CHANGE_INSIDE_A_PAGE, tmp_path) == "done", "a change made inside a page deadlocked"
    # Given back when the page ended: another process's change goes ahead at once.
    waited = float(_python(TIMED_CHANGE, tmp_path))
    assert waited < 1.0, f"the change waited {waited:.2f} s for a page that had ended"


def test_a_change_waits_for_the_page_a_change_was_made_inside(tmp_path: Path) -> None:
    # The lock is taken back after the inner change: a change of another process waits for it.
    waited = _change_waited_for(HOLD_PAGE_AFTER_A_CHANGE, tmp_path)
    assert waited > 1.0, f"the page's lock was not taken back after its change ({waited:.2f} s)"
