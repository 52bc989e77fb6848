"""Behind the shipped nginx (conf/nginx/aops-nginx.conf, run for real) the manager sees each
client's own address, not nginx's 127.0.0.1: the lock-out and the audit log count the client."""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aops_manager.audit import records
from tests.suite import Suite
from tests.web.stack import running_nginx


@pytest.fixture
def nginx(suite: Suite, tmp_path: Path) -> Iterator[int]:
    """The shipped configuration on a free port of 127.0.0.1, its /api/ sent to the suite's manager."""
    manager_port = int(suite.manager_url.rsplit(":", 1)[1])
    with running_nginx(tmp_path / "nginx", tmp_path, {"aops_manager": manager_port}) as url:
        yield int(url.rsplit(":", 1)[1])


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
