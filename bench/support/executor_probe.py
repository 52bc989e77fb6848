"""The check executor as shipped (`adoctor-check-executor start`), with stage timers.

Run as a script by bench_check_pipeline.py in place of the `adoctor-check-executor` console
script: same entry point, same settings (AOPS_CONF_DIR), plus wall and CPU (thread) time per
stage, summed over the consumer threads, written as JSON to $AOPS_BENCH_PROBE after every task:

* `fetch`: `/data/data/get` calls (the data center and Prometheus, plus decoding the answer)
* `evaluate`: the rule engine's evaluate_columns (one call per rule and task; per series if a
  batch ever fails)
* `check_rule`: the whole of check_rule (fetch + evaluate + series matching, columns and records)
* `save`: `/data/check/result/save`; `owned`: `/data/host/info/get`; `rules`: loading rules
* `retry`: RETRY_CHECK messages sent for the windows that recorded No data / Internal error

and one entry per task: consumer thread, wall-clock start and end, hosts and results.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adoctor_check_executor import worker as worker_module
from aops_utils.clients import ServiceClient
from aops_utils.rules.plugins import CheckRulePlugin
from aops_utils.rules.plugins.expression_rule import ExpressionCheckRule
from aops_utils.rules.rulebook import RuleBook

OUT = Path(os.environ["AOPS_BENCH_PROBE"])
PATH_STAGES = {
    "/data/data/get": "fetch",
    "/data/check/result/save": "save",
    "/data/host/info/get": "owned",
    "/data/check/rule/get": "rules_get",
}
_lock = threading.Lock()
_stages: dict[str, list[float]] = {}  # stage -> [wall s, cpu s, calls]
_tasks: list[dict[str, Any]] = []


def _add(stage: str, wall: float, cpu: float) -> None:
    with _lock:
        entry = _stages.setdefault(stage, [0.0, 0.0, 0])
        entry[0] += wall
        entry[1] += cpu
        entry[2] += 1


def _timed(stage: str | Callable[..., str], fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            name = stage(*args, **kwargs) if callable(stage) else stage
            _add(name, time.perf_counter() - wall, time.thread_time() - cpu)

    return wrapper


def _call_stage(_self: Any, _method: str, path: str, *_a: Any, **_k: Any) -> str:
    return PATH_STAGES.get(path, f"other {path}")


def _dump() -> None:
    with _lock:
        data = {
            "pid": os.getpid(),
            "stages": {k: {"wall_s": v[0], "cpu_s": v[1], "calls": int(v[2])} for k, v in _stages.items()},
            "tasks": list(_tasks),
        }
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(OUT)


def _handle_wrapper(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def handle(self: Any, task: Any) -> Any:
        started, cpu = time.time(), time.thread_time()
        results = fn(self, task)
        _add("task", time.time() - started, time.thread_time() - cpu)
        with _lock:
            _tasks.append(
                {
                    "thread": threading.current_thread().name,
                    "start": started,
                    "end": time.time(),
                    "hosts": len(task.host_list),
                    "results": len(results),
                }
            )
        _dump()
        return results

    return handle


def install() -> None:
    ServiceClient.call = _timed(_call_stage, ServiceClient.call)  # type: ignore[method-assign]
    ExpressionCheckRule.evaluate_columns = _timed("evaluate", ExpressionCheckRule.evaluate_columns)  # type: ignore[method-assign]
    CheckRulePlugin.evaluate_columns = _timed("evaluate", CheckRulePlugin.evaluate_columns)  # type: ignore[method-assign]
    worker_module.check_rule = _timed("check_rule", worker_module.check_rule)  # type: ignore[attr-defined]
    worker_module.CheckWorker._follow_up = _timed("retry", worker_module.CheckWorker._follow_up)  # type: ignore[method-assign]
    worker_module.CheckWorker.handle = _handle_wrapper(worker_module.CheckWorker.handle)  # type: ignore[method-assign]
    RuleBook._load = _timed("rules", RuleBook._load)  # type: ignore[method-assign]


if __name__ == "__main__":
    install()
    _dump()  # an empty file says the process is up
    from adoctor_check_executor.__main__ import main

    main()
