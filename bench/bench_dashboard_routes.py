"""The data center's routes behind the web dashboard, called directly, with 100,000 results stored.

For each store pair (production: MariaDB + the ES-API server; standalone: SQLite + the SQL
document store), the data center runs as shipped (uWSGI), holds `--hosts` hosts and the check
results `bench_web.py` stores (`--results`, over 7 days, 20 rules, 90 % `Abnormal`), and each
route the dashboard's calls reach is called `--calls` times one after the other (ms per call:
median and slowest), then all of them at once as the page fires them (ms until the last answer).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench_web import host_ids_of
from bench_web import seed_results
from support import report
from support.client import Client
from support.client import data_center_client
from support.client import seed_hosts
from support.env import load_average
from support.services import aops_stack

STORES = {"production": ("mysql", "elasticsearch"), "standalone": ("sqlite", "sql")}
HOUR = 3600


def dashboard_calls(host_ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """What the dashboard's calls ask of the data center (web/src/api/dashboard.ts)."""
    to = (int(time.time()) // HOUR + 1) * HOUR
    return {
        "host count": ("/data/host/count", {}),
        "rule count": ("/data/check/rule/count", {}),
        "top 10 hosts": (
            "/data/check/result/count",
            {"host_list": [], "sort": "count", "direction": "desc", "page": 1, "per_page": 10},
        ),
        "latest 8": (
            "/data/check/result/get",
            {"value": "Abnormal", "sort": "start", "direction": "desc", "page": 1, "per_page": 8},
        ),
        "histogram 24 h": (
            "/data/check/result/histogram",
            {"time_range": [to - 24 * HOUR, to], "interval": HOUR, "value": "Abnormal"},
        ),
        "names of 18 hosts": ("/data/host/info/get", {"host_list": host_ids[:18], "basic": True}),
    }


def timed(dc: Client, path: str, body: dict[str, Any]) -> float:
    started = time.perf_counter()
    dc.ok(path, body, timeout=600)
    return (time.perf_counter() - started) * 1000


def measure(name: str, args: argparse.Namespace) -> dict[str, Any]:
    relational, document = STORES[name]
    with aops_stack(relational, document) as stack:
        report.say(f"{name}: {stack.describe()}")
        client = Client(stack.manager_url)
        client.login()
        report.say(f"  stored {args.hosts} hosts in {seed_hosts(client, args.hosts):.1f} s")
        host_ids = host_ids_of(client)
        dc = data_center_client(stack.conf.conf_dir, stack.conf.database_url, client.token)
        seconds = seed_results(dc, host_ids, random.Random(args.seed), args.results)
        report.say(f"  stored {args.results} check results in {seconds:.1f} s")
        calls = dashboard_calls(host_ids)
        figures: dict[str, Any] = {}
        for label, (path, body) in calls.items():
            timed(dc, path, body)  # the first call of a process loads its code and caches
            ms = [timed(dc, path, body) for _ in range(args.calls)]
            figures[label] = {"median_ms": round(statistics.median(ms), 1), "max_ms": round(max(ms), 1)}
            report.say(
                f"  {label:18} {path:32} median {statistics.median(ms):7.1f} ms, max {max(ms):7.1f} ms"
            )
        together = []
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            for _ in range(args.calls):
                started = time.perf_counter()
                list(pool.map(lambda call: dc.ok(*call, timeout=600), calls.values()))
                together.append((time.perf_counter() - started) * 1000)
        figures["all at once"] = {
            "median_ms": round(statistics.median(together), 1),
            "max_ms": round(max(together), 1),
        }
        median, slowest = statistics.median(together), max(together)
        report.say(f"  all {len(calls)} at once: median {median:.1f} ms, max {slowest:.1f} ms")
    return figures


def run() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=10, help="calls of each route")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stores", default=",".join(STORES), help="production, standalone or both")
    args = parser.parse_args()
    names = args.stores.split(",")
    if any(name not in STORES for name in names):
        parser.error(f"--stores takes {', '.join(STORES)}")
    figures: dict[str, Any] = {
        "benchmark": "dashboard_routes",
        "hosts": args.hosts,
        "check_results": args.results,
    }
    for name in names:
        figures[name] = measure(name, args)
    figures["load_average"] = load_average()
    return figures


if __name__ == "__main__":
    report.main_guard(run)
