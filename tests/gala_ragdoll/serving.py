"""gala-ragdoll served in this process beside a suite, on a git repository of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from aops_utils.serving import serve_in_thread
from gala_ragdoll import settings
from gala_ragdoll.app import Ragdoll
from gala_ragdoll.app import create_app
from tests.suite import Suite
from tests.suite import free_port


@dataclass
class Served:
    url: str
    state: Ragdoll

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None, **kw: Any
    ) -> tuple[int, dict[str, Any]]:
        """One request; returns (HTTP status, decoded envelope)."""
        headers = {"access_token": token} if token else {}
        reply = requests.request(
            method, self.url + path, json=body if body is not None else {}, headers=headers, timeout=300, **kw
        )
        return reply.status_code, reply.json()


@contextmanager
def ragdoll(suite: Suite, git_dir: Path, *, ini: str = "") -> Iterator[Served]:
    """gala-ragdoll on a free port calling the suite's manager, with no drift check running
    (the tests run it), and the keys in `ini` (more sections may follow)."""
    port = free_port()
    (suite.conf_dir / "gala-ragdoll.conf").write_text(
        f"[git]\ngit_dir={git_dir}\n[collect]\ncollect_address={suite.manager_url}\n"
        f"[ragdoll]\nport={port}\ndrift_check_interval=0\n{ini}"
    )
    system, ini_ = settings.load(suite.conf_dir)
    app = create_app(system, ini_, start_jobs=False)
    server, _ = serve_in_thread(app, ini_.ragdoll.endpoint, "test-ragdoll")
    try:
        yield Served(f"http://127.0.0.1:{port}", app.extensions["gala_ragdoll"])
    finally:
        server.shutdown()
        app.extensions["gala_ragdoll"].close()
