"""Where a cycle's socket table comes from: sock_diag netlink, or /proc/net/tcp{,6} when refused."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

from gala_gopher import diag
from gala_gopher.sockets import ESTABLISHED
from gala_gopher.sockets import LISTEN
from gala_gopher.sockets import TcpSocket
from gala_gopher.sockets import read_proc

LOG = logging.getLogger(__name__)
STATES = frozenset({ESTABLISHED, LISTEN})
FAMILIES = (socket.AF_INET, socket.AF_INET6)


class SocketSource:
    """Established and listening TCP sockets of this network namespace. Netlink first (it has
    the counters); once refused, /proc for the rest of the process's life (a sandbox that
    refuses it once refuses it always), said once in the log."""

    def __init__(self, use_netlink: bool = True, proc: Path = Path("/proc")) -> None:
        self.netlink = use_netlink
        self._proc = proc

    def read(self) -> list[TcpSocket]:
        if self.netlink:
            try:
                return diag.dump(FAMILIES, STATES)
            except diag.DiagRefused as exc:
                LOG.warning(
                    "%s: reading /proc/net/tcp and tcp6 instead, which have no byte, segment, "
                    "retransmit or rtt counters: those tcp_link fields are '-' from now on",
                    exc,
                )
                self.netlink = False
        return read_proc(STATES, self._proc)
