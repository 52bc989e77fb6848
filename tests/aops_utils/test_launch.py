"""What systemd runs: the four web services under uWSGI (`<service> serve`, `python -m <package>`)
and the two executors (`python -m`), as processes on MariaDB, the ES-API server, a Kafka-protocol
broker (Tansu) and Prometheus, answering real requests and stopping cleanly on SIGTERM.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pytest
import requests

from aops_utils.auth import DATA_CENTER
from aops_utils.auth import TokenCodec
from aops_utils.auth import load_secret
from tests.adoctor_check_scheduler.conftest import NODE_IP
from tests.adoctor_check_scheduler.conftest import kafka_ini
from tests.adoctor_check_scheduler.test_pipeline import CANARY
from tests.adoctor_diag_scheduler.test_executors_share import CANARY_TREE
from tests.conftest import ES_URL
from tests.conftest import KAFKA
from tests.conftest import MYSQL_URL
from tests.conftest import PROMETHEUS_URL
from tests.conftest import require
from tests.stores import mysql_database
from tests.suite import ADMIN_PASSWORD
from tests.suite import fake_sshd
from tests.suite import free_port
from tests.suite import private_kafka
from tests.suite import write_conf

BIN = Path(sys.executable).parent
# package: (console script, system.ini section naming its address, its own ini file's section)
WEB = {
    "aops_database": ("aops-database", "database", "database"),
    "aops_manager": ("aops-manager", "manager", "manager"),
    "adoctor_check_scheduler": ("adoctor-check-scheduler", "check_scheduler", "check_scheduler"),
    "adoctor_diag_scheduler": ("adoctor-diag-scheduler", "diag_scheduler", "diag_scheduler"),
}


@dataclass
class Stack:
    """Service processes on one conf dir; `ports` are the ones they listen on."""

    conf_dir: Path
    ports: dict[str, int]
    env: dict[str, str]
    tag: str
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, package: str) -> str:
        return f"http://127.0.0.1:{self.ports[package]}"

    def start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        with (self.conf_dir / f"{self.tag}-{name}.out").open("ab") as out:
            proc = subprocess.Popen(argv, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def output(self, name: str) -> str:
        return (self.conf_dir / f"{self.tag}-{name}.out").read_text(errors="replace")

    def wait_listening(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        for package in WEB:
            while True:
                proc = self.procs[package]
                assert proc.poll() is None, f"{package} exited ({proc.returncode}):\n{self.output(package)}"
                try:
                    requests.get(self.url(package) + "/openapi.json", timeout=5)
                    break
                # uWSGI listens before its workers have loaded the app: on a busy machine the
                # first request may wait longer than one try.
                except (requests.ConnectionError, requests.Timeout):
                    assert time.time() < deadline, f"{package} never listened:\n{self.output(package)}"
                    time.sleep(0.2)

    def stop(self, name: str) -> int:
        """SIGTERM, as systemd stops a unit; the exit status (a hang fails the test)."""
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            raise AssertionError(f"{name} did not stop on SIGTERM:\n{self.output(name)}") from None

    def kill_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        self.procs.clear()

    def post(self, package: str, path: str, body: Any, token: str = "", method: str = "POST") -> Any:
        headers = {"access_token": token} if token else {}
        reply = requests.request(method, self.url(package) + path, json=body, headers=headers, timeout=60)
        assert "Traceback" not in reply.text, reply.text
        return reply.json()


def _port_overrides(ports: dict[str, int]) -> dict[str, str]:
    """Every service's address through the environment overrides the README documents."""
    env = {}
    for package, (_script, system_section, own_section) in WEB.items():
        own_file = package.removeprefix("aops_").removeprefix("adoctor_").upper()
        env[f"AOPS_SYSTEM__{system_section.upper()}__PORT"] = str(ports[package])
        env[f"AOPS_{own_file}__{own_section.upper()}__PORT"] = str(ports[package])
    return env


def _write_conf(conf_dir: Path, mysql_url: str, kafka: str) -> dict[str, int]:
    manager_port, database_port = write_conf(
        conf_dir,
        relational="mysql",
        document="elasticsearch",
        mysql_url=mysql_url,
        es_url=ES_URL,
        prometheus_url=PROMETHEUS_URL,
        # One round at start, the next an hour later: a status seen sooner came from the add.
        probe_interval=3600,
    )
    ports = {
        "aops_manager": manager_port,
        "aops_database": database_port,
        "adoctor_check_scheduler": free_port(),
        "adoctor_diag_scheduler": free_port(),
    }
    # Each service listens on its own file's address; system.ini tells the others where it is.
    with (conf_dir / "database.ini").open("a") as database_ini:
        database_ini.write(f"[database]\nport={database_port}\n")
    with (conf_dir / "system.ini").open("a") as system_ini:
        system_ini.write(
            f"[check_scheduler]\nport={ports['adoctor_check_scheduler']}\n"
            f"[diag_scheduler]\nport={ports['adoctor_diag_scheduler']}\n"
        )
    bus = kafka_ini(kafka)
    files = {
        "check_scheduler.ini": kafka_ini(kafka)
        + f"[check_scheduler]\nport={ports['adoctor_check_scheduler']}\nforward_task_interval=2\n"
        + "forward_lag=0\nbackward_task_interval=3600\n",
        "check_executor.ini": kafka_ini(kafka) + "[executor]\ndo_check_consumer_num=1\nsample_period=2\n",
        "diag_scheduler.ini": bus + f"[diag_scheduler]\nport={ports['adoctor_diag_scheduler']}\n",
        "diag_executor.ini": bus + "[executor]\nconsumers=1\nsample_period=2\n",
    }
    for name, text in files.items():
        (conf_dir / name).write_text(text)
    return ports


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`aops-database init`, then the four web services as their units start them (`serve`)."""
    for address in (ES_URL, KAFKA, PROMETHEUS_URL, "tcp://" + MYSQL_URL.split("@")[-1]):
        require(address)
    conf_dir = tmp_path_factory.mktemp("served")
    # The uwsgi beside this Python must be found without the virtualenv on PATH, as under systemd.
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != BIN)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AOPS_")}
    env.update(AOPS_CONF_DIR=str(conf_dir), PATH=path)
    # `aops-database init` below creates the database.
    with mysql_database(MYSQL_URL, create=False) as mysql_url, private_kafka() as kafka:
        ports = _write_conf(conf_dir, mysql_url, kafka)
        init = subprocess.run(
            [str(BIN / "aops-database"), "init"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert init.returncode == 0, init.stderr
        stack = Stack(conf_dir, ports, env, "serve")
        try:
            for package, (script, _system, _own) in WEB.items():
                stack.start(package, [str(BIN / script), "serve"])
            stack.wait_listening()
            yield stack
        finally:
            stack.kill_all()


def failed_in_our_code(output: str) -> bool:
    """A traceback through A-Ops code (kafka-python may log one of its own while it closes)."""
    return re.search(r'File ".*/(aops|adoctor)_\w+/', output) is not None


def login(stack: Stack) -> str:
    """admin's session: the first login (1204) changes the default password, as the manual says."""
    reply = stack.post(
        "aops_manager", "/manage/account/login", {"username": "admin", "password": ADMIN_PASSWORD}
    )
    if reply["code"] == 200:
        return str(reply["access_token"])
    reply = stack.post("aops_manager", "/manage/account/login", {"username": "admin", "password": "changeme"})
    assert reply["code"] == 1204, reply
    changed = stack.post(
        "aops_manager", "/manage/account/change", {"password": ADMIN_PASSWORD}, reply["access_token"]
    )
    assert changed["code"] == 200, changed
    return login(stack)


def session_token(stack: Stack, token: str) -> str:
    """What a service sends the data center for a request made with the user's `token`."""
    codec = TokenCodec(load_secret(stack.conf_dir / "secret.key"))
    claims = codec.decode(token)
    return codec.issue_service("tests", DATA_CENTER, 300, acting=claims.subject, session=claims.token_id)[0]


def answer_real_requests(stack: Stack) -> None:
    """Log in through the manager, then one authenticated call to each other service."""
    token = login(stack)
    # The data center: a service's token acting in the user's session, never the user's own.
    assert stack.post("aops_database", "/data/host/count", {}, token)["code"] == 1201
    count = stack.post("aops_database", "/data/host/count", {}, session_token(stack, token))
    assert count["code"] == 200 and isinstance(count["host_count"], int), count
    imported = stack.post("adoctor_check_scheduler", "/check/rule/import", {"check_items": [CANARY]}, token)
    assert imported["code"] == 200, imported
    rules = stack.post("adoctor_check_scheduler", "/check/rule/get", {}, token)
    assert [r["check_item"] for r in rules["check_items"]] == ["canary"], rules
    trees = {"trees": [{"tree_name": "load", "tree_content": CANARY_TREE}]}
    assert stack.post("adoctor_diag_scheduler", "/diag/tree/import", trees, token)["code"] == 200
    got = stack.post("adoctor_diag_scheduler", "/diag/tree/get", {"tree_list": ["load"]}, token)
    assert [t["tree_name"] for t in got["trees"]] == ["load"], got
    assert stack.post("aops_manager", "/manage/host/count", {}, "not-a-token")["code"] == 1201


def test_the_web_services_started_with_serve_answer_real_requests(served: Stack) -> None:
    answer_real_requests(served)
    for log_name in ("database", "manager", "check_scheduler", "diag_scheduler"):
        assert (served.conf_dir / "log" / f"{log_name}.log").exists(), log_name


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.time() + timeout
    while True:
        found = predicate()
        if found:
            return found
        assert time.time() < deadline, f"{what} never happened"
        time.sleep(0.2)


def test_a_new_hosts_status_is_known_within_seconds_of_adding_it(served: Stack) -> None:
    token = login(served)
    sshd, ssh_port = fake_sshd(b"SSH-2.0-OpenSSH_9.2\r\n")
    closed = socket.socket()
    closed.bind(("127.0.0.2", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    try:
        group = {"host_group_name": "probed", "description": ""}
        assert served.post("aops_manager", "/manage/host/group/add", group, token)["code"] == 200
        entries = [
            ("open", NODE_IP, ssh_port),  # NODE_IP: node_exporter's address, checked below
            ("closed", "127.0.0.2", closed_port),
        ]
        added = time.time()
        host_list = [
            {"host_name": name, "host_group_name": "probed", "public_ip": ip, "ssh_port": port}
            | {"username": "root", "password": "pw"}
            for name, ip, port in entries
        ]
        reply = served.post(
            "aops_manager", "/manage/host/add", {"key": "vault-key-0123", "host_list": host_list}, token
        )
        assert reply["code"] == 200, reply
        # The answer does not wait for the probe (0.5 s timeout on the closed port is not spent).
        assert time.time() - added < 5

        def statuses() -> dict[str, str] | None:
            listing = served.post("aops_manager", "/manage/host/get", {"sort": "host_name"}, token)
            found = {h["host_name"]: h["status"] for h in listing["host_infos"]}
            return found if all(found.values()) else None

        assert wait_for(statuses, 10, "probe on add") == {"closed": "offline", "open": "online"}
        assert time.time() - added < 10
    finally:
        sshd.close()


def test_the_executors_started_with_python_m_consume_and_stop_on_sigterm(served: Stack) -> None:
    token = login(served)
    if not served.post("aops_manager", "/manage/host/count", {}, token)["host_count"]:
        test_a_new_hosts_status_is_known_within_seconds_of_adding_it(served)
    served.post("adoctor_check_scheduler", "/check/rule/import", {"check_items": [CANARY]}, token)
    trees = {"trees": [{"tree_name": "load", "tree_content": CANARY_TREE}]}
    served.post("adoctor_diag_scheduler", "/diag/tree/import", trees, token)
    hosts = served.post("aops_manager", "/manage/host/get", {}, token)["host_infos"]
    node = next(h["host_id"] for h in hosts if h["public_ip"] == NODE_IP)
    for package in ("adoctor_check_executor", "adoctor_diag_executor"):
        served.start(package, [sys.executable, "-m", package])
    try:
        # The check scheduler's forward windows (every 2 s) reach the check executor.
        def results() -> Any:
            body = {"host_list": [node], "check_items": ["canary"]}
            return served.post("adoctor_check_scheduler", "/check/result/get", body, token)["check_result"]

        checked = wait_for(results, 60, "a check result of the executor")
        assert {r["value"] for r in checked} == {"Abnormal"}, checked
        now = int(time.time())
        task = served.post(
            "adoctor_diag_scheduler",
            "/diag/execute",
            {"host_list": [node], "tree_list": ["load"], "time_range": [now - 60, now], "interval": 30},
            token,
        )
        assert task["code"] == 200 and task["expected_report_num"] == 2, task

        def finished() -> Any:
            body = {"task_list": [task["task_id"]]}
            (row,) = served.post("adoctor_diag_scheduler", "/diag/progress/get", body, token)["result"]
            return row if row["finished"] else None

        assert wait_for(finished, 60, "the diagnosis")["progress"] == 2
        for package in ("adoctor_check_executor", "adoctor_diag_executor"):
            assert served.procs[package].poll() is None, served.output(package)
            assert served.stop(package) == 0, served.output(package)
            assert not failed_in_our_code(served.output(package)), served.output(package)
    finally:
        for package in ("adoctor_check_executor", "adoctor_diag_executor"):
            if package in served.procs:
                served.procs.pop(package).kill()


def test_the_web_services_started_with_python_m_answer_and_stop_on_sigterm(served: Stack) -> None:
    """A second set on other ports (environment overrides), on the same stores and secret."""
    ports = {package: free_port() for package in WEB}
    stack = Stack(served.conf_dir, ports, {**served.env, **_port_overrides(ports)}, "python-m")
    try:
        for package in WEB:
            stack.start(package, [sys.executable, "-m", package])
        stack.wait_listening()
        answer_real_requests(stack)
        for package in WEB:
            assert stack.stop(package) == 0, stack.output(package)
    finally:
        stack.kill_all()


def test_sigterm_stops_each_served_service_cleanly(served: Stack) -> None:
    for package in WEB:
        assert served.stop(package) == 0, served.output(package)
        assert not failed_in_our_code(served.output(package)), served.output(package)
