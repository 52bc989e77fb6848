"""The tcp probe on this machine's real sockets: a server process and clients over loopback."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from gala_gopher.links import TcpLinks
from gala_gopher.records import NAMES
from gala_gopher.records import Record
from gala_gopher.service import tcp_links
from gala_gopher.source import SocketSource
from tests.gala_gopher.peers import clients
from tests.gala_gopher.peers import exchange
from tests.gala_gopher.peers import server

SETTLE = 10.0  # seconds for loopback ACKs to land in the counters


def own_name() -> str:
    return Path("/proc/self/comm").read_text().strip()


def rows(links: TcpLinks, port: int) -> dict[str, dict[str, str]]:
    """This cycle's records of the links to `port`, by role, as field -> value."""
    found: dict[str, dict[str, str]] = {}
    for record in links.collect().records:
        row = dict(zip(NAMES, record.values, strict=True))
        if row["server_port"] == str(port):
            assert row["role"] not in found, f"two {row['role']} rows for one key: {found}, {row}"
            found[row["role"]] = row
    return found


def settled(links: TcpLinks, port: int, expect: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Cycles until the byte counters match `expect` (acknowledgements are asynchronous); each
    cycle's differences are summed, as a consumer adding up the records would."""
    totals: dict[str, dict[str, int]] = {"0": {}, "1": {}}
    deadline = time.monotonic() + SETTLE
    while True:
        found = rows(links, port)
        for role, row in found.items():
            for name in ("rx_bytes", "tx_bytes"):
                totals[role][name] = totals[role].get(name, 0) + int(row[name])
        summed = {role: {k: str(v) for k, v in values.items()} for role, values in totals.items()}
        if all(summed[role].items() >= want.items() for role, want in expect.items()):
            return found
        assert time.monotonic() < deadline, f"counters never reached {expect}: {summed}"
        time.sleep(0.1)


def test_both_ends_of_loopback_links_become_one_record_each_with_every_field(tmp_path: Path) -> None:
    links = tcp_links()
    with server("gop-server", request=1000, reply=5000) as srv, clients("127.0.0.1", srv, 3, times=2):
        found = settled(links, srv.port, {"0": {"rx_bytes": "6000", "tx_bytes": "30000"}})
        assert set(found) == {"0", "1"}
        srv_row, cli_row = found["0"], found["1"]
        assert list(srv_row) == list(NAMES)  # the meta file's order
        common = {"client_ip": "127.0.0.1", "server_ip": "127.0.0.1", "server_port": str(srv.port)}
        assert srv_row | common == srv_row and cli_row | common == cli_row
        assert (srv_row["pid"], srv_row["process_name"]) == (str(srv.pid), "gop-server")
        assert (cli_row["pid"], cli_row["process_name"]) == (str(os.getpid()), own_name())
        for row in (srv_row, cli_row):
            assert row["protocol"] == "2"
            assert row["link_count"] == "3"
            assert row["retran_packets"] == "0"
            assert row["lost_packets"] == "0"
            assert int(row["rtt"]) > 0
            assert all(value and value.isprintable() for value in row.values())


def test_a_cycle_counts_only_what_happened_since_the_previous_one() -> None:
    links = tcp_links()
    with server("gop-delta", request=100, reply=700) as srv, clients("127.0.0.1", srv, 1) as conns:
        settled(links, srv.port, {"1": {"tx_bytes": "100", "rx_bytes": "700"}})
        idle = rows(links, srv.port)
        assert (idle["1"]["rx_bytes"], idle["1"]["tx_bytes"], idle["1"]["packets_in"]) == ("0", "0", "0")
        assert idle["1"]["link_count"] == "1"  # an idle connection is still a link
        exchange(conns[0], srv, times=3)
        busy = settled(links, srv.port, {"1": {"tx_bytes": "300", "rx_bytes": "2100"}})
        assert int(busy["1"]["packets_out"]) >= 3


def test_a_link_ends_with_its_connections() -> None:
    links = tcp_links()
    with server("gop-gone") as srv:
        with clients("127.0.0.1", srv, 2):
            assert rows(links, srv.port)["1"]["link_count"] == "2"
        assert rows(links, srv.port) == {}


def test_ipv6_links_say_family_10_and_an_ipv4_peer_of_a_dual_stack_listener_family_2() -> None:
    links = tcp_links()
    with server("gop-six", host="::") as srv:
        with clients("::1", srv, 1):
            six = rows(links, srv.port)
        with clients("127.0.0.1", srv, 1):
            four = rows(links, srv.port)
    assert {r["protocol"] for r in six.values()} == {"10"}
    assert {(r["client_ip"], r["server_ip"]) for r in six.values()} == {("::1", "::1")}
    # Both ends name the peer alike: 127.0.0.1, not ::ffff:127.0.0.1 on the server's side.
    assert {(r["client_ip"], r["server_ip"], r["protocol"]) for r in four.values()} == {
        ("127.0.0.1", "127.0.0.1", "2")
    }
    assert set(four) == {"0", "1"}


def test_the_proc_fallback_finds_the_same_links_with_unknown_counters() -> None:
    netlink, proc = tcp_links(), tcp_links(SocketSource(use_netlink=False))
    with server("gop-proc") as srv, clients("127.0.0.1", srv, 2):
        from_netlink, from_proc = rows(netlink, srv.port), rows(proc, srv.port)
    identity = NAMES[: NAMES.index("link_count") + 1]
    for role in ("0", "1"):
        assert [from_proc[role][k] for k in identity] == [from_netlink[role][k] for k in identity]
        assert [from_proc[role][k] for k in NAMES[len(identity) :]] == ["-"] * 7


def test_a_connection_no_visible_process_holds_is_left_out() -> None:
    links = TcpLinks(SocketSource().read, lambda inodes: {})
    with server("gop-orphan") as srv, clients("127.0.0.1", srv, 1):
        cycle = links.collect()
    assert cycle.records == [] and cycle.unowned >= 2


def test_a_record_never_has_an_empty_field() -> None:
    values = ["1"] * len(NAMES)
    values[NAMES.index("process_name")] = ""
    try:
        Record(tuple(values))
    except ValueError as exc:
        assert "process_name" in str(exc)
    else:
        raise AssertionError("an empty field was accepted")


def test_the_kafka_text_and_the_probe_line_are_21_09s(tmp_path: Path) -> None:
    record = Record(
        ("7", 'we"ird|name', "1", "10.0.0.1", "10.0.0.2", "80", "2", "1", "5", "6", "1", "2", "0", "0", "9")
    )
    text = record.kafka_value(1632630005000, "node1").decode()
    assert text == (
        '{"timestamp": 1632630005000, "hostname": "node1", "table_name": "tcp_link", "pid": "7", '
        '"process_name": "we\\"ird|name", "role": "1", "client_ip": "10.0.0.1", "server_ip": "10.0.0.2", '
        '"server_port": "80", "protocol": "2", "link_count": "1", "rx_bytes": "5", "tx_bytes": "6", '
        '"packets_in": "1", "packets_out": "2", "retran_packets": "0", "lost_packets": "0", "rtt": "9"}'
    )
    assert record.line() == '|tcp_link|7|we"ird_name|1|10.0.0.1|10.0.0.2|80|2|1|5|6|1|2|0|0|9|'
    assert socket.gethostname()  # the probe's hostname source answers here
