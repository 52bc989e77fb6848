"""TCP sockets with their `struct tcp_info` from the kernel's sock_diag netlink interface (`ss -ti`)."""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterator

from gala_gopher.sockets import LISTEN
from gala_gopher.sockets import TcpCounters
from gala_gopher.sockets import TcpSocket
from gala_gopher.sockets import address_text
from gala_gopher.sockets import family_of

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
INET_DIAG_INFO = 2

# struct nlmsghdr, then struct inet_diag_req_v2: family, protocol, ext, pad, states, then the
# inet_diag_sockid (ports, 4 + 4 address words, interface, cookie) left zero for a dump.
_HEADER = struct.Struct("=IHHII")
_REQUEST = struct.Struct("=BBBxI48x")
# struct inet_diag_msg: family, state, (timer, retrans), sport and dport (network order), the
# source and destination addresses (16 bytes each), (interface, cookie, expires, rqueue,
# wqueue, uid), inode.
_MESSAGE = struct.Struct("=BB2x2H16s16s28xI")
_ATTR = struct.Struct("=HH")
# struct tcp_info up to what 21.09 reported: tcpi_lost (offset 32), tcpi_rtt (68),
# tcpi_total_retrans (100), tcpi_bytes_acked (120), tcpi_bytes_received (128), tcpi_segs_out
# (136) and tcpi_segs_in (140). Kernels before 4.2 send a shorter struct: those counters are
# then unknown rather than made up.
_INFO = struct.Struct("=32xI32xI28xI16xQQII")
_BUFFER = 1 << 20


class DiagRefused(OSError):
    """The kernel (or a sandbox) refused the sock_diag request."""


def _request(family: int, states: int, sequence: int) -> bytes:
    body = _REQUEST.pack(family, socket.IPPROTO_TCP, 1 << (INET_DIAG_INFO - 1), states)
    header = _HEADER.pack(
        _HEADER.size + len(body), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, sequence, 0
    )
    return header + body


def dump(families: tuple[int, ...], states: frozenset[int]) -> list[TcpSocket]:
    """Every TCP socket of this network namespace in one of `states`, of each address family;
    raises DiagRefused when netlink or sock_diag is not available."""
    mask = 0
    for state in states:
        mask |= 1 << state
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
    except OSError as exc:
        raise DiagRefused(exc.errno, f"netlink sock_diag socket refused: {exc.strerror}") from exc
    found: list[TcpSocket] = []
    buffer = bytearray(_BUFFER)
    with sock:
        for sequence, family in enumerate(families, start=1):
            try:
                sock.send(_request(family, mask, sequence))
            except OSError as exc:
                raise DiagRefused(exc.errno, f"sock_diag request refused: {exc.strerror}") from exc
            found.extend(_receive(sock, buffer, sequence))
    return found


def _receive(sock: socket.socket, buffer: bytearray, sequence: int) -> Iterator[TcpSocket]:
    # One loop over the raw buffer with absolute offsets: at 5,000 sockets a cycle, slicing
    # and a call per socket cost more than the kernel's dump itself.
    header, message, attr, info = (
        _HEADER.unpack_from,
        _MESSAGE.unpack_from,
        _ATTR.unpack_from,
        _INFO.unpack_from,
    )
    names: dict[bytes, str] = {}
    while True:
        size = sock.recv_into(buffer)
        offset = 0
        while offset + _HEADER.size <= size:
            length, kind, _flags, seq, _pid = header(buffer, offset)
            if length < _HEADER.size:
                return
            end = offset + length
            if seq == sequence:
                if kind == NLMSG_DONE:
                    return
                if kind == NLMSG_ERROR:
                    (errno,) = struct.unpack_from("=i", buffer, offset + _HEADER.size)
                    if errno:
                        raise DiagRefused(-errno, f"sock_diag dump failed: {os.strerror(-errno)}")
                elif kind == SOCK_DIAG_BY_FAMILY:
                    start = offset + _HEADER.size
                    family, state, sport, dport, src, dst, inode = message(buffer, start)
                    counters = None
                    at = start + _MESSAGE.size
                    while state != LISTEN and at + _ATTR.size <= end:
                        attr_length, attr_kind = attr(buffer, at)
                        if attr_length < _ATTR.size:
                            break
                        if attr_kind == INET_DIAG_INFO and attr_length - _ATTR.size >= _INFO.size:
                            counters = TcpCounters(*info(buffer, at + _ATTR.size))
                            break
                        at += (attr_length + 3) & ~3
                    local_ip = names.get(src) or names.setdefault(src, address_text(family, src))
                    remote_ip = names.get(dst) or names.setdefault(dst, address_text(family, dst))
                    yield TcpSocket(
                        family_of(family, local_ip),
                        state,
                        local_ip,
                        socket.ntohs(sport),
                        remote_ip,
                        socket.ntohs(dport),
                        inode,
                        counters,
                    )
            offset = (end + 3) & ~3
