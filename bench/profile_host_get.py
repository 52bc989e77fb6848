"""Where `/manage/host/get` spends its time: py-spy on the uWSGI workers under load.

Not a benchmark with targets: the evidence behind the figures of bench_host_get.py and
bench_throughput.py. Starts the stack (MariaDB + ES-API by default, `--sqlite` for SQLite),
with the manager as shipped (read cache on) or, with `--no-read-cache`, with
read_cache_seconds=0 in its manager.ini so that every request reaches the data center. Stores
10,000 hosts, then drives /manage/host/get (random page of 50 sorted by host_name) with wrk
(16 connections) or sequentially (`--sequential`) while py-spy samples the data center's and
the manager's worker processes, including idle time (a thread waiting on MariaDB or on the
data center counts). Prints, per service, the share of samples in each function (inclusive)
and the leaf functions that hold the most samples (self).

    .venv/bin/pip install py-spy        # once
    python bench/profile_host_get.py [--sqlite] [--no-read-cache] [--sequential] [--cpu] [--seconds 10]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from support import report
from support import wrk
from support.client import Client
from support.client import seed_hosts
from support.env import short_path
from support.procs import py_spy
from support.procs import uwsgi_workers
from support.services import aops_stack

HOSTS = 10_000
TOP = 28


def record(pid: int, seconds: int, out: Path, idle: bool) -> subprocess.Popen[bytes]:
    argv = [
        py_spy(),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(seconds),
        "--rate",
        "200",
        "--format",
        "raw",
        "--output",
        str(out),
        "--nonblocking",
        *(["--idle"] if idle else []),
    ]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def summarise(files: list[Path]) -> tuple[int, Counter[str], Counter[str]]:
    """Samples, inclusive and self counts per frame, over threads that ran a request."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for path in files:
        for line in path.read_text().splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            frames = stack.split(";")
            # Only stacks inside a request: threads idling in uWSGI's accept have no such frame.
            if not any("wsgi_app (flask/app.py" in f for f in frames):
                continue
            count = int(count_text)
            total += count
            for frame in set(frames):
                inclusive[frame] += count
            leaf[frames[-1]] += count
    return total, inclusive, leaf


def show(name: str, files: list[Path], idle: bool) -> dict[str, Any]:
    total, inclusive, leaf = summarise(files)
    kind = "wall clock, idle included" if idle else "on CPU only"
    report.say(f"\n== {name}: {total} samples inside requests ({kind})")
    if not total:
        return {"samples": 0}
    report.say("  inclusive (share of request time spent in the frame and below):")
    for frame, count in inclusive.most_common(TOP):
        report.say(f"    {100 * count / total:5.1f} %  {short_path(frame)}")
    report.say("  self (leaf frames):")
    for frame, count in leaf.most_common(12):
        report.say(f"    {100 * count / total:5.1f} %  {short_path(frame)}")
    return {
        "samples": total,
        "inclusive_top": {short_path(f): round(100 * n / total, 1) for f, n in inclusive.most_common(12)},
        "self_top": {short_path(f): round(100 * n / total, 1) for f, n in leaf.most_common(5)},
    }


def sequential_load(url: str, token: str, stop: threading.Event) -> int:
    client = Client(url)
    client.token = token
    rng = random.Random(3)
    done = 0
    while not stop.is_set():
        client.get_hosts(rng.randint(1, HOSTS // 50))
        done += 1
    return done


def run() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="relational=sqlite, document=sql")
    parser.add_argument(
        "--no-read-cache",
        action="store_true",
        help="manager with read_cache_seconds=0",
    )
    parser.add_argument("--sequential", action="store_true", help="one client instead of wrk -c16")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--cpu", action="store_true", help="on-CPU samples only (py-spy without --idle)")
    parser.add_argument("--raw-dir", type=Path, help="keep py-spy's raw (collapsed) stacks here")
    args = parser.parse_args()
    stores = ("sqlite", "sql") if args.sqlite else ("mysql", "elasticsearch")
    py_spy()
    if not args.sequential:
        wrk.require()
    cache = 0.0 if args.no_read_cache else None
    with (
        aops_stack(*stores, read_cache_seconds=cache) as stack,
        tempfile.TemporaryDirectory(prefix="aops-profile-") as tmp,
    ):
        report.say(f"profile of /manage/host/get: {stack.describe()}")
        client = Client(stack.manager_url)
        token = client.login()
        seed_hosts(client, HOSTS)
        url = stack.manager_url + "/manage/host/get"
        # Warm up under concurrency too: each worker thread opens its pooled MariaDB connection
        # once (PyMySQL builds an SSL context per connect, ~20 ms), which is not steady state.
        for page in range(1, 51):
            client.get_hosts(page)
        if not args.sequential:
            wrk.run(url, 3, token, pages=HOSTS // 50)
        targets = {"data center": uwsgi_workers(stack.database), "manager": uwsgi_workers(stack.manager)}
        recorders = []
        for name, pids in targets.items():
            for pid in pids:
                out = Path(tmp) / f"{name.replace(' ', '_')}-{pid}.txt"
                recorders.append((name, out, record(pid, args.seconds, out, not args.cpu)))
        time.sleep(1)  # py-spy attaches
        if args.sequential:
            stop = threading.Event()
            timer = threading.Timer(args.seconds - 1, stop.set)
            timer.start()
            count = sequential_load(stack.manager_url, token, stop)
            load = f"sequential client: {count} requests"
        else:
            result = wrk.run(url, args.seconds - 1, token, pages=HOSTS // 50)
            load = f"wrk -c16: {result['rps']} req/s, {result['errors']} errors"
        for name, _out, proc in recorders:
            _stdout, err = proc.communicate(timeout=args.seconds + 30)
            if proc.returncode != 0:
                report.say(f"  py-spy on {name} failed: {err.decode(errors='replace')[-500:]}")
        report.say(f"  load: {load}")
        figures: dict[str, Any] = {
            "diagnostic": "profile_host_get",
            "stores": "/".join(stores),
            "read_cache_seconds": stack.read_cache_seconds,
            "load": load,
        }
        for name in targets:
            files = [out for n, out, _p in recorders if n == name and out.exists()]
            figures[name] = show(name, files, not args.cpu)
        if args.raw_dir:
            args.raw_dir.mkdir(parents=True, exist_ok=True)
            for _n, out, _p in recorders:
                if out.exists():
                    shutil.copy(out, args.raw_dir / out.name)
            report.say(f"\nraw stacks kept in {args.raw_dir}")
    figures["targets_met"] = None  # a profile has no targets
    return figures


if __name__ == "__main__":
    report.main_guard(run)
