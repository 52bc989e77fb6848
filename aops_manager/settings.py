"""`manager.ini`: where the manager listens and how it probes hosts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from aops_utils import conf
from aops_utils.conf import Endpoint, Section, UwsgiSection


class ManagerSection(Section):
    ip: str = "127.0.0.1"
    port: int = Field(11111, ge=1, le=65535)
    # 21.09 kept vault files here; credentials now live encrypted in the data center and
    # these directories only hold short-lived copies for Ansible runs.
    host_vault_dir: Path = Path("/opt/aops")
    host_vars: Path = Path("/opt/aops/host_vars")
    host_status_interval: int = Field(60, ge=0, description="seconds between probes; 0 disables")
    probe_timeout: float = Field(2.0, gt=0, le=60)
    probe_concurrency: int = Field(64, gt=0, le=1024)
    data_center_timeout: float = Field(600.0, gt=0)
    read_cache_seconds: float = Field(10.0, ge=0, le=3600, description="0 disables the read cache")

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(ip=self.ip, port=self.port)


class IgnoredDatabaseSection(Section):
    """The 21.09 manual shows `[database]` here, but the data center's address is in system.ini."""

    ip: str = "127.0.0.1"
    port: int = 11112


class ManagerIni(Section):
    manager: ManagerSection = ManagerSection()
    database: IgnoredDatabaseSection = IgnoredDatabaseSection()
    uwsgi: UwsgiSection = UwsgiSection(daemonize="/var/log/aops/uwsgi/manager.log")


def load(directory: Path | None = None) -> tuple[conf.SystemIni, ManagerIni]:
    return conf.load_system(directory), conf.load(ManagerIni, "manager.ini", directory)
