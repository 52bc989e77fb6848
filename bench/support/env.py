"""Where things are: the repository, its virtualenv, the test servers; free ports, load."""

from __future__ import annotations

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / "bench"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python"
TESTENV_FILE = ROOT / ".testenv" / "env"

# The uWSGI binary is found on PATH by aops_utils.serving.uwsgi_argv.
os.environ["PATH"] = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"


def testenv() -> dict[str, str]:
    """AOPS_TEST_* addresses: the environment first, then .testenv/env (written by testenv.sh)."""
    found: dict[str, str] = {}
    if TESTENV_FILE.exists():
        for raw in TESTENV_FILE.read_text().splitlines():
            line = raw.strip()
            if line.startswith("export ") and "=" in line:
                key, value = line.removeprefix("export ").split("=", 1)
                found[key.strip()] = value.strip().strip("'\"")
    found.update({k: v for k, v in os.environ.items() if k.startswith("AOPS_TEST_")})
    for key in ("AOPS_TEST_MYSQL_URL", "AOPS_TEST_ES_URL"):
        if not found.get(key):
            raise SystemExit(f"{key} is not set: run `bash scripts/testenv.sh start` first")
    return found


def short_path(text: str) -> str:
    """`text` (a profiler's frame or line) with the repository and site-packages prefixes cut."""
    return text.replace(str(ROOT) + "/", "").replace(".venv/lib/python3.11/site-packages/", "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def load_average() -> list[float]:
    """1/5/15-minute load averages: the machine may be shared with other work while we measure."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def cores() -> int:
    return os.cpu_count() or 1
