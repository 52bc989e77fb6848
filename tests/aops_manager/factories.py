"""Request bodies for host tests, built the way an operator's scripts build them."""

from __future__ import annotations

import itertools
from typing import Any

from tests.suite import Suite

_counter = itertools.count(1)
KEY = "vault-key-0123"


def host(group: str, **over: Any) -> dict[str, Any]:
    n = next(_counter)
    entry = {
        "host_name": f"host{n}",
        "host_group_name": group,
        "public_ip": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
        "ssh_port": 22,
        "management": False,
        "username": "root",
        "password": "ssh-secret-pw",
        "sudo_password": "sudo-secret-pw",
    }
    entry.update(over)
    return entry


def group(suite: Suite, token: str, name: str = "web", description: str = "web servers") -> str:
    status, body = suite.call(
        "POST", "/manage/host/group/add", {"host_group_name": name, "description": description}, token
    )
    assert (status, body["code"]) == (200, 200), body
    return name


def add(suite: Suite, token: str, *hosts: dict[str, Any], key: str = KEY) -> tuple[int, dict[str, Any]]:
    return suite.call("POST", "/manage/host/add", {"key": key, "host_list": list(hosts)}, token)


def count(suite: Suite, token: str) -> int:
    return int(suite.call("POST", "/manage/host/count", token=token)[1]["host_count"])  # type: ignore[call-overload]
