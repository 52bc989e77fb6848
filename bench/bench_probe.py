"""CPU of the gala-gopher probe on a host with 5,000 TCP sockets, at its 5 s interval.

A helper process opens 2,500 loopback connections (5,000 established sockets, both ends its own,
plus a listener) and a trickle of traffic on a tenth of them; the probe runs as systemd runs it
(`python -m gala_gopher start`) with gala-gopher.conf's `interval = 5`, producing to the test
Kafka broker when AOPS_TEST_KAFKA is set (else with Kafka switched off). After its first cycle
(start-up and imports excluded), the probe's own CPU time (utime + stime from /proc, every
thread: the cycles, kafka-python's I/O thread, the page server) is read over `--intervals`
intervals. Target: < 2 % of one core.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

from support import report
from support.env import PYTHON
from support.env import ROOT
from support.env import free_port
from support.env import load_average
from support.procs import cpu_seconds

TARGET_PERCENT = 2.0

# Opens `connections` loopback connections, prints "ready", then sends a byte on every tenth
# connection each second (the server side echoes it) until stdin closes.
HOLDER = textwrap.dedent(
    """
    import resource, select, socket, sys, threading, time
    count = int(sys.argv[1])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4096)
    clients, accepted = [], []
    for _ in range(count):
        clients.append(socket.create_connection(server.getsockname()))
        accepted.append(server.accept()[0])
    print("ready", flush=True)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    while not stop.wait(1.0):
        for n in range(0, count, 10):
            clients[n].send(b"x")
            accepted[n].recv(1)
            accepted[n].send(b"y")
            clients[n].recv(1)
    """
)


def page_has_records(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as reply:
            return b"gala_gopher_tcp_link_link_count" in reply.read()
    except OSError:
        return False


def run(args: argparse.Namespace) -> dict[str, Any]:
    kafka = os.environ.get("AOPS_TEST_KAFKA", "")
    connections = args.sockets // 2
    report.say(f"load average before: {load_average()}")
    report.say(f"opening {connections} loopback connections ({args.sockets} sockets)")
    argv = [str(PYTHON), "-c", HOLDER, str(connections)]
    holder = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    probe: subprocess.Popen[bytes] | None = None
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with tempfile.TemporaryDirectory(prefix="bench-probe-") as conf_dir:
            port = free_port()
            switch = "on" if kafka else "off"
            broker = kafka or "localhost:9092"
            Path(conf_dir, "gala-gopher.conf").write_text(
                f"ingress = {{ interval = {args.interval}; }};\nweb_server = {{ port = {port}; }};\n"
                f'kafka = {{ kafka_broker = "{broker}"; kafka_topic = "bench_gala_gopher"; '
                f'switch = "{switch}"; }};\n'
            )
            Path(conf_dir, "system.ini").write_text(f"[log]\nlog_dir={conf_dir}\n")
            env = {**os.environ, "AOPS_CONF_DIR": conf_dir, "PYTHONPATH": str(ROOT)}
            probe = subprocess.Popen([str(PYTHON), "-m", "gala_gopher", "start"], env=env)
            deadline = time.monotonic() + 120
            while not page_has_records(port):
                if probe.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the probe never finished its first cycle")
                time.sleep(0.2)
            report.say(f"probe pid {probe.pid}: first cycle done; Kafka: {kafka or 'off'}")
            start_cpu, start_wall = cpu_seconds(probe.pid), time.monotonic()
            for n in range(args.intervals):
                time.sleep(args.interval)
                used = cpu_seconds(probe.pid) - start_cpu
                report.say(f"  after {n + 1} interval(s): {used * 1000:7.1f} ms CPU")
            cpu = cpu_seconds(probe.pid) - start_cpu
            wall = time.monotonic() - start_wall
    finally:
        if probe is not None:
            probe.terminate()
            probe.wait(30)
        holder.communicate("", timeout=30)
    percent = 100 * cpu / wall
    per_cycle_ms = 1000 * cpu / max(1, round(wall / args.interval))
    report.say(f"probe CPU {percent:.2f} % of one core ({per_cycle_ms:.1f} ms per {args.interval} s cycle)")
    report.say(f"load average after: {load_average()}")
    return {
        "sockets": args.sockets,
        "interval_s": args.interval,
        "measured_s": round(wall, 1),
        "kafka": bool(kafka),
        "cpu_percent_of_one_core": round(percent, 3),
        "cpu_ms_per_cycle": round(per_cycle_ms, 1),
        "target_percent": TARGET_PERCENT,
        "load_average": load_average(),
        "targets_met": percent < TARGET_PERCENT,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=5000, help="established sockets (both ends count)")
    parser.add_argument("--interval", type=int, default=5)
    parser.add_argument("--intervals", type=int, default=6, help="intervals to measure over")
    args = parser.parse_args()
    report.main_guard(lambda: run(args))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
