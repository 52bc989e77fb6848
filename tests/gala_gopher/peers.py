"""Real TCP peers for the probe's tests: an echo-like server process and clients, over loopback
or between network namespaces."""

from __future__ import annotations

import contextlib
import ipaddress
import random
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from tests.netchange import network_change

# The server process: names itself (comm) `name`, listens on `host`, prints its port, then for
# every connection reads `request` bytes and answers `reply` bytes, as often as asked.
SERVER = textwrap.dedent(
    """
    import socket, sys, threading
    name, host, request, reply = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open("/proc/self/comm", "w") as comm:
        comm.write(name)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = socket.socket(family)
    server.bind((host, 0))
    server.listen(128)
    print(server.getsockname()[1], flush=True)

    def serve(conn):
        while True:
            got = 0
            while got < request:
                data = conn.recv(request - got)
                if not data:
                    return
                got += len(data)
            conn.sendall(b"r" * reply)

    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
    """
)


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int
    name: str
    request: int
    reply: int

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextlib.contextmanager
def server(
    name: str, host: str = "127.0.0.1", request: int = 1000, reply: int = 5000, netns: str | None = None
) -> Iterator[Server]:
    prefix = ["ip", "netns", "exec", netns] if netns else []
    argv = [*prefix, sys.executable, "-c", SERVER, name, host, str(request), str(reply)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield Server(proc, port, name, request, reply)
    finally:
        proc.kill()
        proc.wait(10)


def exchange(conn: socket.socket, srv: Server, times: int = 1) -> None:
    """Send the server's request size and read its whole reply, `times` times."""
    for _ in range(times):
        conn.sendall(b"q" * srv.request)
        got = 0
        while got < srv.reply:
            data = conn.recv(srv.reply - got)
            assert data, "the server closed the connection"
            got += len(data)


@contextlib.contextmanager
def clients(host: str, srv: Server, count: int, times: int = 1) -> Iterator[list[socket.socket]]:
    conns = [socket.create_connection((host, srv.port), timeout=10) for _ in range(count)]
    try:
        for conn in conns:
            exchange(conn, srv, times)
        yield conns
    finally:
        for conn in conns:
            conn.close()


def _run(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def _free_subnet() -> ipaddress.IPv4Network:
    used = [
        ipaddress.ip_interface(line.split()[3]).network
        for line in _run("ip", "-4", "-o", "addr", "show").splitlines()
    ]
    for _ in range(100):
        candidate = ipaddress.ip_network(f"10.{random.randint(160, 199)}.{random.randint(0, 255)}.0/30")
        if not any(candidate.overlaps(net) for net in used):
            return candidate
    raise RuntimeError("no free 10.160-199.x.0/30 subnet")


@dataclass(frozen=True)
class NetnsPair:
    namespace: str
    inside: str  # the namespace's address
    outside: str  # the root namespace's end of the veth pair


@contextlib.contextmanager
def netns_pair() -> Iterator[NetnsPair]:
    """A network namespace joined to this one by a veth pair on a free /30 (needs root)."""
    tag = f"{random.getrandbits(24):06x}"
    namespace, veth = f"aopsg{tag}", f"aopsg{tag}"
    outside, inside = (str(a) for a in list(_free_subnet().hosts())[:2])
    _run("ip", "netns", "add", namespace)
    try:
        # The namespace's end too: bringing it up brings the root end's carrier up.
        with network_change():
            _run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace)
            # No IPv6 link-local address, which would come a second or two later, outside the lock.
            _run("ip", "link", "set", veth, "addrgenmode", "none")
            _run("ip", "addr", "add", f"{outside}/30", "dev", veth)
            _run("ip", "link", "set", veth, "up")
            for cmd in (["addr", "add", f"{inside}/30", "dev", "eth0"], ["link", "set", "eth0", "up"]):
                _run("ip", "-n", namespace, *cmd)
            _run("ip", "-n", namespace, "link", "set", "lo", "up")
        yield NetnsPair(namespace, inside, outside)
    finally:
        # The root end goes first: deleting the namespace removes it only later.
        with network_change():
            subprocess.run(["ip", "link", "del", veth], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)
