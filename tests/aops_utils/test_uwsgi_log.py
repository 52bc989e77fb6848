"""`[uwsgi] daemonize`: `serve` runs uWSGI in the foreground, its log in that file (21.09 daemonized)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests

from aops_utils.auth import load_secret
from tests.suite import free_port


def test_uwsgi_writes_its_log_to_a_private_daemonize_file_and_serves(tmp_path: Path) -> None:
    port = free_port()
    uwsgi_log = tmp_path / "uwsgi" / "diag_scheduler.log"
    (tmp_path / "system.ini").write_text(
        f"[log]\nlog_dir={tmp_path / 'log'}\n[auth]\nsecret_file={tmp_path / 'secret.key'}\n"
    )
    (tmp_path / "diag_scheduler.ini").write_text(
        f"[bus]\nkind=memory\n[diag_scheduler]\nport={port}\n"
        f"[uwsgi]\ndaemonize={uwsgi_log}\nprocesses=1\nthreads=2\n"
    )
    load_secret(tmp_path / "secret.key", create=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AOPS_")}
    env.update(AOPS_CONF_DIR=str(tmp_path), PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}")
    server = subprocess.Popen(
        [sys.executable, "-m", "adoctor_diag_scheduler", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.communicate()[0].decode()
            try:
                reply = requests.post(f"http://127.0.0.1:{port}/diag/tree/get", json={}, timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "uWSGI never answered"
                time.sleep(0.3)
        assert reply.status_code == 401  # served: no token
        assert "uWSGI" in uwsgi_log.read_text(), "uWSGI's own log is not in the daemonize file"
        # Its own file and directory, under the test's umask, are the service account's alone.
        assert stat.S_IMODE(uwsgi_log.stat().st_mode) == 0o600
        assert stat.S_IMODE(uwsgi_log.parent.stat().st_mode) == 0o700
    finally:
        server.terminate()
        server.wait(timeout=30)
