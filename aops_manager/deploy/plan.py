"""A run as the engine sees it: steps in order, hosts with their decrypted logins, per-step variables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

# An inventory hostname Ansible takes as it is; other host names are replaced by the host's id.
_INVENTORY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


@dataclass(frozen=True, slots=True)
class Login:
    """How the engine logs in to a host and becomes root; the secrets never show in a repr."""

    user: str
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    become_password: str | None = field(default=None, repr=False)
    become_user: str = "root"

    def secrets(self) -> list[str]:
        return [s for s in (self.password, self.private_key, self.become_password) if s]

    @classmethod
    def of_vault(cls, variables: Mapping[str, str]) -> Login:
        """The login a host's opened credential vault holds (aops_manager.vault.credential_vars)."""
        return cls(
            user=variables["vault_ansible_user"],
            password=variables.get("vault_ansible_ssh_pass") or None,
            private_key=variables.get("vault_ansible_ssh_private_key") or None,
            become_password=variables.get("vault_ansible_become_pass") or None,
            become_user=variables.get("vault_ansible_become_user") or "root",
        )


@dataclass(frozen=True, slots=True)
class Target:
    """One host of a run and the components (inventory groups) it is given."""

    host_id: str
    host_name: str
    address: str
    port: int
    login: Login
    components: tuple[str, ...] = ()

    @classmethod
    def of_host(cls, host: Mapping[str, Any], login: Login, components: tuple[str, ...] = ()) -> Target:
        """A host as the data center lists it (host_id, host_name, public_ip, ssh_port), with its login."""
        return cls(
            str(host["host_id"]),
            str(host["host_name"]),
            str(host["public_ip"]),
            int(host["ssh_port"]),
            login,
            components,
        )

    @property
    def inventory_name(self) -> str:
        """Its name in the inventory: the host's name as 21.09 used it, when Ansible takes it."""
        return self.host_name if _INVENTORY_NAME.match(self.host_name) else f"host-{self.host_id}"


@dataclass(frozen=True, slots=True)
class Step:
    """A component's playbook run over the hosts given that component (21.09 section 6.4)."""

    position: int
    name: str
    enable: bool = True
    # 21.09's `continue`: a failure of this step does not stop the run.
    proceed: bool = False
    template_name: str = ""
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Plan:
    run_id: str
    username: str
    task_id: str
    task_name: str
    steps: tuple[Step, ...]
    targets: tuple[Target, ...]
    check: bool = False

    def targets_of(self, step: Step) -> list[Target]:
        return [t for t in self.targets if step.name in t.components]

    def components(self) -> list[str]:
        """Every component given to a host, in the order of first appearance."""
        return list(dict.fromkeys(c for t in self.targets for c in t.components))

    def secrets(self) -> list[str]:
        return [s for t in self.targets for s in t.login.secrets()]
