"""`aops standalone` runs gala-gopher for the local machine: a TCP server and client opened by the
test reach gala_spider's map through the in-process bus, and `--no-probe` leaves it out."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from tests.aops_cli.test_standalone import _configure
from tests.aops_cli.test_standalone import _login
from tests.aops_cli.test_standalone import standalone_running
from tests.suite import VAULT_KEY
from tests.suite import free_port

# A server of its own process, so that the link joins two processes the probe tells apart.
SERVER = """
import socket, sys
listener = socket.socket()
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen()
print("listening", flush=True)
conn, _ = listener.accept()
while conn.recv(65536):
    conn.sendall(b"pong" * 100)
"""


def _url(output: list[str], name: str) -> str | None:
    for line in output:
        found = re.match(rf"\s+{re.escape(name)}\s+(http://\S+)$", line)
        if found:
            return found.group(1)
    return None


def add_this_machine(manager: str, token: str) -> None:
    """The machine as the user's host: named as the probe names it (its loopback links carry no
    address of the host's own)."""
    headers = {"access_token": token}
    group = {"host_group_name": "local", "description": ""}
    assert requests.post(f"{manager}/manage/host/group/add", json=group, headers=headers, timeout=10).ok
    host = {
        "host_name": socket.gethostname(),
        "host_group_name": "local",
        "public_ip": "127.0.0.1",
        "ssh_port": 22,
        "username": "root",
        "password": "x",
    }
    body = {"key": VAULT_KEY, "host_list": [host]}
    reply = requests.post(f"{manager}/manage/host/add", json=body, headers=headers, timeout=30).json()
    assert reply["code"] == 200, reply


def _wait_for_link(spider: str, token: str, port: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.time() + timeout
    while True:
        reply = requests.get(
            f"{spider}/gala-spider/api/v2/entities", headers={"access_token": token}, timeout=30
        ).json()
        assert reply["code"] == 200, reply
        found = [link for link in reply["links"] if link["server"].get("port") == port]
        if found and all(link["client"]["process"] for link in found):
            return dict(found[0])
        assert time.time() < deadline, f"no link to port {port} on the map: {reply}"
        time.sleep(0.5)


def test_standalone_maps_a_connection_of_this_machine_through_its_own_probe(tmp_path: Path) -> None:
    manager = _configure(tmp_path)
    conf = tmp_path / "conf" / "gala-gopher.conf"
    conf.write_text(conf.read_text().replace("interval = 5", "interval = 1"))
    output: list[str] = []
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "listening"
        with standalone_running(tmp_path, output=output):
            spider, page = _url(output, "gala-spider"), _url(output, "gala-gopher")
            assert spider and page, output
            token = _login(manager)
            add_this_machine(manager, token)
            with socket.create_connection(("127.0.0.1", port)) as client:
                for _ in range(5):
                    client.sendall(b"ping" * 256)
                    client.recv(65536)
                link = _wait_for_link(spider, token, port)
                assert link["server"]["pid"] == str(server.pid), link
                assert link["client"]["pid"] == str(os.getpid()), link
                assert link["client"]["host"] == link["server"]["host"] == socket.gethostname()
                # The probe's page shows the same cycle.
                metrics = requests.get(page, timeout=10).text
                assert f'server_port="{port}"' in metrics
    finally:
        server.kill()
        server.wait(timeout=10)


def test_standalone_without_the_probe_starts_no_probe(tmp_path: Path) -> None:
    _configure(tmp_path)
    page_port = re.search(r"port = (\d+);", (tmp_path / "conf" / "gala-gopher.conf").read_text())
    assert page_port is not None
    output: list[str] = []
    with standalone_running(tmp_path, output=output, options=["--no-probe"]):
        assert _url(output, "gala-spider") and not _url(output, "gala-gopher"), output
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", int(page_port.group(1)))) != 0
