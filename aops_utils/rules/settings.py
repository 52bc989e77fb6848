"""`[executor] plugin_path` and `plugin_registry`: the plugins of every process that compiles rules."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic import field_validator

from aops_utils.conf import Section
from aops_utils.rules.plugins import PLUGIN_PACKAGE
from aops_utils.rules.plugins import PluginRegistry
from aops_utils.rules.plugins import load_registry

# Where 21.09 kept its plugin modules; its expression rule now lives in PLUGIN_PACKAGE.
LEGACY_PLUGIN_PACKAGE = "adoctor_check_executor.check_rule_plugins"
_PACKAGE = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"


class PluginSettings(Section):
    """Read from `[executor]` by the check scheduler (import, dry-run), the check executor and
    the diag executor, so that all three compile a rule with the same plugins."""

    # The package a registry entry's bare `file_name` is a module of.
    plugin_path: str = Field(PLUGIN_PACKAGE, pattern=_PACKAGE)
    # The registry file (21.09's check_rule_plugin.yml); empty: the one shipped in PLUGIN_PACKAGE.
    plugin_registry: Path | None = None

    @field_validator("plugin_path")
    @classmethod
    def _current_package(cls, value: str) -> str:
        return PLUGIN_PACKAGE if value == LEGACY_PLUGIN_PACKAGE else value

    def registry(self) -> PluginRegistry:
        """Import the registered plugins; a fault is a ConfigError naming the file and entry."""
        return load_registry(self.plugin_registry, self.plugin_path)
