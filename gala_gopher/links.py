"""One cycle of the tcp probe: established sockets, their owners and roles, summed into tcp_link rows.

As 21.09's tcpprobe: one row per (role, client ip, server ip, server port, address family, pid)
with the number of connections, and the bytes, segments and retransmissions since the previous
cycle (a connection first seen counts from its start), the segments presumed lost now, and the
smoothed rtt averaged over the connections weighted by their segments of the cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from aops_utils.contracts.link_tables import UNKNOWN
from gala_gopher.owners import Owner
from gala_gopher.records import Record
from gala_gopher.sockets import LISTEN
from gala_gopher.sockets import TcpCounters
from gala_gopher.sockets import TcpSocket

LOG = logging.getLogger(__name__)
SERVER, CLIENT = "0", "1"  # 21.09's role values
_WILDCARDS = ("0.0.0.0", "::")
_U32 = 1 << 32
# tcp_info counts the SYN of an active open as one byte acknowledged; a client connection first
# seen counts from here, so that tx_bytes are data bytes on both ends.
_OPENED_ACTIVELY = TcpCounters(0, 0, 0, 1, 0, 0, 0)

SocketId = tuple[int, int, int]  # inode, local port, remote port: one connection while it lives
LinkKey = tuple[str, str, str, int, int, int, str]  # role, client ip, server ip, port, family, pid, name


@dataclass
class _Sums:
    links: int = 0
    rx_bytes: int = 0
    tx_bytes: int = 0
    packets_in: int = 0
    packets_out: int = 0
    retrans: int = 0
    lost: int = 0
    rtt_weighted: int = 0
    weight: int = 0
    rtts: list[int] = field(default_factory=list)
    known: bool = True

    def add(self, now: TcpCounters | None, before: TcpCounters | None) -> None:
        self.links += 1
        if now is None:
            self.known = False
            return
        base = before or TcpCounters(0, 0, 0, 0, 0, 0, 0)
        # tcp_info's segment and retransmit counters are 32 bits wide and wrap.
        segs_in = (now.segs_in - base.segs_in) % _U32
        segs_out = (now.segs_out - base.segs_out) % _U32
        # 64-bit byte counters do not wrap; max() keeps the SYN's byte from going negative.
        self.rx_bytes += max(0, now.bytes_received - base.bytes_received)
        self.tx_bytes += max(0, now.bytes_acked - base.bytes_acked)
        self.packets_in += segs_in
        self.packets_out += segs_out
        self.retrans += (now.total_retrans - base.total_retrans) % _U32
        self.lost += now.lost
        self.rtt_weighted += now.rtt_us * (segs_in + segs_out)
        self.weight += segs_in + segs_out
        self.rtts.append(now.rtt_us)

    def metrics(self) -> tuple[str, ...]:
        if not self.known:
            return (str(self.links),) + (UNKNOWN,) * 7
        # Idle connections (no segment this cycle) still have an rtt: their plain mean.
        rtt = self.rtt_weighted // self.weight if self.weight else sum(self.rtts) // len(self.rtts)
        counts = (self.links, self.rx_bytes, self.tx_bytes, self.packets_in, self.packets_out)
        return tuple(str(n) for n in (*counts, self.retrans, self.lost, rtt))


@dataclass(frozen=True)
class Cycle:
    records: list[Record]
    connections: int  # established connections read
    unowned: int  # of them, held by no process this probe can see (left out)


class TcpLinks:
    """Turns each cycle's socket table into tcp_link records, remembering each connection's
    counters for the next cycle's differences."""

    def __init__(
        self,
        read_sockets: Callable[[], list[TcpSocket]],
        owners: Callable[[set[int]], dict[int, Owner]],
    ) -> None:
        self._read = read_sockets
        self._owners = owners
        self._before: dict[SocketId, TcpCounters] = {}
        self._warned_unowned = False

    def collect(self) -> Cycle:
        sockets = self._read()
        listening_at: set[tuple[str, int]] = set()
        listening_any: set[int] = set()
        connections: list[TcpSocket] = []
        for sock in sockets:
            if sock.state == LISTEN:
                if sock.local_ip in _WILDCARDS:
                    listening_any.add(sock.local_port)
                else:
                    listening_at.add((sock.local_ip, sock.local_port))
            else:
                connections.append(sock)
        owners = self._owners({s.inode for s in connections})
        sums: dict[LinkKey, _Sums] = {}
        now: dict[SocketId, TcpCounters] = {}
        unowned = 0
        for sock in connections:
            owner = owners.get(sock.inode)
            if owner is None:
                unowned += 1
                continue
            ident = (sock.inode, sock.local_port, sock.remote_port)
            before = self._before.get(ident)
            if sock.local_port in listening_any or (sock.local_ip, sock.local_port) in listening_at:
                key = (SERVER, sock.remote_ip, sock.local_ip, sock.local_port, sock.family, owner.pid)
            else:
                key = (CLIENT, sock.local_ip, sock.remote_ip, sock.remote_port, sock.family, owner.pid)
                before = before or _OPENED_ACTIVELY
            sums.setdefault((*key, owner.name), _Sums()).add(sock.counters, before)
            if sock.counters is not None:
                now[ident] = sock.counters
        self._before = now
        self._log_unowned(unowned)
        records = [_record(key, sums[key]) for key in sorted(sums)]
        return Cycle(records, len(connections), unowned)

    def _log_unowned(self, unowned: int) -> None:
        if unowned and not self._warned_unowned:
            LOG.info(
                "%d established connection(s) left out: no process of this PID namespace holds "
                "them (a container's own PID namespace, another user's process when not root, or "
                "a socket being closed); said once",
                unowned,
            )
            self._warned_unowned = True
        LOG.debug("%d established connection(s) without a visible owner this cycle", unowned)


def _record(key: LinkKey, sums: _Sums) -> Record:
    role, client_ip, server_ip, port, family, pid, name = key
    return Record((str(pid), name, role, client_ip, server_ip, str(port), str(family), *sums.metrics()))
