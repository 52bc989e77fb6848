"""Diagnosis throughput: 1,000 hosts x 1 tree of 30 nodes x 6 slices, check results already stored.

Starts MariaDB + ES-API stores, the data center and manager (uWSGI), a private Tansu broker, the
diag scheduler (`adoctor-diag-scheduler serve`, uWSGI) and diag executor process(es) (`adoctor-
diag-executor start`, shipped consumers=2 and max_records=500). Adds 1,000 hosts through the
manager and 17 check rules through the data center, imports the 30-node tree of
bench_tree_eval.py (19 leaves over the 17 rules) through the diag scheduler, and stores
synthetic check results for every host and slice (most rules silent, some abnormal, some "No
data" / "Internal error") in bulk through the data center, with the coverage records check
executors write for those windows (one per 60 s window and 200 hosts, naming each rule's
version and the hosts that failed), so the executors only read stored results (no rule is
evaluated on demand).

Timed: from POST /diag/execute (6,000 messages) until /diag/progress/get says finished. Then
every report's root value is compared with the tree evaluated locally on the same results.
**Target: < 20 s.** With `--py-spy DIR` the executor(s) and data center workers are sampled
during the timed run and their top functions printed.

Run: .venv/bin/python bench/bench_diagnosis.py [--hosts N] [--slices S] [--executor-processes P]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench_tree_eval import RULES
from bench_tree_eval import tree_json
from support import report
from support.client import Client
from support.client import data_center_client
from support.client import fleet
from support.conf import service_env
from support.env import VENV_BIN
from support.env import free_port
from support.env import load_average
from support.pipeline import _bus_sections
from support.pipeline import private_tansu
from support.procs import cpu_seconds
from support.procs import pids_named
from support.procs import process_tree
from support.services import aops_stack
from support.services import service_errors

from adoctor_check_scheduler.jobs import HOSTS_PER_TASK
from adoctor_diag_executor.settings import DiagExecutorIni
from aops_utils import conf
from aops_utils.auth import TokenCodec
from aops_utils.auth import load_secret
from aops_utils.clients import ServiceClient
from aops_utils.data_center import DataCenter
from aops_utils.rules.evaluation import rule_version
from aops_utils.trees import LeafEvidence
from aops_utils.trees import parse_tree

SHIPPED = conf.load(DiagExecutorIni, "diag_executor.ini", Path(__file__).parent.parent / "conf")
TARGET_S = 20.0
SLICE_S = 60
RESULTS_PER_CALL = 20_000


def rule_bodies() -> list[dict[str, Any]]:
    return [
        {
            "check_item": name,
            "data_list": [{"name": "node_load1", "type": "kpi"}],
            "condition": "$0 > 4",
            "description": "synthetic",
            "plugin": "",
        }
        for name in RULES
    ]


def synthetic_results(rng: random.Random, host_id: str, start: int) -> list[dict[str, Any]]:
    """The stored results of one host and slice (normal results are not stored)."""
    rows: list[dict[str, Any]] = []
    base = {"host_id": host_id, "data_list": [{"name": "node_load1", "type": "kpi"}], "condition": "$0 > 4"}
    for rule in RULES:
        draw = rng.random()
        if draw < 0.15:
            for k in range(rng.randint(1, 4)):
                at = start + 5 + 15 * k
                rows.append(base | {"check_item": rule, "start": at, "end": at, "value": "Abnormal"})
        elif draw < 0.20:
            rows.append(
                base
                | {"check_item": rule, "start": start + 1, "end": start + SLICE_S - 1, "value": "No data"}
            )
        elif draw < 0.22:
            at = start + 30
            rows.append(
                base | {"check_item": rule, "start": at, "end": at, "value": "Internal error", "reason": "x"}
            )
    return rows


def coverage_records(
    hosts: list[str], slices: range, failed: dict[tuple[int, str], set[str]]
) -> list[dict[str, Any]]:
    """What check executors record for these windows: one record per window and task of 200
    hosts, every rule in its stored version, the hosts whose evaluation failed by rule."""
    version = rule_version("$0 > 4", [{"name": "node_load1", "type": "kpi"}], "")
    records = []
    for start in slices:
        for offset in range(0, len(hosts), HOSTS_PER_TASK):
            chunk = hosts[offset : offset + HOSTS_PER_TASK]
            rules = [
                {"check_item": rule, "version": version, "failed": sorted(failed[(start, rule)] & set(chunk))}
                for rule in RULES
            ]
            records.append({"time_range": [start, start + SLICE_S], "host_list": chunk, "rules": rules})
    return records


def expected_value(tree: Any, rows: list[dict[str, Any]]) -> Any:
    by_item: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_item.setdefault(row["check_item"], []).append(row)
    evidence = {
        item: LeafEvidence.from_results(by_item.get(item, []), checked=True) for item in tree.check_items
    }
    return tree.evaluate(evidence)["value"]


def start_py_spy(pids: dict[int, str], out_dir: Path) -> list[tuple[str, Path, subprocess.Popen[bytes]]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    running = []
    for pid, role in pids.items():
        path = out_dir / f"{role.replace(' ', '_')}_{pid}.txt"
        argv = [
            str(VENV_BIN / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--rate",
            "200",
            "--output",
            str(path),
            "--nonblocking",
        ]
        running.append(
            (role, path, subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        )
    return running


def stop_py_spy(running: list[tuple[str, Path, subprocess.Popen[bytes]]], top: int = 12) -> dict[str, Any]:
    """Stop the samplers; per role, the functions holding the most samples (self and total)."""
    found: dict[str, Any] = {}
    for role, path, proc in running:
        proc.send_signal(2)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        own: Counter[str] = Counter()
        total: Counter[str] = Counter()
        samples = 0
        with contextlib.suppress(OSError):
            for line in path.read_text(errors="replace").splitlines():
                stack, _, count = line.rpartition(" ")
                if not count.isdigit():
                    continue
                n = int(count)
                samples += n
                frames = [f.split(" (")[0] for f in stack.split(";") if f]
                if frames:
                    own[frames[-1]] += n
                for frame in set(frames):
                    total[frame] += n
        entry = found.setdefault(role, {"samples": 0, "self": Counter(), "total": Counter()})
        entry["samples"] += samples
        entry["self"].update(own)
        entry["total"].update(total)
    return {
        role: {
            "samples": e["samples"],
            "self_pct": {k: round(100 * v / max(e["samples"], 1), 1) for k, v in e["self"].most_common(top)},
            "total_pct": {
                k: round(100 * v / max(e["samples"], 1), 1) for k, v in e["total"].most_common(top)
            },
        }
        for role, e in found.items()
    }


def stage_probe(
    dc: ServiceClient, hosts: list[str], t0: int, items: list[str], task_id: str
) -> dict[str, Any]:
    """The three data center calls a diag executor makes per message, timed one by one (as admin)."""
    times: dict[str, list[float]] = {"check/result/get": [], "check/coverage/get": [], "diag/report/save": []}
    for k, host in enumerate(hosts[:20]):
        calls = [
            (
                "check/result/get",
                {"time_range": [t0, t0 + SLICE_S], "check_items": items, "host_list": [host]},
            ),
            (
                "check/coverage/get",
                {"time_range": [t0, t0 + SLICE_S], "check_items": items, "host_list": [host]},
            ),
            (
                "diag/report/save",
                {
                    "reports": [
                        {
                            "report_id": f"{k:032x}",
                            "task_id": task_id,
                            "host_id": host,
                            "tree_name": "probe",
                            "start": 0,
                            "end": 1,
                            "report": {"node name": "x", "value": None},
                        }
                    ]
                },
            ),
        ]
        for name, body in calls:
            began = time.perf_counter()
            dc.post(f"/data/{name}", body, acting_user="admin")
            times[name].append((time.perf_counter() - began) * 1e3)
    return {name: [round(statistics.median(v), 1), round(max(v), 1)] for name, v in times.items()}


def run() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--slices", type=int, default=6)
    parser.add_argument("--executor-processes", type=int, default=1, help="diag executors (2 consumers each)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for the reports")
    parser.add_argument(
        "--unchecked",
        action="store_true",
        help="store no coverage records: every silent leaf is evaluated on demand (no target)",
    )
    parser.add_argument(
        "--py-spy", type=Path, metavar="DIR", help="sample executors and data center into DIR"
    )
    args = parser.parse_args()
    rng = random.Random(2109)
    report.say(f"diagnosis benchmark: {args.hosts} hosts x 1 tree x {args.slices} slices of {SLICE_S} s")
    report.say(f"  load average {load_average()} on {os.cpu_count()} cores")

    with contextlib.ExitStack() as resources:
        # Unchecked, the leaves are evaluated on the test Prometheus (the hosts' made-up addresses
        # have no series there: "No data"), not on an unreachable shipped default.
        prometheus = os.environ.get("AOPS_TEST_PROMETHEUS_URL", "") if args.unchecked else ""
        stack = resources.enter_context(aops_stack("mysql", "elasticsearch", prometheus_url=prometheus))
        conf_dir = stack.conf.conf_dir
        env = service_env(conf_dir)
        kafka, tansu = resources.enter_context(private_tansu(env, conf_dir / "log"))
        port = free_port()
        (conf_dir / "diag_scheduler.ini").write_text(
            _bus_sections(kafka)
            + f"[diag_scheduler]\nip=127.0.0.1\nport={port}\n[uwsgi]\nprocesses=1\nthreads=8\n"
        )
        (conf_dir / "diag_executor.ini").write_text(
            _bus_sections(kafka, max_records=SHIPPED.consumer.max_records) + "[executor]\nconsumers=2\n"
        )
        scheduler = stack.serve("diag_scheduler", "adoctor-diag-scheduler", env, port)
        executors = [
            stack.start(f"diag_executor_{k}", [str(VENV_BIN / "adoctor-diag-executor"), "start"], env)
            for k in range(args.executor_processes)
        ]
        report.say(f"  {stack.describe()}; private Tansu {kafka}")
        report.say(
            f"  diag scheduler (uWSGI) {scheduler.url}; {len(executors)} executor process(es), consumers=2"
        )

        client = Client(stack.manager_url)
        client.login()
        client.add_group("fleet")
        began = time.perf_counter()
        hosts: list[str] = []
        for start in range(0, args.hosts, 2000):
            count = min(2000, args.hosts - start)
            hosts += client.add_hosts(fleet(start + 1, count, "fleet", start // 2000))["host_list"]
        if len(hosts) != args.hosts:
            raise RuntimeError(f"{len(hosts)} of {args.hosts} hosts added")
        dc = data_center_client(stack.conf.conf_dir, stack.conf.database_url, client.token)
        dc.ok("/data/check/rule/add", {"check_items": rule_bodies()})
        diag = Client(scheduler.url)
        diag.token = client.token
        reply = diag.ok(
            "/diag/tree/import", {"trees": [{"tree_name": "restart", "tree_content": tree_json()}]}
        )
        if reply["succeed_list"] != ["restart"]:
            raise RuntimeError(f"tree import: {json.dumps(reply)[:500]}")
        tree = parse_tree(tree_json())
        report.say(
            f"  {args.hosts} hosts, {len(RULES)} rules and a {len(tree)}-node tree stored "
            f"in {time.perf_counter() - began:.1f} s"
        )

        t0 = (int(time.time()) - 7200) // SLICE_S * SLICE_S
        t1 = t0 + args.slices * SLICE_S
        began = time.perf_counter()
        expected: dict[tuple[str, int], Any] = {}
        pending: list[dict[str, Any]] = []
        failed: dict[tuple[int, str], set[str]] = {
            (s, rule): set() for s in range(t0, t1, SLICE_S) for rule in RULES
        }
        stored = 0
        for host in hosts:
            for s in range(t0, t1, SLICE_S):
                rows = synthetic_results(rng, host, s)
                expected[(host, s)] = expected_value(tree, rows)
                for row in rows:
                    if row["value"] != "Abnormal":
                        failed[(s, row["check_item"])].add(host)
                pending += rows
                if len(pending) >= RESULTS_PER_CALL:
                    stored += dc.ok("/data/check/result/save", {"check_results": pending})["saved"]
                    pending = []
        if pending:
            stored += dc.ok("/data/check/result/save", {"check_results": pending})["saved"]
        codec = TokenCodec(load_secret(conf_dir / "secret.key"))
        service = DataCenter(stack.conf.database_url, codec, "adoctor-check-scheduler")
        records = [] if args.unchecked else coverage_records(hosts, range(t0, t1, SLICE_S), failed)
        if args.unchecked:
            coverage = "no coverage: silent leaves are evaluated on demand on Prometheus"
        else:
            service.post("/data/check/coverage/save", {"coverage": records}, acting_user="admin")
            coverage = f"{len(records)} coverage records over [{t0}, {t1}]"
        values = Counter(str(v) for v in expected.values())
        report.say(
            f"  {stored} check results stored in {time.perf_counter() - began:.1f} s; "
            f"{coverage}; expected root values {dict(values)}"
        )

        spies: list[tuple[str, Path, subprocess.Popen[bytes]]] = []
        if args.py_spy:
            pids = {pid: "diag executor" for e in executors for pid in process_tree(e.pid)}
            pids.update({pid: "data center" for pid in process_tree(stack.database.pid)[1:]})
            spies = start_py_spy(pids, args.py_spy)
            time.sleep(1)
        roles = {
            "diag executor": [pid for e in executors for pid in process_tree(e.pid)],
            "diag scheduler": process_tree(scheduler.pid),
            "data center": process_tree(stack.database.pid),
            "broker": process_tree(tansu.pid),
            "document store": pids_named("osmem-server", "java"),
            "mariadb": pids_named("mariadbd", "mysqld"),
        }
        cpu_before = {role: sum(map(cpu_seconds, pids)) for role, pids in roles.items()}
        load_before = load_average()
        polls: list[tuple[float, int]] = []
        began = time.perf_counter()
        task = diag.ok(
            "/diag/execute",
            {"host_list": hosts, "time_range": [t0, t1], "tree_list": ["restart"], "interval": SLICE_S},
        )
        execute_s = time.perf_counter() - began
        task_id, wanted = task["task_id"], task["expected_report_num"]
        if wanted != args.hosts * args.slices:
            raise RuntimeError(f"expected_report_num {wanted}, not {args.hosts * args.slices}")
        done = 0
        while True:
            row = diag.ok("/diag/progress/get", {"task_list": [task_id]})["result"][0]
            elapsed = time.perf_counter() - began
            done = row["progress"]
            polls.append((round(elapsed, 2), done))
            if row["finished"] or elapsed > args.timeout:
                break
            time.sleep(0.2)
        total_s = time.perf_counter() - began
        cpu = {role: round(sum(map(cpu_seconds, pids)) - cpu_before[role], 1) for role, pids in roles.items()}
        profile = stop_py_spy(spies) if spies else {}
        finished = bool(row["finished"])
        report.say(
            f"  {'all' if finished else 'ONLY'} {done} of {wanted} reports in {total_s:.2f} s "
            f"(/diag/execute answered in {execute_s:.2f} s): {done / total_s:.0f} reports/s"
        )
        report.say(f"  progress: {polls[:: max(1, len(polls) // 12)]}")
        report.say(f"  CPU seconds used meanwhile, by role: {cpu}")
        for role, figures in profile.items():
            report.say(f"  py-spy {role} ({figures['samples']} samples), self %: {figures['self_pct']}")
            report.say(f"    total %: {figures['total_pct']}")

        began = time.perf_counter()
        mismatched, seen = 0, 0
        page = 1
        while True:
            listed = diag.ok("/diag/report/get_list", {"task_id": task_id, "page": page, "per_page": 50})
            for item in listed["result"]:
                seen += 1
                # Unchecked, a silent leaf is evaluated (No data here), not normal: no comparison.
                wrong = item["value"] != expected.get((item["host_id"], item["start"]), "missing")
                mismatched += wrong and not args.unchecked
            if page >= listed["total_page"]:
                break
            page += 1
        report.say(
            f"  {seen} reports listed, {mismatched} root values differ from a local evaluation "
            f"({time.perf_counter() - began:.1f} s)"
        )
        stages = stage_probe(service, hosts, t0, sorted(tree.check_items), task_id)
        report.say(f"  one message's data center calls, sequential, ms p50 (max) of 20: {stages}")
        errors = service_errors(stack)
        for line in errors[:10]:
            report.say(f"  service log: {line}")
        met = finished and total_s < TARGET_S and seen == wanted and mismatched == 0 and not args.unchecked
        return {
            "bench": "diagnosis",
            "mode": "unchecked (on demand, no target)" if args.unchecked else "checked",
            "hosts": args.hosts,
            "slices": args.slices,
            "tree_nodes": len(tree),
            "rules": len(RULES),
            "reports": done,
            "expected_reports": wanted,
            "check_results_stored": stored,
            "coverage_records": len(records),
            "executor_processes": args.executor_processes,
            "execute_call_s": round(execute_s, 3),
            "total_s": round(total_s, 3),
            "reports_per_s": round(done / total_s, 1),
            "reports_checked": seen,
            "mismatched": mismatched,
            "service_errors": len(errors),
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "target_s": TARGET_S,
            "stage_ms": stages,
            "cpu_s": cpu,
            "profile": profile,
            "tansu_pid": tansu.pid,
            "targets_met": met,
        }


if __name__ == "__main__":
    report.main_guard(run)
