"""Fault-tree evaluation throughput: node evaluations per second of a compiled 30-node tree.

The tree (30 nodes, 19 leaves naming 17 rules, conditions with `!`, `&&`, `||` and
parentheses) is parsed once, then evaluated for many host x slice combinations, each with its
own LeafEvidence per rule (mostly normal, some abnormal with a few results, some unknown). The
timed work is Tree.evaluate, which builds the whole report with its evidence; each report is
dropped after the call, as an executor serialises it and moves on. Keeping every report alive
(5,000 report trees, so that the garbage collector walks them all) is timed as well, as are
building the evidence from stored results (LeafEvidence.from_results), serialising a report
(dumps) and a 10,000-node tree.
The last line is a JSON object with the figures and whether the target was met (exit status 0
when met, 3 when not).

Run: .venv/bin/python bench/bench_tree_eval.py [--evaluations N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, also when not installed

from aops_utils.trees import LeafEvidence
from aops_utils.trees import Tree
from aops_utils.trees import dumps
from aops_utils.trees import parse_tree
from tests.aops_utils.trees.trees import branch
from tests.aops_utils.trees.trees import leaf

TARGET_PER_S = 100_000
RULES = [f"rule_{i}" for i in range(17)]


def tree_json() -> dict[str, Any]:
    """30 nodes: a root, 10 branches, 19 leaves over 17 rules (two rules appear twice)."""
    r = RULES
    return branch(
        "重启类故障",
        "硬件 || 软件 || 内核 && !维护窗口",
        branch(
            "硬件",
            "内存 && (电源 || 温度)",
            branch("内存", "ecc || 内存不足", leaf("ecc", r[0]), leaf("内存不足", r[1])),
            branch("电源", "psu1 && psu2", leaf("psu1", r[2]), leaf("psu2", r[3])),
            branch("温度", "cpu温度 || !风扇正常", leaf("cpu温度", r[4]), leaf("风扇正常", r[5])),
        ),
        branch(
            "软件",
            "进程 || 磁盘",
            branch(
                "进程", "oom || 段错误 && 重启", leaf("oom", r[6]), leaf("段错误", r[7]), leaf("重启", r[8])
            ),
            branch(
                "磁盘",
                "磁盘满 || 只读 || inode耗尽",
                leaf("磁盘满", r[9]),
                leaf("只读", r[10]),
                leaf("inode耗尽", r[15]),
            ),
        ),
        branch(
            "内核",
            "panic || oops || (软锁 && 内存不足)",
            leaf("panic", r[11]),
            leaf("oops", r[16]),
            branch("软锁", "rcu || hung", leaf("rcu", r[12]), leaf("hung", r[13])),
            leaf("内存不足", r[1]),
        ),
        branch("维护窗口", "计划重启 && 重启", leaf("计划重启", r[14]), leaf("重启", r[8])),
    )


def stored_results(rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    """One host x slice: the stored check results per rule (most rules have none: normal)."""
    results: dict[str, list[dict[str, Any]]] = {}
    for rule in RULES:
        draw = rng.random()
        if draw < 0.15:
            start = 1_700_000_000 + rng.randrange(3600)
            results[rule] = [
                {
                    "check_item": rule,
                    "value": "Abnormal",
                    "start": start + 15 * i,
                    "end": start + 15 * i,
                    "series": "m",
                }
                for i in range(rng.randint(1, 4))
            ]
        elif draw < 0.20:
            results[rule] = [
                {"check_item": rule, "value": "No data", "start": 1_700_000_000, "end": 1_700_003_600}
            ]
        elif draw < 0.22:
            results[rule] = [
                {"check_item": rule, "value": "Internal error", "start": 0, "end": 0, "reason": "x"}
            ]
    return results


def _best(work: Callable[[], Any], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=5_000, help="host x slice combinations")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(2109)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    raw = tree_json()
    started = time.perf_counter()
    for _ in range(100):
        tree = parse_tree(raw, set(RULES))
    parse_ms = (time.perf_counter() - started) / 100 * 1e3
    nodes = len(tree)
    print(
        f"tree: {nodes} nodes, {len(tree.check_items)} rules, depth {tree.depth}; "
        f"parse + validate {parse_ms:.3f} ms"
    )

    slices = [stored_results(rng) for _ in range(args.evaluations)]
    evidence = [
        {rule: LeafEvidence.from_results(found.get(rule, []), checked=True) for rule in RULES}
        for found in slices
    ]
    values = [tree.evaluate(one)["value"] for one in evidence]
    print(
        f"{args.evaluations:,} evaluations: root true {values.count(True)}, false {values.count(False)}, "
        f"unknown {values.count(None)}"
    )

    def evaluate_each(tree: Tree = tree) -> None:
        for one in evidence:
            tree.evaluate(one)

    def evaluate_all(tree: Tree = tree) -> list[dict[str, Any]]:
        return [tree.evaluate(one) for one in evidence]

    best, median = _best(evaluate_each, args.repeat)
    rate = nodes * args.evaluations / best
    print(
        f"evaluate: {best * 1e3:8.1f} ms best, {median * 1e3:8.1f} ms median for {args.evaluations:,} -> "
        f"{best / args.evaluations * 1e6:6.1f} us per tree, {rate:12,.0f} node evaluations/s"
    )
    kept_best, _ = _best(evaluate_all, max(2, args.repeat // 2))
    kept_rate = nodes * args.evaluations / kept_best
    print(
        f"keeping all {args.evaluations:,} reports alive: "
        f"{kept_best / args.evaluations * 1e6:6.1f} us per tree, "
        f"{kept_rate:12,.0f} node evaluations/s"
    )

    def classify_all() -> None:
        for found in slices:
            for rule in RULES:
                LeafEvidence.from_results(found.get(rule, []), checked=True)

    classify_best, _ = _best(classify_all, max(2, args.repeat // 2))
    print(
        f"LeafEvidence.from_results for {len(RULES)} rules: "
        f"{classify_best / args.evaluations * 1e6:6.1f} us per evaluation"
    )
    reports = evaluate_all()
    dump_best, _ = _best(lambda: [dumps(report) for report in reports], max(2, args.repeat // 2))
    print(f"dumps of a report: {dump_best / args.evaluations * 1e6:6.1f} us")

    big_nodes = 10_000
    big = parse_tree(
        branch(
            "root",
            " || ".join(f"b{i}" for i in range(99)),
            *(
                branch(
                    f"b{i}",
                    " && ".join(f"l{j}" for j in range(100)),
                    *(leaf(f"l{j}", RULES[j % len(RULES)]) for j in range(100)),
                )
                for i in range(99)
            ),
        )
    )
    assert len(big) == big_nodes
    big_best, _ = _best(lambda: big.evaluate(evidence[0]), 5)
    print(
        f"10,000-node tree: {big_best * 1e3:.1f} ms per evaluation -> "
        f"{big_nodes / big_best:12,.0f} node evaluations/s"
    )

    met = rate >= TARGET_PER_S
    print(f"target {TARGET_PER_S:,} node evaluations/s: {'met' if met else 'NOT met'}")
    print(
        json.dumps(
            {
                "node_evaluations_per_s": round(rate),
                "target_per_s": TARGET_PER_S,
                "tree_nodes": nodes,
                "evaluations": args.evaluations,
                "us_per_tree_evaluation": round(best / args.evaluations * 1e6, 2),
                "node_evaluations_per_s_reports_kept": round(kept_rate),
                "parse_ms": round(parse_ms, 3),
                "big_tree_node_evaluations_per_s": round(big_nodes / big_best),
                "targets_met": met,
            }
        )
    )
    sys.exit(0 if met else 3)


if __name__ == "__main__":
    main()
