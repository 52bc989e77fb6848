"""The TCP socket table of this network namespace: the types, and reading /proc/net/tcp{,6}."""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass
from pathlib import Path

# Kernel TCP states (include/net/tcp_states.h) the probe reads.
ESTABLISHED = 1
LISTEN = 10
_MAPPED_PREFIX = b"\x00" * 10 + b"\xff\xff"


@dataclass(frozen=True, slots=True)
class TcpCounters:
    """What `struct tcp_info` says about one connection since it opened (lost and rtt: now), in
    the order of the struct's fields."""

    lost: int  # segments currently presumed lost (tcpi_lost): a level, not a count
    rtt_us: int  # smoothed round-trip time
    total_retrans: int
    bytes_acked: int
    bytes_received: int
    segs_out: int
    segs_in: int


@dataclass(frozen=True, slots=True)
class TcpSocket:
    family: int  # AF_INET or AF_INET6; an IPv4-mapped IPv6 socket counts as AF_INET
    state: int
    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int
    inode: int
    counters: TcpCounters | None  # None where the kernel does not say (the /proc fallback)


def address_text(family: int, raw: bytes) -> str:
    """Dotted IPv4 or compressed IPv6; an IPv4-mapped IPv6 address (a dual-stack listener's IPv4
    peer) as the IPv4 address, so that both ends of one connection name it alike."""
    if family == socket.AF_INET:
        return socket.inet_ntop(socket.AF_INET, raw[:4])
    if raw[:12] == _MAPPED_PREFIX:
        return socket.inet_ntop(socket.AF_INET, raw[12:16])
    return socket.inet_ntop(socket.AF_INET6, raw[:16])


def family_of(family: int, ip: str) -> int:
    return socket.AF_INET if family == socket.AF_INET6 and ":" not in ip else family


def _proc_address(family: int, text: str) -> tuple[str, int]:
    """`0100007F:1F90` as /proc prints it: each 32-bit word of the address in host byte order."""
    hex_address, hex_port = text.split(":")
    raw = b"".join(
        int(hex_address[i : i + 8], 16).to_bytes(4, sys.byteorder) for i in range(0, len(hex_address), 8)
    )
    return address_text(family, raw), int(hex_port, 16)


def read_proc(states: frozenset[int], root: Path = Path("/proc")) -> list[TcpSocket]:
    """The sockets of /proc/net/tcp and tcp6 in `states`: addresses and inodes, no counters
    (/proc has no byte or segment counts; its `retrnsmt` is the current timer's retry count)."""
    found: list[TcpSocket] = []
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        try:
            lines = (root / "net" / name).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue  # no IPv6 in this kernel
        for line in lines:
            fields = line.split()
            state = int(fields[3], 16)
            if state not in states:
                continue
            local_ip, local_port = _proc_address(family, fields[1])
            remote_ip, remote_port = _proc_address(family, fields[2])
            found.append(
                TcpSocket(
                    family=family_of(family, local_ip),
                    state=state,
                    local_ip=local_ip,
                    local_port=local_port,
                    remote_ip=remote_ip,
                    remote_port=remote_port,
                    inode=int(fields[9]),
                    counters=None,
                )
            )
    return found
