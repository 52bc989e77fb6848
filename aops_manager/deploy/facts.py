"""Host details from Ansible's facts: OS, kernel, architecture, CPU, memory, disks, interfaces.

A host's document is `{host_id, infos: {os, cpu, memory, disks, nics, ...}, collected_at}`,
21.09's `host_information` shape (section 5.2.8, its spellings `bios_verison` and `verdor_id`
kept) with the disks and interfaces besides. Details are collected in the background when hosts
are added, so that adding them is not slowed, and on demand.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from aops_manager.deploy.ansible_env import AnsibleSetup
from aops_manager.deploy.events import HostResult
from aops_manager.deploy.events import failure_message
from aops_manager.deploy.jobs import run_builtin
from aops_manager.deploy.plan import Target
from aops_manager.deploy.pool import DaemonPool
from aops_manager.deploy.workdir import RunDirs
from aops_manager.status import ONLINE
from aops_manager.status import probe
from aops_utils.data_center import DataCenter
from aops_utils.errors import AopsError

LOG = logging.getLogger(__name__)
FACTS_TASK = "Gather the facts"
# Block devices that are not disks.
_NOT_DISKS = ("loop", "ram", "zram", "sr", "fd")


def _cpu(facts: Mapping[str, Any]) -> dict[str, Any]:
    processor = [str(p) for p in facts.get("ansible_processor") or []]
    # ansible_processor repeats (index, vendor, model) per logical CPU.
    vendor = processor[1] if len(processor) > 1 else None
    model = processor[2] if len(processor) > 2 else None
    return {
        "architecture": facts.get("ansible_architecture"),
        "core_count": facts.get("ansible_processor_vcpus") or facts.get("ansible_processor_nproc"),
        "physical_count": facts.get("ansible_processor_count"),
        "cores_per_socket": facts.get("ansible_processor_cores"),
        "threads_per_core": facts.get("ansible_processor_threads_per_core"),
        "model_name": model,
        "verdor_id": vendor,
        # Not among Ansible's facts; 21.09's drawer shows them when present.
        "l1d_cache": None,
        "l1i_cache": None,
        "l2_cache": None,
        "l3_cache": None,
    }


def _disks(facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    devices = facts.get("ansible_devices") or {}
    found = []
    for name, device in sorted(devices.items()):
        if (
            name.startswith(_NOT_DISKS)
            or not isinstance(device, Mapping)
            or not int(device.get("sectors") or 0)
        ):
            continue
        found.append(
            {
                "name": name,
                "size": device.get("size"),
                "model": device.get("model"),
                "vendor": device.get("vendor"),
                "rotational": device.get("rotational") == "1",
                "partitions": sorted(device.get("partitions") or {}),
            }
        )
    return found


def _nics(facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = []
    for name in sorted(facts.get("ansible_interfaces") or []):
        nic = facts.get(f"ansible_{name.replace('-', '_').replace('.', '_')}")
        if not isinstance(nic, Mapping) or nic.get("type") == "loopback":
            continue
        raw = nic.get("ipv4")
        ipv4: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        found.append(
            {
                "name": name,
                "mac": nic.get("macaddress"),
                "ipv4": ipv4.get("address"),
                "netmask": ipv4.get("netmask"),
                "ipv6": [a.get("address") for a in nic.get("ipv6") or [] if isinstance(a, Mapping)],
                "mtu": nic.get("mtu"),
                "speed": nic.get("speed"),
                "active": nic.get("active"),
            }
        )
    return found


def details(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The host's details as 21.09's web drawer reads them, from Ansible's facts."""
    total = facts.get("ansible_memtotal_mb")
    return {
        "os": {
            "name": " ".join(
                str(p)
                for p in (facts.get("ansible_distribution"), facts.get("ansible_distribution_version"))
                if p
            ),
            "family": facts.get("ansible_os_family"),
            "kernel_version": facts.get("ansible_kernel"),
            "bios_verison": facts.get("ansible_bios_version"),
            "hostname": facts.get("ansible_hostname"),
            "virtualization": facts.get("ansible_virtualization_type"),
        },
        "cpu": _cpu(facts),
        "memory": {
            "size": f"{total} MB" if total is not None else None,
            "total": total,
            "swap": facts.get("ansible_swaptotal_mb"),
            # Per-module details (dmidecode) are not among Ansible's facts.
            "info": [],
        },
        "disks": _disks(facts),
        "nics": _nics(facts),
    }


Online = Callable[[Sequence[Target]], set[str]]


def ssh_online(timeout: float, concurrency: int) -> Online:
    """The ids of the hosts whose SSH server greets within `timeout` (the prober's probe)."""

    def online(targets: Sequence[Target]) -> set[str]:
        hosts = [{"host_id": t.host_id, "public_ip": t.address, "ssh_port": t.port} for t in targets]
        found = probe(hosts, timeout, concurrency)
        return {host_id for host_id, status in found.items() if status == ONLINE}

    return online


class FactCollection:
    """Follows the facts playbook's events: each host's details or why there are none."""

    def __init__(self, targets: Sequence[Target]) -> None:
        self.by_name = {t.inventory_name: t.host_id for t in targets}
        self.details: dict[str, dict[str, Any]] = {}
        self.reasons: dict[str, str] = {}

    def on_event(self, event: Mapping[str, Any]) -> None:
        found = HostResult.of(event)
        if found is None or (host_id := self.by_name.get(found.host)) is None:
            return
        if found.kind == "runner_on_ok" and found.task == FACTS_TASK:
            self.details[host_id] = details(found.result.get("ansible_facts") or {})
        elif found.kind == "runner_on_unreachable":
            self.reasons[host_id] = "the host is unreachable: " + failure_message(found.result)
        elif found.kind == "runner_on_failed":
            self.reasons[host_id] = failure_message(found.result) or "the facts could not be gathered"

    def documents(self) -> list[dict[str, Any]]:
        now = time.time()
        return [{"host_id": h, "infos": infos, "collected_at": now} for h, infos in self.details.items()]


@dataclass(eq=False)
class Facts:
    """Collects host details now, or soon in the background (one collection at a time)."""

    data_center: DataCenter
    dirs: RunDirs
    setup: AnsibleSetup
    timeout: int
    online: Online
    _pool: DaemonPool = field(default_factory=lambda: DaemonPool(1, "host-facts"), init=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)

    def collect(self, targets: Sequence[Target]) -> FactCollection:
        """Gather the hosts' facts and store the details found; the others have a reason."""
        collection = FactCollection(targets)
        # A host whose SSH port does not answer is not worth an Ansible connection timeout: a
        # fleet added at addresses not up yet costs a probe, not minutes of ansible-playbook.
        online = self.online(targets)
        for target in targets:
            if target.host_id not in online:
                collection.reasons[target.host_id] = (
                    f"the host is unreachable: no SSH server answers at {target.address}:{target.port}"
                )
        reachable = [t for t in targets if t.host_id in online]
        if not reachable:
            return collection
        result = run_builtin(
            self.dirs,
            self.setup,
            "host_facts",
            reachable,
            on_event=collection.on_event,
            timeout=self.timeout,
            cancelled=self._stopping.is_set,
        )
        for target in reachable:
            if target.host_id not in collection.details:
                collection.reasons.setdefault(
                    target.host_id, f"the collection did not finish ({result.status}): {result.tail}"
                )
        documents = collection.documents()
        if documents:
            self.data_center.save_host_info(documents)
        return collection

    def collect_soon(self, targets: Sequence[Target]) -> None:
        """Collect in the background: a host add answers without waiting for its hosts' facts."""
        try:
            self._pool.submit(self._collect_quietly, list(targets))
        except RuntimeError:
            return  # shut down: the manager is stopping

    def _collect_quietly(self, targets: list[Target]) -> None:
        try:
            collection = self.collect(targets)
        except AopsError as exc:
            LOG.warning("details of %d added hosts could not be stored: %s", len(targets), exc.detail)
            return
        except Exception:
            LOG.exception("collecting the details of %d added hosts failed", len(targets))
            return
        if collection.reasons:
            LOG.info("no details for %d of %d added hosts", len(collection.reasons), len(targets))

    def close(self) -> None:
        """Stop: a collection under way is cancelled, those waiting are dropped."""
        self._stopping.set()
        self._pool.shutdown(10.0, drop_waiting=True)
