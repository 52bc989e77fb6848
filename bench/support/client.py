"""The manager's public API over plain HTTP, and the fleets of hosts the benchmarks store."""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aops_utils.auth import TokenCodec
from aops_utils.auth import load_secret
from aops_utils.data_center import DataCenter

VAULT_KEY = "bench-vault-key"
ADMIN = ("admin", "changeme")
BENCH_PASSWORD = "bench-Passw0rd"


class Client:
    """The A-Ops API, one TCP connection per request, with little client-side overhead.

    The uWSGI http router that `aops_utils.serving.uwsgi_argv` configures has no keep-alive: it
    closes the connection after every answer (and says so, `Connection: close`). Every client
    therefore opens a connection per request; this one does it with http.client, whose cost per
    request is a fraction of requests', so that the latency measured is the services'.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urllib.parse.urlsplit(self.base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.token = ""
        # Where a token comes from when it must be renewed (a service's token for the data center).
        self.token_source: Callable[[], str] | None = None

    def request(self, path: str, body: dict[str, Any], timeout: float = 120) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json", "Connection": "close"}
        token = self.token_source() if self.token_source is not None else self.token
        if token:
            headers["access_token"] = token
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("POST", path, body=json.dumps(body).encode(), headers=headers)
            reply = conn.getresponse()
            return reply.status, reply.read()
        finally:
            conn.close()

    def post(self, path: str, body: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
        status, raw = self.request(path, body, timeout)
        try:
            data: dict[str, Any] = json.loads(raw)
        except ValueError:
            raise RuntimeError(f"{path}: HTTP {status}: {raw[:300]!r}") from None
        return data

    def ok(self, path: str, body: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
        data = self.post(path, body, timeout)
        # 1204 is a success only as a login's answer, with a token.
        if data.get("code") != 200 and not (data.get("code") == 1204 and "access_token" in data):
            raise RuntimeError(f"{path}: {json.dumps(data)[:500]}")
        return data

    def login(self, username: str = ADMIN[0], password: str = BENCH_PASSWORD) -> str:
        """A session of the user; admin's first login changes its default password, since a session
        opened with it may do nothing else (1204)."""
        data = self.post("/manage/account/login", {"username": username, "password": password})
        if data.get("code") == 1200 and (username, password) == (ADMIN[0], BENCH_PASSWORD):
            first = self.ok("/manage/account/login", {"username": username, "password": ADMIN[1]})
            self.token = str(first["access_token"])
            self.ok("/manage/account/change", {"password": BENCH_PASSWORD})
            data = self.post("/manage/account/login", {"username": username, "password": password})
        if data.get("code") != 200:
            raise RuntimeError(f"login: {json.dumps(data)[:500]}")
        self.token = str(data["access_token"])
        return self.token

    def add_group(self, name: str) -> None:
        self.ok("/manage/host/group/add", {"host_group_name": name, "description": "benchmark"})

    def add_hosts(self, hosts: list[dict[str, Any]], key: str = VAULT_KEY) -> dict[str, Any]:
        data = self.ok("/manage/host/add", {"key": key, "host_list": hosts}, timeout=600)
        if data.get("code") != 200:
            raise RuntimeError(f"host add answered {data.get('code')}: {json.dumps(data)[:500]}")
        return data

    def get_hosts(
        self, page: int, per_page: int = 50, sort: str = "host_name", direction: str = "asc"
    ) -> dict[str, Any]:
        return self.ok("/manage/host/get", get_hosts_body(page, per_page, sort, direction))


def data_center_client(conf_dir: Path, base_url: str, user_token: str) -> Client:
    """The data center called as the manager calls it for a request with `user_token`: a service
    token acting for that user in that session (it refuses a user's own token), renewed as the
    services renew theirs."""
    codec = TokenCodec(load_secret(conf_dir / "secret.key"))
    claims = codec.decode(user_token)
    tokens = DataCenter(base_url, codec, "bench")
    client = Client(base_url)
    client.token_source = lambda: tokens.service_token(claims.subject, claims.token_id)
    return client


def get_hosts_body(
    page: int, per_page: int = 50, sort: str = "host_name", direction: str = "asc"
) -> dict[str, Any]:
    return {"host_group_list": [], "sort": sort, "direction": direction, "page": page, "per_page": per_page}


def fleet(start: int, count: int, group: str, batch: int) -> list[dict[str, Any]]:
    """`count` hosts with unique names and addresses; the batch shares one credential set."""
    hosts = []
    for number in range(start, start + count):
        hosts.append(
            {
                "host_name": f"host-{number:06d}",
                "host_group_name": group,
                "public_ip": f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}",
                "ssh_port": 22,
                "management": number % 10 == 0,
                "username": f"ops{batch}",
                "password": f"fleet-{batch}-password",
                "sudo_password": f"fleet-{batch}-sudo",
            }
        )
    return hosts


def seed_hosts(client: Client, total: int = 10_000, per_call: int = 2_000, groups: int = 10) -> float:
    """Store `total` hosts (spread over `groups` groups); returns seconds.

    2,000 per call: the most one `/manage/host/add` accepts (aops_manager.schemas, host_list);
    2,000 of these entries (~210 bytes each) also stay well under the 1 MiB request limit.
    """
    started = time.perf_counter()
    names = [f"group-{g:02d}" for g in range(groups)]
    for name in names:
        client.add_group(name)
    for batch, start in enumerate(range(0, total, per_call)):
        count = min(per_call, total - start)
        client.add_hosts(fleet(start, count, names[batch % groups], batch))
    return time.perf_counter() - started
