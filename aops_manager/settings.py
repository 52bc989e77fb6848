"""`manager.ini`: where the manager listens and how it probes hosts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field

from aops_utils import conf
from aops_utils.conf import Port
from aops_utils.conf import Retired
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


class ManagerIni(WebServiceIni):
    # The 21.09 manual's manager.ini has a [database] section (with the wrong port, 11112) that
    # its manager never read either.
    retired: ClassVar[Mapping[str, Retired]] = {
        "database": Retired(
            "no effect: every service finds the data center at system.ini [database] ip/port"
        ),
    }

    manager: ManagerSection = ManagerSection()


load = conf.ServiceLoader(ManagerIni, "manager.ini", lambda ini: ini.manager.endpoint)
