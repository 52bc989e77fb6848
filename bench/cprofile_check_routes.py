"""CPU cost of the data center's two routes of a check window, per function, in process.

Diagnostic behind bench_check_pipeline.py (no targets). The data center's app is built in this
process on MariaDB + the ES-API server (fresh database and index prefix), 1,000 hosts added to
"admin", and called through Flask's test client with a check executor's service token:

* `/data/data/get` of one rule for one task (200 hosts, the packed form), Prometheus answered
  by a stand-in with the bytes of a 200-host matrix of 36 samples per series (its HTTP round
  trip is not counted: the data center's own work is);
* `/data/check/result/save` of one task's results (2,760: 2,580 Abnormal, 180 No data, as a
  task of bench_check_pipeline stores them), each call a new window (new documents).

CPU time of this process per call (time.process_time, so waiting on the stores does not count;
the ES-API server's and MariaDB's own CPU are not in it), then cProfile with a CPU clock.

    python bench/cprofile_check_routes.py [--gets 100] [--saves 10] [--dump DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import os
import time
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from support import report
from support.client import fleet
from support.inprocess import data_center_app
from support.stats import say_profile

from aops_utils import jsonio
from aops_utils.auth import DATA_CENTER
from tests.stores import mysql_database

HOSTS = 1_000
TASK_HOSTS = 200
SAMPLES = 36
TOP = 24
START = 1_796_000_000
METRIC = "bench_cpu_usage_percent"


def _matrix(ips: list[str]) -> bytes:
    result = [
        {
            "metric": {"__name__": METRIC, "instance": f"{ip}:9100", "job": "node"},
            "values": [[START - 12 + 2 * k, str(30 + (i + k) % 40)] for k in range(SAMPLES)],
        }
        for i, ip in enumerate(ips)
    ]
    return jsonio.encode({"status": "success", "data": {"resultType": "matrix", "result": result}})


def _stand_in(center: Any, answer: bytes) -> None:
    """Prometheus's answers come from memory: only the data center's own work is measured."""

    def _answer(_query: str, _start: int, _end: int) -> requests.Response:
        reply = requests.Response()
        reply.status_code = 200
        reply.headers["content-type"] = "application/json"
        reply._content = answer
        return reply

    center.prometheus._answer = _answer


def _results(window: int, ips: list[str]) -> list[dict[str, Any]]:
    """One task's results as the executor sends them: 20 rules' hits, 2,760 in all."""
    rows = []
    data_list = [{"name": METRIC, "type": "kpi", "label": {}}]
    for k in range(2_760):
        ip = ips[k % TASK_HOSTS]
        no_data = k >= 2_580
        rows.append(
            {
                "host_id": ip,
                "check_item": f"rule_{k % 20:02d}",
                "data_list": data_list,
                "condition": "$0 > 90",
                "plugin": "",
                "description": "bench_check_pipeline",
                "start": window + 2 * (k // 200) + (0 if no_data else 1),
                "end": window + 2 * (k // 200) + (60 if no_data else 1),
                "value": "No data" if no_data else "Abnormal",
                "series": "" if no_data else f'{METRIC}{{instance="{ip}:9100",job="node"}}',
                "reason": "no data" if no_data else "",
            }
        )
    return rows


def profile(name: str, calls: Iterator[Callable[[], None]], count: int, dump: Path | None) -> dict[str, Any]:
    for _ in range(max(2, count // 10)):
        next(calls)()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        next(calls)()
    cpu_ms = (time.process_time() - cpu) / count * 1000
    wall_ms = (time.perf_counter() - wall) / count * 1000
    profiler = cProfile.Profile(time.process_time)
    for _ in range(count):
        call = next(calls)
        profiler.enable()
        call()
        profiler.disable()
    if dump is not None:
        profiler.dump_stats(dump / (name.split(",", 1)[0].strip("/").replace("/", "_") + ".prof"))
    report.say(f"\n== {name}: {cpu_ms:.2f} ms CPU per call in this process ({wall_ms:.2f} ms wall)")
    say_profile(profiler, TOP, 14)
    return {"cpu_ms_per_call": round(cpu_ms, 2), "wall_ms_per_call": round(wall_ms, 2)}


@contextlib.contextmanager
def data_center() -> Iterator[Any]:
    with (
        mysql_database(os.environ["AOPS_TEST_MYSQL_URL"], "aops_bench_") as mysql_url,
        data_center_app(
            relational="mysql",
            document="elasticsearch",
            mysql_url=mysql_url,
            es_url=os.environ["AOPS_TEST_ES_URL"],
        ) as (app, center),
    ):
        # As aops_utils.launch.wsgi_app leaves a uWSGI worker: what exists now is frozen.
        gc.collect()
        gc.freeze()
        try:
            yield app, center
        finally:
            for index in ("check_result", "check_coverage"):
                center.docs.drop_index(index)


def run() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gets", type=int, default=100)
    parser.add_argument("--saves", type=int, default=10)
    parser.add_argument("--dump", type=Path, help="also write each profile here (pstats files)")
    args = parser.parse_args()
    if args.dump is not None:
        args.dump.mkdir(parents=True, exist_ok=True)
    hosts = fleet(1, HOSTS, "fleet", 0)
    ips = [h["public_ip"] for h in hosts]
    with data_center() as (app, center):
        from aops_database.services import groups
        from aops_database.services import hosts as host_service

        groups.add_group(center.store, "admin", "fleet", "")
        rows = [
            {
                "host_id": uuid.uuid4().hex,
                "host_name": h["host_name"],
                "host_group_name": "fleet",
                "public_ip": h["public_ip"],
                "ssh_port": 22,
                "management": False,
                "credential": 0,
            }
            for h in hosts
        ]
        host_service.add_hosts(center.store, "admin", rows, ["vault"])
        token, _ = center.codec.issue_service("adoctor-check-executor", DATA_CENTER, 300, acting="admin")
        headers = {"access_token": token}
        client = app.test_client()
        task = ips[:TASK_HOSTS]
        _stand_in(center, _matrix(task))
        get_body = {
            "time_range": [START, START + 60],
            "data_infos": [{"host_id": ip, "data_list": [{"name": METRIC, "type": "kpi"}]} for ip in task],
            "columnar": True,
            "encoding": "f64",
        }

        def gets() -> Iterator[Callable[[], None]]:
            def call() -> None:
                reply = client.post("/data/data/get", json=get_body, headers=headers)
                if reply.status_code != 200:
                    raise RuntimeError(f"/data/data/get: HTTP {reply.status_code} {reply.data[:300]!r}")

            while True:
                yield call

        def saves() -> Iterator[Callable[[], None]]:
            window = START
            while True:
                window += 60
                # The body is encoded before the call, as the executor's client does it.
                body = jsonio.encode({"check_results": _results(window, task)})

                def call(body: bytes = body) -> None:
                    reply = client.post(
                        "/data/check/result/save",
                        data=body,
                        headers={**headers, "content-type": "application/json"},
                    )
                    if reply.status_code != 200:
                        raise RuntimeError(f"save: HTTP {reply.status_code} {reply.data[:300]!r}")

                yield call

        got = profile("/data/data/get, 200 hosts, packed", gets(), args.gets, args.dump)
        saved = profile("/data/check/result/save, 2,760 results", saves(), args.saves, args.dump)
    return {"diagnostic": "cprofile_check_routes", "data_get": got, "result_save": saved, "targets_met": None}


if __name__ == "__main__":
    report.main_guard(run)
