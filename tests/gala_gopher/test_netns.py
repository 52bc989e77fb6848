"""Links between two network namespaces: each side's probe sees its own end, and the two records
join as 21.09's gala-spider joined them (section 2.5, phase A)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gala_gopher.records import NAMES
from gala_gopher.service import tcp_links
from tests.gala_gopher.peers import clients
from tests.gala_gopher.peers import netns_pair
from tests.gala_gopher.peers import server

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")


def probe_once(namespace: str, conf_dir: Path) -> list[dict[str, Any]]:
    """`python -m gala_gopher once` run inside `namespace`: its Kafka messages, parsed."""
    env = {**os.environ, "AOPS_CONF_DIR": str(conf_dir), "PYTHONPATH": str(ROOT)}
    argv = ["ip", "netns", "exec", namespace, sys.executable, "-m", "gala_gopher", "once"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def spider_edges(messages: list[dict[str, Any]]) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """21.09 gala-spider's phase A over tcp_link messages: client-side records are edges, a
    server-side record names the process behind (server_ip, server_port)."""
    server_nodes: dict[tuple[str, str], tuple[str, str]] = {}
    edges: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for m in messages:
        if m["table_name"] != "tcp_link" or m["client_ip"] == m["server_ip"]:
            continue
        side = (m["hostname"], m["process_name"])
        if m["role"] == "0":
            server_nodes.setdefault((m["server_ip"], m["server_port"]), side)
        else:
            label = f"{m['hostname']}.{m['process_name']}"
            edges.setdefault((m["client_ip"], m["server_ip"], m["server_port"], label), {"1": side})
    for (_, server_ip, port, _), edge in edges.items():
        if (server_ip, port) in server_nodes:
            edge.setdefault("0", server_nodes[(server_ip, port)])
    return edges


def test_each_namespace_sees_its_end_and_the_ends_join(tmp_path: Path) -> None:
    links = tcp_links()
    with (
        netns_pair() as pair,
        server("gop-ns-server", host=pair.inside, netns=pair.namespace) as srv,
        clients(pair.inside, srv, 2),
    ):
        inside = probe_once(pair.namespace, tmp_path)
        outside = [dict(zip(NAMES, r.values, strict=True)) for r in links.collect().records]
    port = str(srv.port)
    served = [m for m in inside if m["server_port"] == port]
    called = [r for r in outside if r["server_port"] == port]
    assert [(m["role"], m["pid"], m["process_name"]) for m in served] == [
        ("0", str(srv.pid), "gop-ns-server")
    ]
    assert [(r["role"], r["pid"]) for r in called] == [("1", str(os.getpid()))]
    for row in (served[0], called[0]):
        assert (row["client_ip"], row["server_ip"], row["link_count"]) == (pair.outside, pair.inside, "2")
        assert (row["protocol"], row["retran_packets"]) == ("2", "0")
    # Each end counts its own direction: what the client sent is what the server received.
    assert served[0]["rx_bytes"] == str(2 * srv.request) and called[0]["rx_bytes"] == str(2 * srv.reply)
    # The root namespace does not see the namespace's sockets, and the other way round.
    assert not [r for r in outside if r["role"] == "0" and r["server_port"] == port]
    assert not [m for m in inside if m["role"] == "1" and m["server_port"] == port]

    hostname = served[0]["hostname"]
    client_side = [{**r, "hostname": hostname, "table_name": "tcp_link"} for r in called]
    edges = spider_edges(inside + client_side)
    name = Path("/proc/self/comm").read_text().strip()
    edge = edges[(pair.outside, pair.inside, port, f"{hostname}.{name}")]
    assert edge == {"1": (hostname, name), "0": (hostname, "gop-ns-server")}
