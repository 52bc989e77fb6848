"""What the web tests run: every service on real stores behind real nginx with the shipped conf,
or `aops standalone` with its own web port; and the built web UI they serve."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import ExitStack
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import requests

from tests.aops_manager.deploying import DEPLOY_CONF
from tests.conftest import ES_URL
from tests.conftest import KAFKA
from tests.conftest import mariadb_suite
from tests.conftest import require
from tests.gala_ragdoll.serving import ragdoll
from tests.procs import stop
from tests.schedulers import check_scheduler
from tests.schedulers import diag_scheduler
from tests.suite import Suite
from tests.suite import free_port

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DIST = WEB / "dist"
NGINX_CONF = ROOT / "conf" / "nginx" / "aops-nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BUILD_HINT = "cd web && npm ci && npm run build   (scripts/install-deps.sh does it)"

# What the build reads: a file here newer than dist/index.html means dist is stale.
_SOURCES = ("src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts")


def built_web() -> Path:
    """web/dist, built from the current sources; an AssertionError saying how to build otherwise."""
    index = DIST / "index.html"
    assert index.is_file(), f"the web UI is not built (no {index}): {BUILD_HINT}"
    built = index.stat().st_mtime
    for name in _SOURCES:
        path = WEB / name
        files = path.rglob("*") if path.is_dir() else [path]
        newer = [
            f for f in files if f.is_file() and not f.name.endswith(".test.ts") and f.stat().st_mtime > built
        ]
        assert not newer, f"web/dist is older than {newer[0].relative_to(ROOT)}: {BUILD_HINT}"
    return DIST


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]


class Recorder:
    """A stand-in for a service a test does not need running (configuration tracing, topology): it
    answers every request with an envelope and records what arrived, so that a test sees the
    path and headers nginx forwards."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.requests: list[Recorded] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                recorder.requests.append(Recorded(self.command, self.path, dict(self.headers.items())))
                body = orjson.dumps({"code": 200, "msg": "operation succeed", "service": recorder.name})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = do_PUT = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Services:
    """The services a web page calls, by their nginx upstream name -> port; `topology`: the real
    gala_spider (its Kafka topic and a producer to it), when it runs."""

    suite: Suite
    ports: dict[str, int]
    recorders: dict[str, Recorder] = field(default_factory=dict)
    topology: Any = None


@contextmanager
def running_spider(suite: Suite, conf_dir: Path) -> Iterator[Any]:
    """gala_spider on the Kafka-protocol broker (a topic of its own) and the ES-API server (indices
    of their own), over the suite's data center; a tests.gala_spider.conftest.Spider."""
    import uuid

    from kafka import KafkaProducer

    from tests.gala_spider.conftest import Spider
    from tests.gala_spider.conftest import running
    from tests.gala_spider.conftest import write_conf

    require("tcp://" + KAFKA)
    unique = uuid.uuid4().hex[:10]
    topic = f"gala_gopher_{unique}"
    write_conf(conf_dir, suite, KAFKA, ES_URL, topic, unique)
    producer = KafkaProducer(bootstrap_servers=KAFKA, linger_ms=5)
    try:
        with running(conf_dir) as (url, app):
            yield Spider(url, topic, app, producer)
    finally:
        producer.close()


@contextmanager
def running_services(
    conf_dir: Path, *, config_tracing: bool = False, topology: bool = True
) -> Iterator[Services]:
    """Data center + manager on MariaDB and the ES-API server (tests/conftest.py), the check and
    diag schedulers on an in-process bus (no schedule running), recorders for the rest. The
    manager deploys as the deployment tests' does: their small test components, short timeouts.
    `config_tracing`: the real gala-ragdoll (its git repository under `conf_dir`, no drift check
    running) instead of a recorder, for the configuration tracing pages. `topology` (default):
    the real gala_spider on Kafka (a recorder without)."""
    with ExitStack() as stack:
        suite = stack.enter_context(mariadb_suite(conf_dir, deploy=DEPLOY_CONF))
        check = stack.enter_context(check_scheduler(conf_dir))
        diag = stack.enter_context(diag_scheduler(conf_dir, check.bus))
        recorded = [
            name
            for name, real_one in (("aops_config_tracing", config_tracing), ("aops_topology", topology))
            if not real_one
        ]
        recorders = {name: Recorder(name) for name in recorded}
        for recorder in recorders.values():
            stack.callback(recorder.close)
        real: dict[str, int] = {}
        if config_tracing:
            served = stack.enter_context(ragdoll(suite, conf_dir.parent / "ragdoll-git"))
            real["aops_config_tracing"] = int(served.url.rsplit(":", 1)[1])
        spider = None
        if topology:
            spider = stack.enter_context(running_spider(suite, conf_dir.parent / "gala-spider"))
            real["aops_topology"] = int(spider.url.rsplit(":", 1)[1])
        ports = {
            "aops_manager": int(suite.manager_url.rsplit(":", 1)[1]),
            "aops_check_scheduler": check.port,
            "aops_diag_scheduler": diag.port,
            **{name: recorder.port for name, recorder in recorders.items()},
            **real,
        }
        yield Services(suite, ports, recorders, spider)


def _replace(text: str, pattern: str, replacement: str) -> str:
    """`pattern` replaced, once or more; a shipped conf that no longer has it fails loudly."""
    changed, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count, f"{NGINX_CONF.name} has no line matching {pattern!r}: update tests/web/stack.py"
    return changed


def nginx_conf(shipped: str, *, prefix: Path, port: int, root: Path, upstreams: dict[str, int]) -> str:
    """The shipped conf with only its machine-specific lines changed: listen, root, upstream
    ports, and the pid, log and temp paths (into `prefix`)."""
    text = _replace(shipped, r"^pid .*;$", f"pid {prefix / 'nginx.pid'};")
    text = _replace(text, r"^error_log .*;$", f"error_log {prefix / 'error.log'} warn;")
    text = _replace(text, r"^(\s*)access_log .*;$", rf"\1access_log {prefix / 'access.log'};")
    text = _replace(text, r"^(\s*)listen 80 default_server;$", rf"\1listen 127.0.0.1:{port} default_server;")
    text = _replace(text, r"^\s*listen \[::\]:80 default_server;\n", "")
    text = _replace(text, r"^(\s*)root /opt/aops/web/dist;$", rf"\1root {root};")
    for name, upstream_port in upstreams.items():
        text = _replace(
            text,
            rf"^(\s*upstream {name} {{ server) 127\.0\.0\.1:\d+;",
            rf"\g<1> 127.0.0.1:{upstream_port};",
        )
    temp = "".join(
        f"    {kind}_temp_path {prefix / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = _replace(text, r"^http {\n", "http {\n" + temp)
    if os.geteuid() == 0:
        # Workers would run as nobody, who cannot enter pytest's private (0700) temp directory.
        text = "user root;\n" + text
    return text


@contextmanager
def running_nginx(prefix: Path, root: Path, upstreams: dict[str, int]) -> Iterator[str]:
    """nginx with the shipped conf in front of `upstreams`, on a free port; yields its URL."""
    prefix.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = prefix / "aops-nginx.conf"
    conf.write_text(
        nginx_conf(NGINX_CONF.read_text(), prefix=prefix, port=port, root=root, upstreams=upstreams)
    )
    argv = [NGINX, "-c", str(conf), "-p", str(prefix)]
    checked = subprocess.run([*argv, "-t", "-q"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    subprocess.run(argv, check=True)
    pid_file = prefix / "nginx.pid"
    try:
        _wait_for(f"http://127.0.0.1:{port}/", "nginx")
        yield f"http://127.0.0.1:{port}"
    finally:
        if pid_file.exists():
            pid = int(pid_file.read_text())
            os.kill(pid, signal.SIGQUIT)
            _wait_gone(pid)


def _wait_for(url: str, what: str, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            assert time.time() < deadline, f"{what} did not answer at {url}"
            time.sleep(0.05)


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


@dataclass
class Standalone:
    url: str
    manager_url: str
    output: list[str]


@contextmanager
def running_standalone(
    data_dir: Path, web_dir: Path, configure: Callable[[Path], None] | None = None
) -> Iterator[Standalone]:
    """`aops standalone` on free ports (its web port included), stopped with SIGTERM after;
    `configure` may change its ini files (in data_dir/conf) before it starts."""
    from tests.aops_cli.test_standalone import _configure

    manager_url = _configure(data_dir)
    if configure is not None:
        configure(data_dir / "conf")
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from aops_cli.standalone import standalone; standalone()",
            "--data-dir",
            str(data_dir),
            "--web-port",
            str(port),
            "--web-dir",
            str(web_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "AOPS_CONF_DIR": ""},
    )
    assert proc.stdout is not None
    output: list[str] = []
    try:
        for line in proc.stdout:
            output.append(line.rstrip("\n"))
            if line.startswith("Settings:"):
                break
        else:
            raise AssertionError(f"standalone exited early with {proc.wait()}: {output}")
        yield Standalone(f"http://127.0.0.1:{port}", manager_url, output)
    finally:
        stop(proc)
