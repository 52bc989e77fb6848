"""The lock that keeps SSH test hosts' network changes away from open browser pages."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from tests.netchange import browser_in_use
from tests.netchange import network_change

HOLD_PAGE = """
import sys, time
from tests.netchange import browser_in_use
with browser_in_use():
    print("held", flush=True)
    time.sleep(float(sys.argv[1]))
"""


def test_a_change_waits_for_a_page_open_in_another_process() -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD_PAGE, "1.5"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        started = time.monotonic()
        with network_change():
            waited = time.monotonic() - started
        assert waited > 1.0, f"the change went ahead while the other process's page was open ({waited:.2f} s)"
    finally:
        holder.wait(timeout=10)


def test_a_page_of_this_process_gives_its_lock_up_for_a_change_and_takes_it_back() -> None:
    done = threading.Event()

    def change_inside_a_page() -> None:
        with browser_in_use(), network_change(), browser_in_use():
            done.set()

    worker = threading.Thread(target=change_inside_a_page, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert done.is_set(), "a change made while this process had a page open deadlocked"
    # Given back: another process's change goes ahead at once.
    probe = "from tests.netchange import network_change\nwith network_change(): pass"
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=10)
    assert time.monotonic() - started < 5
