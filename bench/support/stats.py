"""Percentiles of latency samples, and CPU accounting of processes during a measured run."""

from __future__ import annotations

import cProfile
import io
import math
import pstats
import resource
import time
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from support import report
from support.env import cores
from support.env import short_path
from support.procs import Service
from support.procs import cpu_seconds
from support.procs import process_tree
from support.procs import threads_of
from support.report import say


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the smallest sample with at least pct % of samples at or below)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "min_ms": round(min(ms), 2),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(sum(ms) / len(ms), 2),
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def uwsgi_roles(name: str, service: Service) -> dict[int, str]:
    """uWSGI master, http router (single-threaded child) and workers (threaded children)."""
    found = {}
    for pid in process_tree(service.pid):
        if pid == service.pid:
            found[pid] = f"{name} uWSGI master"
        elif threads_of(pid) > 1:
            found[pid] = f"{name} worker(s)"
        else:
            found[pid] = f"{name} http router"
    return found


class CpuMeter:
    """CPU seconds of named processes, of reaped children (wrk) and of the whole machine."""

    CHILDREN = "wrk (load generator)"

    def __init__(self, named: dict[int, str]) -> None:
        self.named = named
        self.by_role: dict[str, float] = {}
        self.machine_pct = 0.0
        self.cores = cores()

    def __enter__(self) -> CpuMeter:
        self.start = {pid: cpu_seconds(pid) for pid in self.named}
        self.children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.machine = machine_busy()
        self.wall = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.monotonic() - self.wall
        end = {pid: cpu_seconds(pid) for pid in self.named}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        busy, total = machine_busy()
        for pid, role in self.named.items():
            self.by_role[role] = self.by_role.get(role, 0.0) + end[pid] - self.start[pid]
        self.by_role[self.CHILDREN] = (children.ru_utime + children.ru_stime) - (
            self.children.ru_utime + self.children.ru_stime
        )
        self.machine_pct = 100 * self.cores * (busy - self.machine[0]) / max(1, total - self.machine[1])

    def percent(self) -> dict[str, float]:
        """% of one core per role over the measured wall time (N cores = N x 100 %)."""
        return {role: round(100 * sec / self.wall, 1) for role, sec in self.by_role.items()}

    def report(self, title: str, requests: int) -> dict[str, float]:
        """Print the table (% of one core, CPU ms per request); returns the percentages."""
        pct = self.percent()
        say(
            f"  CPU during {title} ({self.wall:.1f} s; % of one core, {self.cores} cores = "
            f"{self.cores * 100} %; CPU ms per request):"
        )
        for role, value in sorted(pct.items(), key=lambda kv: -kv[1]):
            if value >= 0.5:
                per_request = 1000 * self.by_role[role] / max(1, requests)
                say(f"    {role:<34} {value:6.1f} %   {per_request:6.2f} ms/req")
        others = max(0.0, self.machine_pct - sum(pct.values()))
        say(f"    {'other processes (not this bench)':<34} {others:6.1f} %")
        say(f"    {'whole machine':<34} {self.machine_pct:6.1f} %")
        return {**pct, "other processes": round(others, 1), "whole machine": round(self.machine_pct, 1)}


def say_profile(profiler: cProfile.Profile, top: int, own: int) -> None:
    """The `top` functions by cumulative time, then the `own` first by their own time."""
    for line in pstats_table(profiler, "cumulative", top):
        report.say("  " + short_path(line))
    report.say("  -- by own time (tottime):")
    for line in pstats_table(profiler, "tottime", own)[1:]:
        report.say("  " + short_path(line))


def pstats_table(profiler: cProfile.Profile, sort: str, rows: int) -> list[str]:
    """pstats' table sorted by `sort`: its header line and its first `rows` rows."""
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(rows)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
    return lines[start : start + rows + 1]
