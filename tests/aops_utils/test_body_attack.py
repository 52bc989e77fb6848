"""The 60 MB attack on the services as their units run them: the data center under uWSGI
(`aops-database serve`) and a scheduler on the threaded server (`serve --dev`, as `aops
standalone` serves). One body of 60 MB, then four at once, each answered 413, while the peak
resident memory of the service's processes (VmHWM) stays under 500 MB.

The bodies are JSON that is costly to parse (millions of small objects): parsed whole, as up to
64 MiB were before, one took a service from 0.4 to 2.2 GB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from aops_utils.contracts.data_center.diagnosis import REPORTS_MAX_BODY
from aops_utils.contracts.data_center.diagnosis import TREES_MAX_BODY
from tests.conftest import ES_URL
from tests.conftest import require
from tests.procs import process_tree
from tests.procs import status_field
from tests.procs import stop
from tests.suite import Tokens
from tests.suite import free_port
from tests.suite import write_conf

BIN = Path(sys.executable).parent
ATTACK_BYTES = 60_000_000
MAX_RSS_KIB = 500 * 1024


def attack_body(key: str) -> bytes:
    """`{key: [{}, {}, ...]}` of 60 MB: twenty million objects once parsed."""
    items = (ATTACK_BYTES - len(key) - 8) // 3
    return b'{"' + key.encode() + b'": [' + b"{}," * (items - 1) + b"{}]}"


def peak_kib(pid: int) -> int:
    """VmHWM (peak resident memory) of `pid` and all its descendants, added up."""
    return sum(status_field(each, "VmHWM") for each in process_tree(pid))


def wait_listening(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.time() + 60
    while True:
        assert proc.poll() is None, f"the service exited ({proc.returncode}):\n{log.read_text()}"
        try:
            requests.get(url + "/openapi.json", timeout=5)
            return
        except requests.ConnectionError:
            assert time.time() < deadline, f"the service never listened:\n{log.read_text()}"
            time.sleep(0.2)


def send(url: str, token: str, body: bytes, *, chunked: bool = False) -> requests.Response:
    headers = {"access_token": token, "Content-Type": "application/json"}
    # A generator goes out chunked, without a Content-Length.
    data = (body[i : i + 2**20] for i in range(0, len(body), 2**20)) if chunked else body
    return requests.post(url, data=data, headers=headers, timeout=120)


def attack(url: str, token: str, body: bytes, limit: int) -> None:
    """One request, then four at once: each is a 413 naming the route's limit."""
    for replies in (
        [send(url, token, body)],
        list(ThreadPoolExecutor(4).map(lambda _: send(url, token, body), range(4))),
    ):
        for reply in replies:
            assert reply.status_code == 413, reply.text[:300]
            assert reply.json()["code"] == 1000
            assert f"larger than {limit} bytes" in reply.json()["detail"]


@dataclass
class Conf:
    path: Path
    database_port: int


@pytest.fixture
def conf(tmp_path: Path, mysql_url: str) -> Conf:
    """A data center's files on a fresh MariaDB database and the ES-API server, initialised
    (`aops-database init`: the schema and the suite's secret)."""
    require(ES_URL)
    _, port = write_conf(
        tmp_path, relational="mysql", document="elasticsearch", mysql_url=mysql_url, es_url=ES_URL
    )
    # The data center listens where its own file says; system.ini tells the others.
    with (tmp_path / "database.ini").open("a") as database_ini:
        database_ini.write(f"[database]\nport={port}\n")
    init = subprocess.run(
        [str(BIN / "aops-database"), "init"],
        env=service_env(tmp_path),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    return Conf(tmp_path, port)


def service_env(conf_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AOPS_")}
    env["AOPS_CONF_DIR"] = str(conf_dir)
    return env


def start(argv: list[str], conf_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=service_env(conf_dir), stdout=out, stderr=subprocess.STDOUT)


def test_the_data_center_under_uwsgi_refuses_60_mb_bodies_in_little_memory(conf: Conf) -> None:
    log = conf.path / "database.out"
    proc = start([str(BIN / "aops-database"), "serve"], conf.path, log)
    try:
        url = f"http://127.0.0.1:{conf.database_port}"
        wait_listening(proc, url, log)
        body = attack_body("reports")
        # A service acting for a user: the body is refused before anyone looks the user up.
        token = Tokens(conf.path).service_token("nobody")
        attack(url + "/data/diag/report/save", token, body, REPORTS_MAX_BODY)
        # uWSGI's HTTP router passes no chunked body to the app: it reads as empty.
        reply = send(url + "/data/diag/report/save", token, body, chunked=True)
        assert (reply.status_code, reply.json()["field"]) == (400, "reports"), reply.text[:300]
        peak = peak_kib(proc.pid)
    finally:
        stop(proc)
    assert peak < MAX_RSS_KIB, f"the data center's processes peaked at {peak // 1024} MB"


def test_a_scheduler_on_the_threaded_server_refuses_60_mb_bodies_in_little_memory(conf: Conf) -> None:
    port = free_port()
    (conf.path / "diag_scheduler.ini").write_text(f"[bus]\nkind=memory\n[diag_scheduler]\nport={port}\n")
    log = conf.path / "diag.out"
    proc = start([str(BIN / "adoctor-diag-scheduler"), "serve", "--dev"], conf.path, log)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_listening(proc, url, log)
        body = attack_body("trees")
        token = Tokens(conf.path).service_token("nobody", audience="adoctor-diag-scheduler")
        attack(url + "/diag/tree/import", token, body, TREES_MAX_BODY)
        # Werkzeug's server passes a chunked body on; it is read one byte past the limit.
        reply = send(url + "/diag/tree/import", token, body, chunked=True)
        assert reply.status_code == 413, reply.text[:300]
        peak = peak_kib(proc.pid)
    finally:
        stop(proc)
    assert peak < MAX_RSS_KIB, f"the diag scheduler peaked at {peak // 1024} MB"
