"""Custom components: playbooks an operator adds to `[deploy] ansible_dir` beside the catalogue's.

As 21.09's `example/` described, a component is `playbooks/<name>.yml` (its hosts are the group
`<name>_hosts`) with its variables' defaults in `vars/<name>_vars.yml`. A template may name such
a component like a shipped one; its variables take values of their defaults' types.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from aops_manager.deploy.catalogue import Catalogue
from aops_manager.deploy.catalogue import Component
from aops_manager.deploy.catalogue import ComponentSpec
from aops_manager.deploy.catalogue import MappingCatalogue
from aops_manager.deploy.catalogue import Typed
from aops_utils.errors import ConfigError

# The component names a template may hold (aops_utils.contracts.data_center.deploy.Component).
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _kind(default: Any) -> Any:
    for kind in (bool, int, float, str, list, dict):
        if isinstance(default, kind):
            return kind
    return Any


def variables_of(path: Path) -> dict[str, Typed]:
    """A custom component's variables, each of its default's type; none without the file."""
    if not path.is_file():
        return {}
    try:
        defaults = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not readable as YAML: {exc}") from None
    if not isinstance(defaults, dict) or not all(isinstance(k, str) for k in defaults):
        raise ConfigError(f"{path}: must be a mapping of variable names to their defaults")
    return {name: Typed(_kind(value)) for name, value in defaults.items()}


def with_custom(base: Catalogue, ansible_dir: Path) -> Catalogue:
    """The catalogue with the custom components of `ansible_dir` after its own."""
    components: dict[str, ComponentSpec] = {}
    for name in base.names():
        spec = base.get(name)
        if spec is not None:
            components[name] = spec
    for playbook in sorted((ansible_dir / "playbooks").glob("*.yml")):
        name = playbook.stem
        if name in components or not _NAME.match(name):
            continue
        components[name] = Component(
            name, f"{name}_hosts", variables_of(ansible_dir / "vars" / f"{name}_vars.yml")
        )
    return MappingCatalogue(components)
