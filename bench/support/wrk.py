"""The wrk load generator driving `POST /manage/host/get` with bench/wrk_host_get.lua."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

from support.env import BENCH_DIR

LUA = BENCH_DIR / "wrk_host_get.lua"
ERROR_KEYS = ("connect_errors", "read_errors", "write_errors", "timeouts", "non_2xx", "bad_envelopes")


def require() -> None:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")


def run(
    url: str, seconds: float, token: str, *, connections: int = 16, threads: int = 2, pages: int = 200
) -> dict[str, Any]:
    """wrk for `seconds` against `url` (…/manage/host/get); the Lua script's totals plus rps/errors.

    `errors` sums socket errors, timeouts and `bad_envelopes` (every answer that is not HTTP 200
    with envelope code 200, so non-2xx answers are included in it and not added twice).
    """
    env = dict(os.environ, WRK_TOKEN=token, WRK_PAGES=str(pages))
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA),
        url,
    ]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    result["rps"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
    result["errors"] = sum(result[k] for k in ERROR_KEYS if k != "non_2xx")
    return result


def error_detail(result: dict[str, Any]) -> dict[str, int]:
    return {k: result[k] for k in ERROR_KEYS if result.get(k)}
