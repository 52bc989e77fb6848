"""CPU cost of one `/manage/host/get`, per function, in the manager and in the data center.

Diagnostic behind bench_throughput.py (no targets). cProfile with a CPU-time clock
(time.process_time, so time spent waiting on sockets does not count), on the apps built
in this process and called through Flask's test client:

* data center: `/data/host/get` on SQLite with 10,000 hosts;
* manager: `/manage/host/get`, its call to the data center going over HTTP to the data center
  served by uWSGI as usual (on SQLite), so only the manager's own CPU is counted. Profiled twice:
  with the read cache as shipped (most answers then come from the cache) and with it off
  (read_cache_seconds=0: every request is forwarded).

    python bench/cprofile_host_get.py [--requests 500]
"""

from __future__ import annotations

import argparse
import cProfile
import random
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from support import report
from support.client import BENCH_PASSWORD
from support.client import Client
from support.client import get_hosts_body
from support.client import seed_hosts
from support.inprocess import data_center_app
from support.services import aops_stack
from support.stats import say_profile

from aops_utils.auth import DATA_CENTER

HOSTS = 10_000
TOP = 22


def profile(name: str, call: Callable[[], None], count: int, dump: Path | None) -> dict[str, Any]:
    for _ in range(50):
        call()
    wall = time.perf_counter()
    cpu = time.process_time()
    for _ in range(count):
        call()
    cpu_ms = (time.process_time() - cpu) / count * 1000
    wall_ms = (time.perf_counter() - wall) / count * 1000
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(count):
        call()
    profiler.disable()
    if dump is not None:
        profiler.dump_stats(dump / (name.replace(" ", "_").replace("/", "_") + ".prof"))
    report.say(f"\n== {name}: {cpu_ms:.2f} ms CPU per request in this process ({wall_ms:.2f} ms wall)")
    report.say("   (cProfile adds its own overhead to the CPU clock)")
    say_profile(profiler, TOP, 12)
    return {"cpu_ms_per_request": round(cpu_ms, 3), "wall_ms_per_request": round(wall_ms, 3)}


def data_center(count: int, dump: Path | None) -> dict[str, Any]:
    with data_center_app(relational="sqlite", document="sql") as (app, center):
        from aops_database.services import groups
        from aops_database.services import hosts

        groups.add_group(center.store, "admin", "group-00", "")
        rows = [
            {
                "host_id": uuid.uuid4().hex,
                "host_name": f"host-{i:06d}",
                "host_group_name": "group-00",
                "public_ip": f"10.0.{i >> 8}.{i & 255}",
                "ssh_port": 22,
                "management": False,
                "credential": 0,
            }
            for i in range(HOSTS)
        ]
        hosts.add_hosts(center.store, "admin", rows, ["vault"])
        # A session opened with the default password may only change it.
        center.accounts.change_password("admin", BENCH_PASSWORD, "changeme", session_id="")
        session = center.codec.decode(center.accounts.login("admin", BENCH_PASSWORD, "127.0.0.1").token)
        # As the manager calls it: a service token acting in the user's session.
        token, _ = center.codec.issue_service(
            "bench", DATA_CENTER, 300, acting="admin", session=session.token_id
        )
        client = app.test_client()
        rng = random.Random(1)

        def call() -> None:
            reply = client.post(
                "/data/host/get", json=get_hosts_body(rng.randint(1, 200)), headers={"access_token": token}
            )
            assert reply.status_code == 200, reply.data

        return profile("data center /data/host/get, SQLite", call, count, dump)


def manager(count: int, dump: Path | None) -> dict[str, Any]:
    # The data center's store does not matter here: its time is not counted.
    with aops_stack("sqlite", "sql") as stack:
        remote = Client(stack.manager_url)
        token = remote.login()
        seed_hosts(remote, HOSTS)
        from aops_manager import settings as manager_settings
        from aops_manager.app import create_app

        system, ini = manager_settings.load(stack.conf.conf_dir)
        results = {}
        for label, seconds in (("cached", ini.manager.read_cache_seconds), ("uncached", 0.0)):
            section = ini.manager.model_copy(update={"read_cache_seconds": seconds})
            app = create_app(system, ini.model_copy(update={"manager": section}), start_prober=False)
            client = app.test_client()
            rng = random.Random(2)
            failed = 0

            def call(client: Any = client, rng: random.Random = rng) -> None:
                nonlocal failed
                body = get_hosts_body(rng.randint(1, 200))
                reply = client.post("/manage/host/get", json=body, headers={"access_token": token})
                if reply.status_code != 200:
                    failed += 1  # e.g. 503/1001 "data center unreachable": counted, not retried
                    report.say(f"  HTTP {reply.status_code}: {reply.data[:200]!r}")

            cache = f"read cache {seconds:g} s" if seconds else "read cache off"
            title = f"manager /manage/host/get, {cache} (data center over HTTP, not counted)"
            result = profile(title, call, count, dump)
            total = 50 + 2 * count
            report.say(f"  answers other than HTTP 200: {failed} of {total} requests")
            results[label] = {**result, "read_cache_seconds": seconds, "failed": failed, "requests": total}
        return results


def run() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--dump", type=Path, help="also write each profile here (pstats files)")
    args = parser.parse_args()
    return {
        "diagnostic": "cprofile_host_get",
        "data_center": data_center(args.requests, args.dump),
        "manager": manager(args.requests, args.dump),
        "targets_met": None,
    }


if __name__ == "__main__":
    report.main_guard(run)
