"""A diag scheduler on a MemoryBus over the module's MariaDB + ES data center (tests/conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from aops_utils.bus.memory import MemoryBus
from aops_utils.trees import dumps
from aops_utils.trees import loads
from tests.schedulers import diag_scheduler
from tests.suite import Suite
from tests.suite import data_call

RULES = json.loads((Path(__file__).resolve().parents[2] / "conf/check_rules/node_exporter.json").read_text())


@dataclass
class Diag:
    suite: Suite
    url: str
    bus: MemoryBus

    def call(self, path: str, body: Any, token: str, method: str = "POST") -> tuple[int, dict[str, Any]]:
        # jsonio handles documents of any depth (a 1,000-deep tree nests 2,000 JSON levels).
        reply = requests.request(
            method,
            self.url + path,
            data=dumps(body).encode(),
            headers={"access_token": token, "Content-Type": "application/json"},
            timeout=120,
        )
        return reply.status_code, dict(loads(reply.content))

    def data(self, path: str, body: Any, token: str, method: str = "POST") -> dict[str, Any]:
        status, reply = data_call(self.suite, path, body, token=token, method=method)
        assert status == 200, reply
        return dict(reply)


@pytest.fixture(scope="module")
def diag(suite: Suite) -> Iterator[Diag]:
    with diag_scheduler(suite.conf_dir) as served:
        yield Diag(suite, served.url, served.bus)


def published(bus: MemoryBus, topic: str = "DIAGNOSE_EXECUTE_REQ") -> int:
    """How many messages the scheduler has put on the bus so far."""
    found = bus._topics.get(topic)
    return 0 if found is None else sum(len(p) for p in found.partitions)
