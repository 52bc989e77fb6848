"""What every Ansible run of the manager shares: where the playbooks are and how it reaches hosts."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from aops_manager.deploy.components import ANSIBLE_DIR
from aops_manager.deploy.inventory import Connection
from aops_manager.settings import DeploySection

# The playbooks and roles shipped in the package (21.09: deploy_manager/ansible_handler).
SHIPPED = ANSIBLE_DIR.resolve()
_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


@dataclass(frozen=True, slots=True)
class AnsibleSetup:
    # Where playbooks (playbooks/<component>.yml) and roles are looked for, in order: the
    # operator's custom components ([deploy] ansible_dir), then the shipped ones.
    ansible_dirs: tuple[Path, ...]
    forks: int
    connect_timeout: int
    connection: Connection
    # ansible-runner replaces a task result longer than this (as text) with {} in its events
    # (its MAX_EVENT_RES, 700,000 by default); None keeps its default.
    max_result_chars: int | None = None

    @classmethod
    def of(cls, section: DeploySection) -> AnsibleSetup:
        custom = (section.ansible_dir,) if section.ansible_dir else ()
        return cls(
            ansible_dirs=(*custom, SHIPPED),
            forks=section.forks,
            connect_timeout=section.connect_timeout,
            connection=Connection(section.become_method, section.python_interpreter),
        )

    def playbook(self, component: str) -> Path | None:
        """The entry playbook of a component, None when there is none."""
        if not _COMPONENT.match(component):
            return None
        for directory in self.ansible_dirs:
            path = directory / "playbooks" / f"{component}.yml"
            if path.is_file():
                return path
        return None

    def environment(self, workdir: Path) -> dict[str, str]:
        """Ansible's settings for a run in `workdir`: nothing of it is written outside."""
        return {
            # ansible-runner starts `ansible-playbook` by name: this environment's first.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
            "ANSIBLE_HOME": str(workdir / "ansible"),
            "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
            "ANSIBLE_SSH_CONTROL_PATH_DIR": str(workdir / "cp"),
            "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(workdir / "pcp"),
            "ANSIBLE_ROLES_PATH": os.pathsep.join(str(d / "roles") for d in self.ansible_dirs),
            # The 21.09 manual asked for host_key_checking = False; known hosts are not kept
            # either, so a host whose key changed is not refused a password login.
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            # No ControlPersist masters: they outlive the run by a minute.
            "ANSIBLE_SSH_ARGS": "-o ControlMaster=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
            "ANSIBLE_TIMEOUT": str(self.connect_timeout),
            # One SSH session per task instead of four.
            "ANSIBLE_PIPELINING": "True",
            "ANSIBLE_FORKS": str(self.forks),
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_DEPRECATION_WARNINGS": "False",
            "ANSIBLE_LOCALHOST_WARNING": "False",
            **({"MAX_EVENT_RES": str(self.max_result_chars)} if self.max_result_chars else {}),
        }
