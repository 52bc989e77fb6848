"""Check pipeline: 1,000 hosts x 20 rules, one 60 s forward window, publication to every result stored.

Real servers throughout: a private Prometheus (Debian's binary, scraping a synthetic exporter
every 2 s; with `honor_labels` its one target presents 1,000 instances), a private Tansu broker,
MariaDB + the ES-API server behind the data center and manager under uWSGI (as shipped), the
check scheduler under uWSGI (as shipped, its own schedule off) and the check executor as shipped
(one process, do_check_consumer_num=2; `--executor-processes 2` for two).

1,000 hosts are added through the manager with the exporter's instance addresses; 20 rules are
imported through the check scheduler. Once Prometheus holds the window and the history the rules
need (about 80 s of scraping, overlapped with the set-up), the benchmark sets the stored forward
position to T - 60 and calls CheckSchedule.forward() with the clock at T, T being 3 s in the
past so that every scrape up to T is in Prometheus. The clock runs from that call until the
data center reports the expected number of results. The synthetic values are constant per
instance (counters grow at a constant rate), so which series are abnormal is known; the number
of samples of each in [T - 60, T] is read from Prometheus (count_over_time at T).
Target: < 15 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import statistics
import subprocess
import time
from collections import Counter
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from support import report
from support.client import Client
from support.client import fleet
from support.conf import service_env
from support.env import BENCH_DIR
from support.env import PYTHON
from support.env import free_port
from support.env import load_average
from support.env import short_path
from support.pipeline import executor_ini
from support.pipeline import private_prometheus
from support.pipeline import private_tansu
from support.pipeline import prometheus_query
from support.pipeline import scheduler_ini
from support.pipeline import synthetic_exporter
from support.procs import Service
from support.procs import cpu_seconds
from support.procs import pids_named
from support.procs import process_tree
from support.procs import py_spy
from support.services import Stack
from support.services import aops_stack
from support.services import service_errors
from support.stats import CpuMeter
from support.stats import uwsgi_roles

from adoctor_check_scheduler.jobs import FORWARD
from adoctor_check_scheduler.jobs import HOSTS_PER_TASK
from adoctor_check_scheduler.jobs import CheckSchedule
from adoctor_check_scheduler.settings import SchedulerSection
from adoctor_check_scheduler.settings import load as load_scheduler_settings
from aops_database.services.data import Prometheus
from aops_database.services.data import selector
from aops_utils.auth import TokenCodec
from aops_utils.auth import load_secret
from aops_utils.bus.settings import bus_from
from aops_utils.contracts.topics import Topic
from aops_utils.data_center import DataCenter

HOSTS = 1_000
SCRAPE_S = 2  # scrape interval = the executor's sample_period
WINDOW_S = 60
LAG_S = 3  # the window ends this far in the past: every scrape up to its end is stored
HISTORY_S = 14  # data needed before the window: #5 at 2 s (+1 s slack) and a scrape to spare
EVERY = 50  # instance i is abnormal for a class when i % EVERY is in the class's set
TARGET_S = 15.0
SAVE_PROBE = 2_760  # results of one task of this benchmark (13,800 / 5)
USER = "admin"

# Abnormal classes (i % EVERY): constant values per instance make the verdicts known in advance.
CPU, MEM, AVAIL, ROOT_FS, DATA, LOAD, TEMP, NET, ERRS = {1, 10}, {2}, {3}, {4}, {5}, {6, 10}, {7}, {8}, {9}


def kind(i: int) -> int:
    return i % EVERY


def gpu_exported(i: int) -> bool:
    return i % 10 == 0


class Synthetic:
    """The exporter's text: 10 series per instance (11 for every tenth), job="node"."""

    def __init__(self, ips: list[str]) -> None:
        self.ips = ips
        self.started = time.time()
        self.labels = [f'instance="{ip}:9100",job="node"' for ip in ips]
        self.gauges = self._gauges().encode()

    def _family(self, name: str, kind_: str, rows: list[str]) -> list[str]:
        return [f"# TYPE {name} {kind_}", *rows]

    def _series(self, name: str, kind_: str, value: Callable[[int], object], extra: str = "") -> list[str]:
        """One sample of `name` per instance, `value(i)` for the i-th, `extra` labels after job."""
        rows = [f"{name}{{{lab}{extra}}} {value(i)}" for i, lab in enumerate(self.labels)]
        return self._family(name, kind_, rows)

    def _gauges(self) -> str:
        n = range(len(self.ips))
        lab = self.labels
        lines: list[str] = []
        lines += self._series(
            "bench_cpu_usage_percent", "gauge", lambda i: 95 if kind(i) in CPU else 30 + i % 40
        )
        lines += self._series("bench_memory_usage_percent", "gauge", lambda i: 97 if kind(i) in MEM else 55)
        lines += self._series(
            "bench_memory_available_bytes", "gauge", lambda i: f"{8e8 if kind(i) in AVAIL else 8e9:.0f}"
        )
        lines += self._series("bench_memory_total_bytes", "gauge", lambda _i: 16000000000)
        fs = []
        for i in n:
            root = 92 if kind(i) in ROOT_FS else 40
            fs.append(f'bench_filesystem_usage_percent{{{lab[i]},mountpoint="/"}} {root}')
            data = 96 if kind(i) in DATA else 70
            fs.append(f'bench_filesystem_usage_percent{{{lab[i]},mountpoint="/data"}} {data}')
        lines += self._family("bench_filesystem_usage_percent", "gauge", fs)
        lines += self._series("bench_load5", "gauge", lambda i: 12 if kind(i) in LOAD else 1.5)
        lines += self._series("bench_cpu_temp_celsius", "gauge", lambda i: 90 if kind(i) in TEMP else 55)
        lines += self._family(
            "bench_gpu_temp_celsius",
            "gauge",
            [
                f"bench_gpu_temp_celsius{{{lab[i]}}} {95 if i % 100 == 0 else 60}"
                for i in n
                if gpu_exported(i)
            ],
        )
        return "\n".join(lines) + "\n"

    def render(self) -> bytes:
        elapsed = time.time() - self.started
        eth0 = ',device="eth0"'
        rows = self._series(
            "bench_network_receive_bytes_total",
            "counter",
            lambda i: f"{(4000 if kind(i) in NET else 10) * elapsed + i:.3f}",
            eth0,
        )
        rows += self._series(
            "bench_network_receive_errs_total",
            "counter",
            lambda i: f"{(1 if kind(i) in ERRS else 0) * elapsed:.3f}",
            eth0,
        )
        return self.gauges + ("\n".join(rows) + "\n").encode()


def kpi(name: str, **label: str) -> dict[str, Any]:
    return {"name": name, "type": "kpi", "label": label}


@dataclass(frozen=True)
class Rule:
    check_item: str
    condition: str
    data_list: list[dict[str, Any]]
    # The abnormal series: $0's metric, the labels that pick them, and the instances.
    metric: str
    label: dict[str, str] = field(default_factory=dict)
    abnormal: Callable[[int], bool] = lambda _i: False
    no_data: Callable[[int], bool] = lambda _i: False

    def body(self) -> dict[str, Any]:
        return {
            "check_item": self.check_item,
            "data_list": self.data_list,
            "condition": self.condition,
            "description": "bench_check_pipeline",
        }


def _in(classes: set[int]) -> Callable[[int], bool]:
    return lambda i: kind(i) in classes


CPU_M, MEM_M, FS_M = "bench_cpu_usage_percent", "bench_memory_usage_percent", "bench_filesystem_usage_percent"
NET_M, AVAIL_M = "bench_network_receive_bytes_total", "bench_memory_available_bytes"
ROOT_LABEL = {"mountpoint": "/"}
RULES = [
    Rule("cpu_high", "$0 > 90", [kpi(CPU_M)], CPU_M, abnormal=_in(CPU)),
    Rule("cpu_count", "$0.count(30s, 90, '>') >= 1", [kpi(CPU_M)], CPU_M, abnormal=_in(CPU)),
    Rule("cpu_sum", "$0.sum(#5) > 450", [kpi(CPU_M)], CPU_M, abnormal=_in(CPU)),
    Rule("cpu_never", "$0 < 0", [kpi(CPU_M)], CPU_M),
    Rule("mem_high", "$0 > 90", [kpi(MEM_M)], MEM_M, abnormal=_in(MEM)),
    Rule("mem_avg", "$0.avg(30s) > 90", [kpi(MEM_M)], MEM_M, abnormal=_in(MEM)),
    Rule("mem_min", "$0.min(20s) > 90", [kpi(MEM_M)], MEM_M, abnormal=_in(MEM)),
    Rule(
        "mem_available_low",
        "$0 < 0.1 * $1",
        [kpi(AVAIL_M), kpi("bench_memory_total_bytes")],
        AVAIL_M,
        abnormal=_in(AVAIL),
    ),
    Rule("root_fs_full", "$0 > 90", [kpi(FS_M, mountpoint="/")], FS_M, ROOT_LABEL, _in(ROOT_FS)),
    Rule("root_fs_avg", "$0.avg(1m) > 90", [kpi(FS_M, mountpoint="/")], FS_M, ROOT_LABEL, _in(ROOT_FS)),
    Rule(
        "data_fs_full", "$0 > 90", [kpi(FS_M, mountpoint="/data")], FS_M, {"mountpoint": "/data"}, _in(DATA)
    ),
    # No label: both file systems of every host are evaluated, only /data of DATA is abnormal.
    Rule("any_fs_full", "$0 > 95", [kpi(FS_M)], FS_M, {"mountpoint": "/data"}, _in(DATA)),
    Rule("load_high", "$0.count(#3, 8, '>') == 3", [kpi("bench_load5")], "bench_load5", abnormal=_in(LOAD)),
    Rule(
        "cpu_and_load",
        "$0 > 90 && $1 > 8",
        [kpi(CPU_M), kpi("bench_load5")],
        CPU_M,
        abnormal=_in(CPU & LOAD),
    ),
    Rule(
        "temp_high",
        "$0.max(30s) > 85",
        [kpi("bench_cpu_temp_celsius")],
        "bench_cpu_temp_celsius",
        abnormal=_in(TEMP),
    ),
    Rule("net_burst", "abschange(#4) > 1000", [kpi(NET_M)], NET_M, abnormal=_in(NET)),
    Rule("net_rate", "change(#2) / 4 > 1000", [kpi(NET_M, device="eth0")], NET_M, abnormal=_in(NET)),
    Rule("net_never", "$0 > 1e12", [kpi(NET_M)], NET_M),
    Rule(
        "net_errors",
        "change(#1) > 0",
        [kpi("bench_network_receive_errs_total")],
        "bench_network_receive_errs_total",
        abnormal=_in(ERRS),
    ),
    # Only every tenth host has a GPU: the others record "No data" (and ask for a retry).
    Rule(
        "gpu_hot",
        "$0 > 85",
        [kpi("bench_gpu_temp_celsius")],
        "bench_gpu_temp_celsius",
        abnormal=lambda i: i % 100 == 0,
        no_data=lambda i: not gpu_exported(i),
    ),
]


def expected_results(prom_url: str, ips: list[str], end: int) -> dict[str, dict[str, int]]:
    """Per rule, the results the window [end - 60, end] must record, from Prometheus' samples."""
    counts: dict[str, dict[str, list[tuple[dict[str, str], int]]]] = {}
    for metric in sorted({r.metric for r in RULES}):
        per_ip: dict[str, list[tuple[dict[str, str], int]]] = defaultdict(list)
        for row in prometheus_query(prom_url, f"count_over_time({metric}[{WINDOW_S}s])", at=end):
            labels = row["metric"]
            ip = labels.get("instance", "").rsplit(":", 1)[0]
            rest = {k: v for k, v in labels.items() if k not in ("instance", "job", "__name__")}
            per_ip[ip].append((rest, int(float(row["value"][1]))))
        counts[metric] = per_ip
    expected = {}
    for rule in RULES:
        abnormal = 0
        for i, ip in enumerate(ips):
            if rule.abnormal(i):
                abnormal += sum(
                    n
                    for labels, n in counts[rule.metric].get(ip, [])
                    if all(labels.get(k) == v for k, v in rule.label.items())
                )
        no_data = sum(1 for i in range(len(ips)) if rule.no_data(i))
        expected[rule.check_item] = {"Abnormal": abnormal, "No data": no_data}
    return expected


def wait_for_history(prom_url: str, ips: list[str], deadline_s: float) -> float:
    """Wait until Prometheus has every instance and the window plus history; returns seconds."""
    started = time.monotonic()
    first_ts = None
    while True:
        now = time.time()
        if first_ts is None:
            rows = prometheus_query(prom_url, f'{CPU_M}{{instance="{ips[0]}:9100"}}[10m]')
            if rows and rows[0]["values"]:
                first_ts = float(rows[0]["values"][0][0])
                report.say(
                    f"  Prometheus' first sample at {time.strftime('%H:%M:%S', time.localtime(first_ts))}"
                )
        if first_ts is not None and int(now) - LAG_S - WINDOW_S - HISTORY_S >= first_ts:
            present = prometheus_query(prom_url, f"count({CPU_M})")
            if present and int(float(present[0]["value"][1])) == len(ips):
                return time.monotonic() - started
        if time.monotonic() - started > deadline_s:
            raise RuntimeError(f"Prometheus did not gather {WINDOW_S + HISTORY_S} s of samples in time")
        time.sleep(0.5)


def read_probes(paths: list[Path]) -> list[dict[str, Any]]:
    found = []
    for path in paths:
        with contextlib.suppress(OSError, ValueError):
            found.append(json.loads(path.read_text()))
    return found


def tasks_handled(paths: list[Path]) -> int:
    return sum(len(probe["tasks"]) for probe in read_probes(paths))


def stage_table(probes: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    stages: dict[str, dict[str, float]] = defaultdict(lambda: {"wall_s": 0.0, "cpu_s": 0.0, "calls": 0})
    for probe in probes:
        for name, entry in probe["stages"].items():
            for key in ("wall_s", "cpu_s", "calls"):
                stages[name][key] += entry[key]
    if "check_rule" in stages:
        inner = {
            key: stages["check_rule"][key] - stages["fetch"][key] - stages["evaluate"][key]
            for key in ("wall_s", "cpu_s")
        }
        stages["match+records"] = {**inner, "calls": stages["check_rule"]["calls"]}
    return {k: {kk: round(vv, 3) for kk, vv in v.items()} for k, v in stages.items()}


def stored(dc: DataCenter, **filters: Any) -> int:
    reply = dc.post("/data/check/result/get", {"page": 1, "per_page": 1, **filters}, acting_user=USER)
    return int(reply["total_count"])


def cpu_roles(
    stack: Stack, scheduler: Service, executors: list[Service], others: dict[int, str]
) -> dict[int, str]:
    named = {**uwsgi_roles("data center", stack.database), **uwsgi_roles("manager", stack.manager)}
    named.update(uwsgi_roles("check scheduler", scheduler))
    for service in executors:
        named.update({pid: "check executor" for pid in process_tree(service.pid)})
    named.update(others)
    named.update({pid: "MariaDB" for pid in pids_named("mariadbd", "mysqld")})
    named.update({pid: "ES-API server" for pid in pids_named("osmem-server")})
    named[os.getpid()] = "this benchmark (exporter, polling)"
    return named


def diagnostics(
    prom_url: str, dc: DataCenter, ips: list[str], end: int, save_pids: dict[int, str]
) -> dict[str, Any]:
    """After the measured run, alone: one rule's fetch for one task (200 hosts) from Prometheus
    and through the data center, one count poll, and one save of a task's worth of results."""
    rule = next(r for r in RULES if r.check_item == "cpu_sum")
    start = end - WINDOW_S - 11
    chunk = ips[:HOSTS_PER_TASK]
    prometheus = Prometheus(prom_url, 30)
    query = selector(rule.metric, {}, chunk)
    prom_ms, dc_ms = [], []
    for _ in range(3):
        began = time.perf_counter()
        prometheus.raw_samples(query, start, end)
        prom_ms.append(1000 * (time.perf_counter() - began))
        body = {
            "time_range": [start, end],
            "data_infos": [{"host_id": ip, "data_list": rule.data_list} for ip in chunk],
        }
        began = time.perf_counter()
        dc.post("/data/data/get", body, acting_user=USER)
        dc_ms.append(1000 * (time.perf_counter() - began))
    poll_ms = []
    for _ in range(3):
        began = time.perf_counter()
        stored(dc)
        poll_ms.append(1000 * (time.perf_counter() - began))
    # One task's worth of results saved alone (new documents: other hosts' ids and times).
    records = [
        {
            **rule.body(),
            "data_list": rule.data_list,
            "plugin": "",
            "host_id": f"diag-{k % 200}",
            "series": rule.metric,
            "start": end + 1000 + k,
            "end": end + 1000 + k,
            "value": "Abnormal",
            "reason": "",
        }
        for k in range(SAVE_PROBE)
    ]
    cpu_before = {pid: cpu_seconds(pid) for pid in save_pids}
    began = time.perf_counter()
    dc.post("/data/check/result/save", {"check_results": records}, acting_user=USER)
    save_ms = 1000 * (time.perf_counter() - began)
    save_cpu: dict[str, float] = defaultdict(float)
    for pid, role in save_pids.items():
        save_cpu[role] += cpu_seconds(pid) - cpu_before[pid]
    return {
        "prometheus_query_ms": round(statistics.median(prom_ms), 1),
        "data_get_ms": round(statistics.median(dc_ms), 1),
        "count_poll_ms": round(statistics.median(poll_ms), 1),
        "save_alone_ms": round(save_ms, 1),
        "save_alone_cpu_ms": {role: round(1000 * sec, 1) for role, sec in save_cpu.items()},
    }


def start_py_spy(pids: dict[int, str], out_dir: Path) -> list[tuple[str, Path, subprocess.Popen[bytes]]]:
    """py-spy (on-CPU samples, raw stacks) on each pid until stopped with SIGINT."""
    binary = py_spy()
    out_dir.mkdir(parents=True, exist_ok=True)
    running = []
    for pid, role in pids.items():
        out = out_dir / f"{role.replace(' ', '_')}-{pid}.txt"
        argv = [binary, "record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--output", str(out)]
        running.append((role, out, subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
    time.sleep(1.5)  # py-spy attaches
    return running


def reap_py_spy(running: list[tuple[str, Path, subprocess.Popen[bytes]]]) -> None:
    for _role, _out, proc in running:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def stop_py_spy(running: list[tuple[str, Path, subprocess.Popen[bytes]]]) -> dict[str, dict[str, float]]:
    """Stop py-spy, print the frames that took most on-CPU samples per role (inclusive)."""
    stacks: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    for role, out, proc in running:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        with contextlib.suppress(OSError):
            for line in out.read_text().splitlines():
                stack, _, count_text = line.rpartition(" ")
                if not stack or not count_text.isdigit():
                    continue
                count = int(count_text)
                totals[role] += count
                for frame in set(stack.split(";")):
                    stacks[role][frame] += count
    summary = {}
    for role, counter in stacks.items():
        total = totals[role]
        report.say(f"  py-spy, {role}: {total} on-CPU samples; inclusive share of the top frames:")
        top = {}
        for frame, count in counter.most_common(16):
            name = short_path(frame)
            report.say(f"    {100 * count / total:5.1f} %  {name}")
            top[name] = round(100 * count / total, 1)
        summary[role] = top
    return summary


def run() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=HOSTS)
    parser.add_argument(
        "--executor-processes", type=int, default=1, help="executor processes (2 consumers each)"
    )
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for the results")
    parser.add_argument(
        "--py-spy", type=Path, metavar="DIR", help="sample the data center and executor with py-spy into DIR"
    )
    args = parser.parse_args()

    ips = [h["public_ip"] for h in fleet(1, args.hosts, "fleet", 0)]
    synthetic = Synthetic(ips)
    with contextlib.ExitStack() as resources:
        report.say(
            f"check pipeline benchmark: {args.hosts} hosts x {len(RULES)} rules, "
            f"one {WINDOW_S} s forward window"
        )
        env = dict(os.environ)
        target = resources.enter_context(synthetic_exporter(synthetic.render))
        prom = resources.enter_context(private_prometheus(target, SCRAPE_S, env))
        report.say(f"  private Prometheus {prom.url} scraping {target} every {SCRAPE_S} s (honor_labels)")
        # The broker outlives the executors (stopped with the stack), so that they close cleanly.
        kafka, tansu = resources.enter_context(private_tansu(env, Path(prom.log_path).parent))
        stack = resources.enter_context(aops_stack("mysql", "elasticsearch", prometheus_url=prom.url))
        conf_dir = stack.conf.conf_dir
        env = service_env(conf_dir)
        report.say(f"  {stack.describe()}; private Tansu {kafka}")

        scheduler_port = free_port()
        scheduler_ini(conf_dir, kafka, scheduler_port)
        executor_ini(conf_dir, kafka, consumers=2, sample_period=SCRAPE_S)
        scheduler = stack.serve("check_scheduler", "adoctor-check-scheduler", env, scheduler_port)
        probes = [conf_dir / f"executor_probe_{k}.json" for k in range(args.executor_processes)]
        executors = [
            stack.start(
                f"check_executor_{k}",
                [str(PYTHON), str(BENCH_DIR / "support" / "executor_probe.py")],
                {**env, "AOPS_BENCH_PROBE": str(probe)},
            )
            for k, probe in enumerate(probes)
        ]
        report.say(
            f"  check scheduler (uWSGI) on {scheduler.url}; {len(executors)} executor process(es), "
            f"do_check_consumer_num=2, sample_period={SCRAPE_S}"
        )

        client = Client(stack.manager_url)
        client.login()
        client.add_group("fleet")
        added = client.add_hosts(fleet(1, args.hosts, "fleet", 0))
        if len(added["host_list"]) != args.hosts:
            raise RuntimeError(f"{len(added['host_list'])} of {args.hosts} hosts added")
        rules_api = Client(scheduler.url)
        rules_api.token = client.token
        reply = rules_api.ok("/check/rule/import", {"check_items": [r.body() for r in RULES]})
        if sorted(reply["succeed_list"]) != sorted(r.check_item for r in RULES):
            raise RuntimeError(f"rule import: {json.dumps(reply)[:500]}")
        report.say(f"  {args.hosts} hosts added through the manager, {len(RULES)} rules imported")

        codec = TokenCodec(load_secret(conf_dir / "secret.key"))
        dc = DataCenter(stack.conf.database_url, codec, "adoctor-check-scheduler")
        _system, scheduler_settings = load_scheduler_settings(conf_dir)
        bus = bus_from(scheduler_settings.bus, scheduler_settings.producer, scheduler_settings.consumer)
        resources.callback(bus.close)
        bus.ensure_topics([t.value for t in Topic])
        producer = bus.producer()

        waited = wait_for_history(prom.url, ips, deadline_s=180)
        report.say(f"  waited {waited:.0f} s more for {WINDOW_S + HISTORY_S} s of samples")
        end = int(time.time()) - LAG_S
        expected = expected_results(prom.url, ips, end)
        expected_total = sum(sum(v.values()) for v in expected.values())
        report.say(f"  window [{end - WINDOW_S}, {end}]: {expected_total} results expected")

        # The forward window ends forward_lag seconds before "now": the clock stands that far past it.
        section = SchedulerSection()
        schedule = CheckSchedule(dc, producer, section, clock=lambda: float(end + section.forward_lag))
        dc.post("/data/check/state/set", {"state": {FORWARD: end - WINDOW_S}})
        tasks = math.ceil(args.hosts / HOSTS_PER_TASK)
        others = {prom.pid: "Prometheus (private)", tansu.pid: "Tansu broker (private)"}
        named = cpu_roles(stack, scheduler, executors, others)
        meter = CpuMeter(named)
        profiled = ("data center worker(s)", "check executor")
        spied = {pid: role for pid, role in named.items() if role in profiled}
        spies = start_py_spy(spied, args.py_spy) if args.py_spy else []
        resources.callback(reap_py_spy, spies)  # on failure or interruption; a no-op otherwise
        progress: list[tuple[float, int]] = []
        with meter:
            published_at = time.time()
            began = time.perf_counter()
            window = schedule.forward()
            publish_s = time.perf_counter() - began
            if window != (end - WINDOW_S, end):
                raise RuntimeError(f"forward() published {window}, not the {WINDOW_S} s window")
            count, next_count = 0, 0.0
            while count < expected_total:
                elapsed = time.perf_counter() - began
                if elapsed > args.timeout:
                    break
                # The data center is asked once a second (each count is a sorted search of the
                # results), and at once when the executors have handled every task; the probe
                # files cost the services nothing.
                if elapsed >= next_count or tasks_handled(probes) >= tasks:
                    count = stored(dc)
                    progress.append((round(time.perf_counter() - began, 2), count))
                    next_count = elapsed + 1.0
                if count < expected_total:
                    time.sleep(0.02)
            total_s = time.perf_counter() - began
        complete = count >= expected_total
        profile = stop_py_spy(spies) if spies else {}
        report.say(
            f"  {'all' if complete else 'ONLY'} {count} of {expected_total} results stored "
            f"{total_s:.2f} s after publication (forward() took {publish_s * 1000:.0f} ms)"
        )
        time.sleep(1.0)  # the probe files are written after each task
        probe_data = read_probes(probes)
        task_rows = sorted(
            ({**t, "pid": p["pid"]} for p in probe_data for t in p["tasks"]), key=lambda t: t["start"]
        )
        stages = stage_table(probe_data)

        per_rule = {r.check_item: stored(dc, check_items=[r.check_item]) for r in RULES}
        by_value = {v: stored(dc, value=v) for v in ("Abnormal", "No data", "Internal error")}
        wrong = {
            name: {"stored": per_rule[name], "expected": sum(expected[name].values())}
            for name in per_rule
            if per_rule[name] != sum(expected[name].values())
        }
        roles = ("data center worker(s)", "ES-API server")
        diag = diagnostics(prom.url, dc, ips, end, {pid: r for pid, r in named.items() if r in roles})
        errors = service_errors(stack)

    consumers: dict[str, dict[str, float]] = defaultdict(lambda: {"tasks": 0, "busy_s": 0.0})
    for row in task_rows:
        name = f"{row['pid']}/{row['thread']}"  # thread names repeat in every executor process
        consumers[name]["tasks"] += 1
        consumers[name]["busy_s"] = round(consumers[name]["busy_s"] + row["end"] - row["start"], 2)
    first_start = round(task_rows[0]["start"] - published_at, 2) if task_rows else None
    last_end = round(max(t["end"] for t in task_rows) - published_at, 2) if task_rows else None
    report.say(
        f"  tasks: {len(task_rows)} of {tasks} handled; first started {first_start} s, "
        f"last ended {last_end} s after publication"
    )
    for name, row in sorted(consumers.items()):
        report.say(f"    consumer {name:<24} {row['tasks']} task(s), busy {row['busy_s']:.2f} s")
    report.say("  executor stages (summed over consumer threads; wall / CPU of the executor's thread):")
    for name in (
        "task",
        "owned",
        "rules",
        "check_rule",
        "fetch",
        "evaluate",
        "match+records",
        "save",
        "retry",
    ):
        if name in stages:
            s = stages[name]
            report.say(
                f"    {name:<14} {s['wall_s']:7.2f} s wall  {s['cpu_s']:7.2f} s CPU  "
                f"{int(s['calls']):5d} calls"
            )
    report.say(
        f"  alone, after the run: one rule for one task (200 hosts): Prometheus query "
        f"{diag['prometheus_query_ms']:.0f} ms, /data/data/get {diag['data_get_ms']:.0f} ms; "
        f"one count poll {diag['count_poll_ms']:.0f} ms"
    )
    report.say(
        f"  alone, after the run: saving {SAVE_PROBE} results {diag['save_alone_ms']:.0f} ms "
        f"(CPU ms: {diag['save_alone_cpu_ms']})"
    )
    cpu = meter.percent()
    cpu.pop(CpuMeter.CHILDREN, None)
    cpu_s = {role: round(sec, 2) for role, sec in meter.by_role.items() if role != CpuMeter.CHILDREN}
    report.say(f"  CPU during the measured {meter.wall:.1f} s (% of one core; {meter.cores} cores):")
    for role, pct in sorted(cpu.items(), key=lambda kv: -kv[1]):
        if pct >= 0.5:
            report.say(f"    {role:<36} {pct:6.1f} %  {cpu_s[role]:6.2f} s")
    other = max(0.0, meter.machine_pct - sum(cpu.values()))
    report.say(f"    {'other processes (not this bench)':<36} {other:6.1f} %")
    report.say(f"    {'whole machine':<36} {meter.machine_pct:6.1f} %")
    report.say(f"  results by value: {by_value}; rules with a wrong count: {wrong or 'none'}")
    if errors:
        report.say(f"  {len(errors)} failure line(s) in the service logs, first: {errors[:3]}")
    met = complete and not wrong and total_s < TARGET_S
    report.say(f"  target < {TARGET_S:.0f} s: {'met' if met else 'MISSED'}  (load average {load_average()})")
    return {
        "benchmark": "check_pipeline",
        "hosts": args.hosts,
        "rules": len(RULES),
        "window_s": WINDOW_S,
        "scrape_interval_s": SCRAPE_S,
        "executor_processes": args.executor_processes,
        "consumers_per_process": 2,
        "tasks": tasks,
        "expected_results": expected_total,
        "results_stored": count,
        "by_value": by_value,
        "wrong_rules": wrong,
        "total_s": round(total_s, 2),
        "publish_s": round(publish_s, 3),
        "first_task_start_s": first_start,
        "last_task_end_s": last_end,
        "consumers": dict(consumers),
        "stages": stages,
        **diag,
        "cpu_pct": {**cpu, "other processes": round(other, 1), "whole machine": round(meter.machine_pct, 1)},
        "cpu_s": cpu_s,
        "progress": progress[:: max(1, len(progress) // 20)],
        "service_error_lines": len(errors),
        **({"py_spy": profile} if profile else {}),
        "target_total_s": TARGET_S,
        "load_average": load_average(),
        "targets_met": met,
    }


if __name__ == "__main__":
    report.main_guard(run)
