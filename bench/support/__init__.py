"""Shared helpers of the benchmarks, one module per subject.

* env: paths of the repository and virtualenv, the test servers' addresses, ports, load average.
* report: the human lines, the JSON last line and the exit status of every benchmark.
* conf: what serving under uWSGI adds to the test suite's ini files (tests/suite.py).
* stores: removing a run's Elasticsearch indices (its MariaDB database: tests/stores.py).
* procs: processes this benchmark starts (uWSGI services, CLIs) and /proc readings.
* services: the A-Ops stack under uWSGI (data center + manager), started and stopped.
* client: the manager's public API over plain HTTP, and the fleets of hosts to store.
* stats: percentiles and the CPU accounting of processes during a measured run.
* wrk: the wrk load generator with bench/wrk_host_get.lua.

Every benchmark builds what it needs from scratch and tears it down again, also when it fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The repository, for what the benchmarks share with the tests (tests/suite.py, tests/stores.py):
# `.venv/bin/python bench/<name>.py` puts only bench/ on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
