"""Rule engine throughput: samples judged per second for one task over 1,000 hosts.

Each host has one hour of 15 s samples (240 evaluated) plus the history the rule asks for,
with Prometheus values ("12.5", occasionally "NaN"). The measured path is the executor's own
from the data center's reply as it arrives: the bytes of a packed `/data/data/get` reply (KPI
samples as base64 float64 columns; made by the data center's own code, `collect_kpis`, from a
stand-in Prometheus's bytes, and encoded as the route does) are decoded as the service client
decodes them (`jsonio.decode_bulk`), matched to the task's hosts, laid out as columns, evaluated
and turned into result documents (`reply.judge`, what `check_rule` runs after its fetch). The
same is printed for the plain columnar form (number arrays). Also printed: the same from ready
arrays (columns already built: evaluation and the hits as arrays), the time of each stage, the
data center's CPU to make each reply, and the 21.09 way for comparison (the pair-form reply
decoded, one Series per host, evaluate_batch, findings). Rates are per CPU second of
the measuring thread (best of R runs), which the machine's other load disturbs far less than
wall time; the wall time is printed beside. The last line is a JSON object with the rates,
the targets and whether they were met (exit status 0 when met, 3 when not).

Run: .venv/bin/python bench/bench_rule_engine.py [--hosts N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, also when not installed

import numpy as np
import requests

from aops_database.services.data import Collected
from aops_database.services.data import Prometheus
from aops_database.services.data import collect_kpis
from aops_utils import jsonio
from aops_utils.contracts.checks import TaskHost
from aops_utils.packed import PackedSamples
from aops_utils.rules.layout import Layout
from aops_utils.rules.plugins import Series
from aops_utils.rules.plugins import load_registry
from aops_utils.rules.reply import judge

SAMPLES = 240
PERIOD = 15.0
TASK_START = 1_700_000_000
TASK_END = TASK_START + int(SAMPLES * PERIOD)
KPI = {"name": "metric", "type": "kpi", "label": {}}
OTHER = {"name": "other_metric", "type": "kpi", "label": {}}
FORMS = ("packed", "columnar", "pairs")
RULES = {
    "threshold": ("$0 > 90", [KPI], 10_000_000),
    "count_and_aligned": ("$0.count(5m, 90, '>') > 3 && $1 < 10", [KPI, OTHER], 4_000_000),
    "abschange": ("abschange(#4) > 1000", [KPI], 10_000_000),
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


class _Prometheus(Prometheus):
    """Prometheus answering the data center's one query per item for all hosts, with the bytes
    of its JSON (the data center's decode of them is part of what it costs to make a reply)."""

    def __init__(
        self, raw: list[dict[str, list[list[Any]]]], data_list: list[dict[str, Any]], ips: list[str]
    ):
        super().__init__("http://prometheus.invalid", timeout=1.0)
        self.answers = {}
        for index, item in enumerate(data_list):
            result = [
                {
                    "metric": {"__name__": item["name"], "instance": f"{ip}:9100"},
                    "values": series[f"${index}"],
                }
                for ip, series in zip(ips, raw, strict=True)
            ]
            body = {"status": "success", "data": {"resultType": "matrix", "result": result}}
            self.answers[item["name"]] = jsonio.encode(body)

    def _answer(self, query: str, start: int, end: int) -> requests.Response:
        reply = requests.Response()
        reply.status_code = 200
        reply.headers["content-type"] = "application/json"
        reply._content = self.answers[query.split("{", 1)[0]]
        return reply


def _reply(prometheus: _Prometheus, data_list: list[dict[str, Any]], ips: list[str], form: str) -> bytes:
    """The data center's answer for these hosts in one form, made by its own code (collect_kpis)
    and encoded as its route does."""
    wanted = {(item["name"], "{}"): ips for item in data_list}
    out = Collected(packed=PackedSamples() if form == "packed" else None)
    collect_kpis(prometheus, TASK_START, TASK_END, wanted, out, columnar=form != "pairs")  # type: ignore[arg-type]
    payload: dict[str, Any] = {"succeed_list": out.succeeded, "fail_list": out.failed}
    if out.packed is not None:
        payload["packed"] = out.packed.payload()
    return jsonio.encode({"code": 200, "msg": "operation succeed", **payload})


def _best(run: Callable[[], int], repeat: int) -> tuple[float, float, int]:
    """(best CPU seconds of this thread, best wall seconds, what the run returned)."""
    cpu, wall, found = [], [], 0
    for _ in range(repeat):
        begin, begin_cpu = time.perf_counter(), time.thread_time()
        found = run()
        cpu.append(time.thread_time() - begin_cpu)
        wall.append(time.perf_counter() - begin)
    return min(cpu), min(wall), found


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--hosts", type=int, default=1000)
    options.add_argument("--repeat", type=int, default=9)
    args = options.parse_args()
    registry = load_registry()
    rng = random.Random(20211)
    evaluated = args.hosts * SAMPLES
    hosts = [
        TaskHost(host_id=f"{i:032x}", public_ip=f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}")
        for i in range(args.hosts)
    ]
    ips = [host.public_ip for host in hosts]
    figures: dict[str, dict[str, Any]] = {}
    load = os.getloadavg()
    print(f"{args.hosts} hosts x {SAMPLES} evaluated samples at {PERIOD:.0f} s; best of {args.repeat}")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    for label, (condition, data_list, target) in RULES.items():
        rule = registry.compile(plugin="", condition=condition, data_list=data_list)
        history = -(-rule.history_seconds(int(PERIOD)) // int(PERIOD))  # samples of history, rounded up
        prometheus = _Prometheus([_pairs(label, rng, history) for _ in range(args.hosts)], data_list, ips)
        bodies = {form: _reply(prometheus, data_list, ips, form) for form in FORMS}
        base = {
            "check_item": label,
            "data_list": data_list,
            "condition": condition,
            "plugin": "",
            "description": "",
        }
        layout = Layout(jsonio.decode_bulk(bodies["packed"]), data_list, set(ips))
        for host in hosts:
            layout.add(host.host_id, host.public_ip)
        columns = layout.columns()

        def from_bytes(
            body: bytes, rule: Any = rule, base: dict[str, Any] = base, data_list: Any = data_list
        ) -> int:
            reply = jsonio.decode_bulk(body)
            return len(judge(reply, data_list, base, rule, hosts, start=TASK_START, end=TASK_END))

        def from_arrays(rule: Any = rule, columns: Any = columns) -> int:
            evaluation = rule.evaluate_columns(columns, float(TASK_START))
            hits = np.flatnonzero(evaluation.abnormal | evaluation.errors)
            return int((evaluation.timestamps[hits] <= TASK_END).sum())

        def decode_only(body: bytes) -> int:
            return len(jsonio.decode_bulk(body)["succeed_list"])

        def columns_only(body: bytes, data_list: Any = data_list) -> int:
            layout = Layout(jsonio.decode_bulk(body), data_list, set(ips))  # the decode is subtracted
            for host in hosts:
                layout.add(host.host_id, host.public_ip)
            return layout.columns().size

        def made(form: str, prometheus: _Prometheus = prometheus, data_list: Any = data_list) -> int:
            return len(_reply(prometheus, data_list, ips, form))

        def the_2109_way(rule: Any = rule, body: bytes = bodies["pairs"], data_list: Any = data_list) -> int:
            reply = jsonio.decode_bulk(body)
            by_ip: dict[str, dict[str, Series]] = {}
            for entry in reply["succeed_list"]:
                index = next(i for i, item in enumerate(data_list) if item["name"] == entry["name"])
                by_ip.setdefault(entry["host_id"], {})[f"${index}"] = Series.from_pairs(entry["values"])
            vectors = [by_ip[h.public_ip] for h in hosts]
            return sum(
                1 for _, f in rule.evaluate_batch(vectors, TASK_START).findings() if f.timestamp <= TASK_END
            )

        repeat = args.repeat
        arrays_cpu, arrays_wall, hits = _best(from_arrays, repeat)
        old_cpu, old_wall, old_found = _best(the_2109_way, max(2, repeat // 3))
        figure: dict[str, Any] = {"documents": hits, "target_per_s": target, "ms": {}}
        print(f"\n{label}: {condition!r} (history {history} samples, {hits} result documents)")
        for form in ("packed", "columnar"):
            body = bodies[form]
            cpu, wall, documents = _best(partial(from_bytes, body), repeat)
            assert documents == hits == old_found, (form, documents, hits, old_found)
            decode_cpu, _, _ = _best(partial(decode_only, body), repeat)
            columns_cpu = _best(partial(columns_only, body), repeat)[0] - decode_cpu
            made_cpu, _, _ = _best(partial(made, form), max(2, repeat // 3))
            rate = evaluated / cpu
            figure[f"{form}_per_s"] = round(rate)
            figure[f"{form}_reply_bytes"] = len(body)
            figure["ms"][form] = {
                "from_reply": round(cpu * 1e3, 2),
                "from_reply_wall": round(wall * 1e3, 2),
                "decode": round(decode_cpu * 1e3, 2),
                "columns": round(columns_cpu * 1e3, 2),
                "data_center_makes": round(made_cpu * 1e3, 2),
            }
            verdict = (
                f"   target {target:,}: {'met' if rate >= target else 'NOT met'}" if form == "packed" else ""
            )
            print(
                f"  {form} form, reply {len(body) / 1e6:.1f} MB"
                f" (the data center makes it in {made_cpu * 1e3:.1f} ms CPU)"
            )
            print(
                f"    from the reply bytes {cpu * 1e3:7.1f} ms CPU ({wall * 1e3:.1f} ms wall)"
                f" -> {rate:12,.0f} /s{verdict}"
            )
            print(
                f"      of which decode {decode_cpu * 1e3:.1f} ms,"
                f" matching and columns {columns_cpu * 1e3:.1f} ms,"
                f" evaluation and hits {arrays_cpu * 1e3:.1f} ms, documents the rest"
            )
        figure["from_reply_per_s"] = figure["packed_per_s"]
        figure["from_arrays_per_s"] = round(evaluated / arrays_cpu)
        figure["pair_form_per_s"] = round(evaluated / old_cpu)
        figure["ms"]["evaluate"] = round(arrays_cpu * 1e3, 2)
        figure["ms"]["pair_form"] = round(old_cpu * 1e3, 2)
        figure["pair_reply_bytes"] = len(bodies["pairs"])
        figures[label] = figure
        print(f"  pair form, reply {len(bodies['pairs']) / 1e6:.1f} MB")
        for name, (seconds, wall_seconds) in {
            "from ready arrays": (arrays_cpu, arrays_wall),
            "21.09 pair form": (old_cpu, old_wall),
        }.items():
            speed = f"{evaluated / seconds:12,.0f} /s"
            print(f"  {name:21} {seconds * 1e3:7.1f} ms CPU ({wall_seconds * 1e3:.1f} ms wall) -> {speed}")
    met = all(f["from_reply_per_s"] >= f["target_per_s"] for f in figures.values())
    print(json.dumps({"rules": figures, "load_average": [round(x, 2) for x in load], "targets_met": met}))
    sys.exit(0 if met else 3)


if __name__ == "__main__":
    main()
