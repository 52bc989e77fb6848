"""`manager.ini`: where the manager listens, how it probes hosts and how it runs deployments."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar
from typing import Literal

from pydantic import Field

from aops_utils import conf
from aops_utils.conf import Port
from aops_utils.conf import Retired
from aops_utils.conf import Section
from aops_utils.conf import ServerSection
from aops_utils.conf import WebServiceIni

# 21.09 wrote each host's ansible-vault file under these directories.
_VAULT_FILES = Retired(
    "no effect: host credentials are stored ansible-vault encrypted in the data center "
    "(credential table), not in files, so nothing is written there"
)


class ManagerSection(ServerSection):
    retired: ClassVar[Mapping[str, Retired]] = {"host_vault_dir": _VAULT_FILES, "host_vars": _VAULT_FILES}

    port: Port = 11111
    host_status_interval: int = Field(60, ge=0, description="seconds between probes; 0 disables")
    probe_timeout: float = Field(2.0, gt=0, le=60)
    probe_concurrency: int = Field(64, gt=0, le=1024)
    data_center_timeout: float = Field(600.0, gt=0)
    read_cache_seconds: float = Field(10.0, ge=0, le=3600, description="0 disables the read cache")
    # ansible-vault's key derivation is fixed by its format (PBKDF2, 10,000 rounds): only the
    # key's length makes guessing it from a stolen vault slow.
    vault_key_min_length: int = Field(12, ge=1, le=256)
    vault_key_ttl: float = Field(3600.0, gt=0, description="seconds a certificated key stays in memory")


class DeploySection(Section):
    """`[deploy]`: deployment runs, config collection and host facts, all through Ansible."""

    max_runs: int = Field(2, gt=0, le=64, description="runs at once; more wait in the queue")
    max_queued: int = Field(100, ge=0, le=10000, description="runs waiting at most; more are refused")
    forks: int = Field(10, gt=0, le=500, description="hosts Ansible works on at once in a run")
    # Each run's private directory (inventory, decrypted credentials) lives here while it runs.
    data_dir: Path = Path("/var/lib/aops/deploy")
    # Custom components beside the shipped ones: <dir>/playbooks/<name>.yml, <dir>/roles and
    # <dir>/vars/<name>_vars.yml (docs/deployment.md); a playbook here wins over a shipped one.
    ansible_dir: Path | None = None
    # How a task gains root: 21.09 used su with the root password (its `sudo_password`).
    become_method: Literal["sudo", "su"] = "sudo"
    python_interpreter: str = "/usr/bin/python3"
    connect_timeout: int = Field(10, gt=0, le=300, description="seconds for an SSH connection")
    # Per-host states reach the data center in batches at most this far apart.
    status_interval: float = Field(0.25, gt=0, le=5)
    # A run's lease in the data center, renewed every third of it: when this manager stops
    # without ending a run, the run is ended as interrupted once the lease runs out.
    run_lease: int = Field(30, ge=3, le=3600)
    collect_facts: bool = Field(True, description="collect each added host's details with Ansible")
    facts_timeout: int = Field(60, gt=0, le=3600, description="seconds a fact collection may take")
    collect_timeout: int = Field(120, gt=0, le=3600, description="seconds a config collection may take")
    collect_max_bytes: int = Field(
        1024 * 1024, gt=0, le=64 * 1024 * 1024, description="largest file collected"
    )
    # A config collection is one short task per host: it reads all its hosts at once up to this
    # many (a domain check waits for its slowest wave), apart from `forks` of deployments.
    collect_forks: int = Field(100, gt=0, le=500, description="hosts a config collection reads at once")


class ManagerIni(WebServiceIni):
    # The 21.09 manual's manager.ini has a [database] section (with the wrong port, 11112) that
    # its manager never read either.
    retired: ClassVar[Mapping[str, Retired]] = {
        "database": Retired(
            "no effect: every service finds the data center at system.ini [database] ip/port"
        ),
    }

    manager: ManagerSection = ManagerSection()
    deploy: DeploySection = DeploySection()


load = conf.ServiceLoader(ManagerIni, "manager.ini", lambda ini: ini.manager.endpoint)
