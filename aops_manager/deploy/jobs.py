"""A short Ansible job of the manager's own (config collection, host facts) over some hosts."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from aops_manager.deploy.ansible_env import AnsibleSetup
from aops_manager.deploy.inventory import write_inventory
from aops_manager.deploy.plan import Target
from aops_manager.deploy.playbooks import EventHandler
from aops_manager.deploy.playbooks import PlaybookResult
from aops_manager.deploy.playbooks import run_playbook
from aops_manager.deploy.workdir import RunDirs

BUILTIN = Path(__file__).resolve().parent / "builtin"


def run_builtin(
    dirs: RunDirs,
    setup: AnsibleSetup,
    name: str,
    targets: Sequence[Target],
    *,
    on_event: EventHandler,
    timeout: int,
    host_variables: Mapping[str, Mapping[str, Any]] | None = None,
    variables: Mapping[str, Any] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    prepare: Callable[[Path], Mapping[str, Any]] | None = None,
    forks: int | None = None,
    max_result_chars: int | None = None,
) -> PlaybookResult:
    """Run the shipped playbook `builtin/<name>.yml` in a private directory removed afterwards;
    `prepare` writes what the run needs into it and returns more variables (files to copy);
    `forks` (`[deploy] forks` otherwise) and `max_result_chars` are this run's own."""
    setup = replace(
        setup, forks=forks or setup.forks, max_result_chars=max_result_chars or setup.max_result_chars
    )
    with dirs.temporary(name) as path:
        if prepare is not None:
            variables = {**(variables or {}), **prepare(path)}
        write_inventory(path, targets, setup.connection, host_variables=host_variables)
        return run_playbook(
            path,
            setup,
            BUILTIN / f"{name}.yml",
            ident=name,
            on_event=on_event,
            variables=variables,
            timeout=timeout,
        )
