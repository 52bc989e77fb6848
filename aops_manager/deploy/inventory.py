"""The inventory of a run, written into its private directory with the hosts' logins.

Hosts go into one group per component they are given, named as 21.09's inventories named them
(`<component>_hosts`), so that a component's playbook finds its own hosts and those of the
components it talks to (kafka reads `zookeeper_hosts`). Passwords are written as `!unsafe`
strings, so that Ansible never expands a `{{` in one; private keys go into files of their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from aops_manager.deploy.plan import Target
from aops_utils import private


class Unsafe(str):
    """A value Ansible must take literally (YAML tag `!unsafe`)."""

    __slots__ = ()


class _Dumper(yaml.SafeDumper):
    pass


def _unsafe(dumper: yaml.SafeDumper, value: Unsafe) -> yaml.Node:
    return dumper.represent_scalar("!unsafe", str(value))


_Dumper.add_representer(Unsafe, _unsafe)


@dataclass(frozen=True, slots=True)
class Connection:
    """How every host of a run is reached: the manager's [deploy] settings."""

    become_method: str
    python_interpreter: str


def group_of(component: str) -> str:
    return f"{component}_hosts"


def write_file(path: Path, text: str) -> Path:
    """`text` into a new 0600 file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, private.FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def host_vars(target: Target, keys: Path, more: Mapping[str, Any] | None = None) -> dict[str, Any]:
    login = target.login
    found: dict[str, Any] = {
        "ansible_host": target.address,
        "ansible_port": target.port,
        "ansible_user": Unsafe(login.user),
        "ansible_become_user": Unsafe(login.become_user),
        "aops_host_id": target.host_id,
    }
    if login.password:
        found["ansible_password"] = Unsafe(login.password)
    if login.private_key:
        key = login.private_key if login.private_key.endswith("\n") else login.private_key + "\n"
        private.make_dir(keys)
        found["ansible_ssh_private_key_file"] = str(write_file(keys / target.host_id, key))
    if login.become_password:
        found["ansible_become_password"] = Unsafe(login.become_password)
    if more:
        found.update(more)
    return found


def write_inventory(
    directory: Path,
    targets: Iterable[Target],
    connection: Connection,
    *,
    host_variables: Mapping[str, Mapping[str, Any]] | None = None,
    groups: Iterable[str] = (),
) -> Path:
    """`<directory>/inventory/hosts.yml` for `targets` (with more variables by host id), each
    in its components' groups and in `groups`; key files under `<directory>/keys`."""
    chosen = list(targets)
    hosts = {
        t.inventory_name: host_vars(t, directory / "keys", (host_variables or {}).get(t.host_id))
        for t in chosen
    }
    children: dict[str, Any] = {}
    for t in chosen:
        for name in [*(group_of(c) for c in t.components), *groups]:
            children.setdefault(name, {"hosts": {}})["hosts"][t.inventory_name] = None
    inventory = {
        "all": {
            "vars": {
                "ansible_become_method": connection.become_method,
                "ansible_python_interpreter": connection.python_interpreter,
            },
            "hosts": hosts,
            "children": children,
        }
    }
    folder = private.make_dir(directory / "inventory")
    text = yaml.dump(inventory, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
    return write_file(folder / "hosts.yml", text)
