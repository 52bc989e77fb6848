"""Behind the shipped nginx (conf/nginx/aops-nginx.conf, run for real) the manager sees each
client's own address, not nginx's 127.0.0.1: the lock-out and the audit log count the client."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aops_manager.audit import records
from tests.suite import Suite
from tests.suite import free_port

SHIPPED = Path(__file__).resolve().parents[2] / "conf" / "nginx" / "aops-nginx.conf"


@pytest.fixture
def nginx(suite: Suite, tmp_path: Path) -> Iterator[int]:
    """The shipped configuration on a free port of 127.0.0.1, its /api/ sent to the suite's manager."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is not installed; run scripts/install-deps.sh"
    port = free_port()
    temp = " ".join(
        f"{kind}_temp_path {tmp_path / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = (
        SHIPPED.read_text()
        .replace("user root;\n", "")
        .replace("listen 80 default_server;", f"listen 127.0.0.1:{port};")
        .replace("listen [::]:80 default_server;", "")
        .replace("http://127.0.0.1:11111/", f"{suite.manager_url}/")
        .replace("http {", f"http {{\n    access_log off; {temp}", 1)
    )
    assert suite.manager_url in conf and f"127.0.0.1:{port}" in conf
    path = tmp_path / "nginx.conf"
    path.write_text(conf)
    settings = f"daemon off; pid {tmp_path / 'nginx.pid'}; error_log {tmp_path / 'error.log'};"
    proc = subprocess.Popen(
        [binary, "-p", str(tmp_path), "-c", str(path), "-g", settings],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.time() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_shipped_nginx_gives_the_manager_the_clients_address(suite: Suite, nginx: int) -> None:
    name = "nobody" + uuid.uuid4().hex[:8]
    # Any 127/8 address reaches loopback: a client that is not nginx's own 127.0.0.1.
    conn = http.client.HTTPConnection("127.0.0.1", nginx, timeout=30, source_address=("127.0.0.7", 0))
    try:
        body = json.dumps({"username": name, "password": "guess"})
        conn.request("POST", "/api/manage/account/login", body, {"Content-Type": "application/json"})
        reply = conn.getresponse()
        assert (reply.status, json.loads(reply.read())["code"]) == (401, 1200)
    finally:
        conn.close()
    failed = [r for r in records(suite, "database") if r["user"] == name]
    assert [(r["event"], r["address"]) for r in failed] == [("login_failed", "127.0.0.7")]
