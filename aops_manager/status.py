"""Host reachability: a TCP probe of each host's SSH port, in the background and on demand."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aops_manager.settings import ManagerSection
from aops_utils.data_center import DataCenter
from aops_utils.errors import AopsError

LOG = logging.getLogger(__name__)
ONLINE, OFFLINE = "online", "offline"


def probe_one(ip: str, port: int, timeout: float) -> str:
    """Online when an SSH server greets us: a bare TCP accept can come from a proxy or firewall."""
    try:
        with socket.create_connection((ip, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            greeting = conn.recv(64)
    except OSError:
        return OFFLINE
    return ONLINE if greeting.startswith(b"SSH-") else OFFLINE


def probe(hosts: Iterable[Mapping[str, Any]], timeout: float, concurrency: int) -> dict[str, str]:
    """{host_id: online|offline} for hosts given as {host_id, public_ip, ssh_port}."""
    targets = list(hosts)
    if not targets:
        return {}
    with ThreadPoolExecutor(max_workers=min(concurrency, len(targets))) as pool:
        results = pool.map(lambda h: probe_one(h["public_ip"], int(h["ssh_port"]), timeout), targets)
        return {h["host_id"]: status for h, status in zip(targets, results, strict=True)}


class StatusProber:
    """Probes every host of every user each `host_status_interval` seconds of its `[manager]`
    section, and new hosts as they are added."""

    def __init__(
        self, data_center: DataCenter, settings: ManagerSection, on_update: Callable[[], None]
    ) -> None:
        self._dc = data_center
        self._on_update = on_update
        self._interval = settings.host_status_interval
        self._timeout = settings.probe_timeout
        self._concurrency = settings.probe_concurrency
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Two workers: a slow batch of unreachable hosts does not hold back the next add's probe.
        self._soon = ThreadPoolExecutor(max_workers=2, thread_name_prefix="host-probe-on-add")

    def start(self) -> None:
        if self._interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="host-status-prober", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._soon.shutdown(wait=False, cancel_futures=True)
        if self._thread is not None:
            self._thread.join(timeout=self._timeout + 5)

    def refresh(self, hosts: Iterable[Mapping[str, Any]]) -> dict[str, str]:
        """Probe these hosts now and record their statuses with the manager's service token."""
        statuses = probe(hosts, self._timeout, self._concurrency)
        if statuses:
            self._dc.update_statuses(statuses)
            self._on_update()
        return statuses

    def probe_soon(self, hosts: Iterable[Mapping[str, Any]]) -> None:
        """Probe these hosts in the background, so a new host's status is known within seconds
        instead of after the next round, without the caller waiting for the probe."""
        targets = list(hosts)
        if not targets or self._interval <= 0 or self._stop.is_set():
            return
        try:
            self._soon.submit(self._refresh_quietly, targets)
        except RuntimeError:
            # Shut down between the check and the submit: the service is stopping.
            return

    def _refresh_quietly(self, hosts: list[Mapping[str, Any]]) -> None:
        try:
            self.refresh(hosts)
        except AopsError as exc:
            # The next round probes these hosts again.
            LOG.warning("probing %d added hosts failed: %s", len(hosts), exc.detail)

    def run_once(self) -> int:
        fleet = self._dc.hosts_by_user()
        return len(self.refresh([h for rows in fleet.values() for h in rows]))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                count = self.run_once()
                LOG.debug("probed %d hosts", count)
            except AopsError as exc:
                # The data center may be restarting; the next round tries again.
                LOG.warning("host status probe failed: %s", exc.detail)
            self._stop.wait(self._interval)
