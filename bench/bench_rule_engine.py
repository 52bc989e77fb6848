"""Rule engine throughput: samples evaluated per second for one task over 1,000 hosts.

Each host has one hour of 15 s samples (240 evaluated) plus the history the rule asks for,
with values as Prometheus strings ("12.5", occasionally "NaN"). The timed work is what the
executor does per task: string -> float conversion, alignment of $1 onto $0, evaluation and
walking the findings, for all hosts through the batch API (evaluate_batch). The per-host API
and the cost of building Series from [[ts, "value"], ...] pairs are printed for comparison.
The last line is a JSON object with the rates, the targets and whether they were met
(exit status 0 when met, 3 when not).

Run: .venv/bin/python bench/bench_rule_engine.py [--hosts N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, also when not installed

from aops_utils.rules.plugins import Series
from aops_utils.rules.plugins import load_registry

SAMPLES = 240
PERIOD = 15.0
TASK_START = 1_700_000_000.0
KPI = {"name": "metric", "type": "kpi", "label": {}}
RULES = {
    "threshold": ("$0 > 90", [KPI], 5_000_000),
    "count_and_aligned": ("$0.count(5m, 90, '>') > 3 && $1 < 10", [KPI, KPI], 1_000_000),
    "abschange": ("abschange(#4) > 1000", [KPI], 1_000_000),
}


def _stamps(rng: random.Random, history: int, phase: float) -> list[float]:
    """Scrape times with a per-host phase and a little jitter, at millisecond resolution."""
    first = TASK_START + phase - history * PERIOD
    return [round(first + i * PERIOD + rng.uniform(-0.05, 0.05), 3) for i in range(history + SAMPLES)]


def _pairs(rule: str, rng: random.Random, history: int) -> dict[str, list[list[Any]]]:
    """One host's series. About 2% of the samples are abnormal, as in a fleet that is mostly well."""
    phase = rng.uniform(0.1, 14.0)
    stamps = _stamps(rng, history, phase)
    values: list[str] = []
    if rule == "abschange":
        total = rng.uniform(1e6, 1e9)
        for _ in stamps:
            total += rng.expovariate(1 / 120)
            values.append(repr(total))
    else:
        hot = range(rng.randrange(len(stamps)), len(stamps)) if rng.random() < 0.1 else range(0)
        for i in range(len(stamps)):
            level = rng.gauss(93, 4) if i in hot and i < hot.start + 40 else rng.gauss(45, 12)
            values.append(repr(round(min(max(level, 0.0), 100.0), 2)))
    for i in range(0, len(values), 97):
        values[i] = "NaN"  # a stale marker now and then
    data = {"$0": [[ts, value] for ts, value in zip(stamps, values, strict=True)]}
    if rule == "count_and_aligned":
        other = _stamps(rng, history, (phase + 7.3) % 15)
        data["$1"] = [[ts, repr(round(rng.uniform(0, 100), 3))] for ts in other]
    return data


def _best(run: Callable[[], int], repeat: int) -> tuple[float, float, int]:
    times, found = [], 0
    for _ in range(repeat):
        begin = time.perf_counter()
        found = run()
        times.append(time.perf_counter() - begin)
    return min(times), statistics.median(times), found


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--hosts", type=int, default=1000)
    options.add_argument("--repeat", type=int, default=7)
    args = options.parse_args()
    registry = load_registry()
    rng = random.Random(20211)
    evaluated = args.hosts * SAMPLES
    rates: dict[str, float] = {}
    targets: dict[str, int] = {}
    print(f"{args.hosts} hosts x {SAMPLES} evaluated samples at {PERIOD:.0f} s; best of {args.repeat}")
    for label, (condition, data_list, target) in RULES.items():
        rule = registry.compile(plugin="", condition=condition, data_list=data_list)
        history = -(-rule.history_seconds(int(PERIOD)) // int(PERIOD))  # samples of history, rounded up
        raw = [_pairs(label, rng, history) for _ in range(args.hosts)]
        split = [
            {m: ([p[0] for p in pairs], [p[1] for p in pairs]) for m, pairs in host.items()} for host in raw
        ]

        def vectors(split: list[dict[str, tuple[list[float], list[str]]]] = split) -> list[dict[str, Series]]:
            return [{m: Series(ts, values) for m, (ts, values) in host.items()} for host in split]

        inputs = vectors()

        def batch(rule: Any = rule, inputs: list[dict[str, Series]] = inputs) -> int:
            return sum(1 for _ in rule.evaluate_batch(inputs, TASK_START).findings())

        def per_host(rule: Any = rule, inputs: list[dict[str, Series]] = inputs) -> int:
            return sum(sum(1 for _ in rule.evaluate(vector, TASK_START).findings()) for vector in inputs)

        def from_pairs(rule: Any = rule, raw: list[dict[str, list[list[Any]]]] = raw) -> int:
            built = [{m: Series.from_pairs(pairs) for m, pairs in host.items()} for host in raw]
            return sum(1 for _ in rule.evaluate_batch(built, TASK_START).findings())

        best, median, found = _best(batch, args.repeat)
        host_best, _, host_found = _best(per_host, max(2, args.repeat // 3))
        pairs_best, _, _ = _best(from_pairs, max(2, args.repeat // 3))
        assert host_found == found, (host_found, found)
        rates[label] = evaluated / best
        targets[label] = target
        print(f"\n{label}: {condition!r} (history {history} samples, {found} findings)")
        rate = f"{evaluated / best:12,.0f} /s"
        print(f"  batch    {best * 1e3:8.1f} ms best, {median * 1e3:8.1f} ms median -> {rate}")
        print(f"  per host {host_best * 1e3:8.1f} ms best{'':20} -> {evaluated / host_best:12,.0f} /s")
        with_pairs = f"{evaluated / pairs_best:12,.0f} /s"
        print(f"  batch incl. Series.from_pairs {pairs_best * 1e3:8.1f} ms -> {with_pairs}")
        print(f"  target {target:,} /s: {'met' if rates[label] >= target else 'NOT met'}")
    met = all(rates[name] >= targets[name] for name in rates)
    print(
        json.dumps(
            {
                "rates_per_s": {k: round(v) for k, v in rates.items()},
                "targets_per_s": targets,
                "targets_met": met,
            }
        )
    )
    sys.exit(0 if met else 3)


if __name__ == "__main__":
    main()
