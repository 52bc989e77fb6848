"""`python -m gala_gopher` as systemd runs it: a cycle every interval to Kafka, the page, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import requests

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # kafka-python 3.0's schema loading
    from kafka import KafkaConsumer

from tests.gala_gopher.peers import clients
from tests.gala_gopher.peers import server
from tests.suite import free_port

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.kafka


def test_the_probe_runs_its_cycles_until_sigterm(kafka_servers: str, unique: str, tmp_path: Path) -> None:
    topic, port = f"gala_gopher-{unique}", free_port()
    (tmp_path / "system.ini").write_text(f"[log]\nlog_dir={tmp_path / 'log'}\n")
    (tmp_path / "gala-gopher.conf").write_text(
        f"ingress = {{ interval = 1; }};\nweb_server = {{ port = {port}; }};\n"
        f'kafka = {{ kafka_broker = "{kafka_servers}"; kafka_topic = "{topic}"; switch = "on"; }};\n'
    )
    env = {**os.environ, "AOPS_CONF_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    with server("gop-cycles") as srv, clients("127.0.0.1", srv, 1):
        probe = subprocess.Popen(
            [sys.executable, "-m", "gala_gopher"], env=env, stderr=subprocess.PIPE, text=True
        )
        try:
            raw = KafkaConsumer(
                topic, bootstrap_servers=kafka_servers, auto_offset_reset="earliest", consumer_timeout_ms=1000
            )
            stamps: set[int] = set()
            deadline = time.monotonic() + 60
            while len(stamps) < 3:
                assert time.monotonic() < deadline, f"fewer than 3 cycles reached Kafka: {stamps}"
                assert probe.poll() is None, probe.stderr.read() if probe.stderr else ""
                for message in raw:
                    value = json.loads(message.value)
                    if value["server_port"] == str(srv.port) and value["role"] == "0":
                        stamps.add(value["timestamp"])
            raw.close()
            page = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            assert f'server_port="{srv.port}"' in page
        finally:
            probe.send_signal(signal.SIGTERM)
            _, err = probe.communicate(timeout=30)
    assert probe.returncode == 0, err
    assert "tcp probe every 1 s" in (tmp_path / "log" / "gala-gopher.log").read_text()
