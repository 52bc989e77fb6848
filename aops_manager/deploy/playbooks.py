"""One `ansible-playbook` run through ansible-runner, in a run's private directory."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aops_manager.deploy.ansible_env import AnsibleSetup
from aops_manager.deploy.inventory import write_file
from aops_utils import private

LOG = logging.getLogger(__name__)
EventHandler = Callable[[Mapping[str, Any]], None]
# ansible-runner looks at the cancel callback each time its read of Ansible's output times out
# (and at each output): a cancel takes effect within about this long.
CANCEL_POLL = 0.25


@dataclass(frozen=True, slots=True)
class PlaybookResult:
    # ansible-runner's: successful, failed, canceled, timeout (or error when it could not start).
    status: str
    rc: int | None
    tail: str  # the last lines Ansible printed, for a failure that no event reports


def run_playbook(
    workdir: Path,
    setup: AnsibleSetup,
    playbook: Path,
    *,
    ident: str,
    on_event: EventHandler,
    cancelled: Callable[[], bool] = lambda: False,
    variables: Mapping[str, Any] | None = None,
    check: bool = False,
    timeout: int | None = None,
) -> PlaybookResult:
    """Run `playbook` over the inventory of `workdir`; `on_event` sees each event as it comes."""
    import ansible_runner

    extravars: str | None = None
    if variables:
        folder = private.make_dir(workdir / "vars")
        extravars = str(write_file(folder / f"{ident}.json", json.dumps(dict(variables))))

    def handle(event: dict[str, Any]) -> bool:
        on_event(event)
        return False  # no event files: the states go to the data center instead

    try:
        result = ansible_runner.run(
            private_data_dir=str(workdir),
            project_dir=str(playbook.parent),
            playbook=playbook.name,
            inventory=str(workdir / "inventory" / "hosts.yml"),
            extravars=extravars,
            envvars=setup.environment(workdir),
            cmdline="--check" if check else None,
            forks=setup.forks,
            ident=ident,
            quiet=True,
            # Nothing of the run in env/ files: the variables file above is the run's own.
            suppress_env_files=True,
            event_handler=handle,
            cancel_callback=cancelled,
            settings={"pexpect_timeout": CANCEL_POLL, "job_timeout": timeout or 0},
        )
    except Exception as exc:  # ansible-runner raises plain exceptions for a run it cannot start
        LOG.warning("ansible-runner could not run %s: %s", playbook, exc)
        return PlaybookResult("error", None, f"{type(exc).__name__}: {exc}")
    return PlaybookResult(str(result.status), result.rc, _tail(workdir / "artifacts" / ident / "stdout"))


def _tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    kept = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    return "\n".join(kept[-lines:])
