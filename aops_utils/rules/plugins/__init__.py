"""Check rule plugins: the contract, and the registry that loads them from check_rule_plugin.yml.

A new plugin is a module with one class implementing CheckRulePlugin, listed in the
registry file (`file_name` is a module of the plugin package, `[executor] plugin_path`, this
package by default, or a dotted module path; `module_name` is the class):

    from aops_utils.rules.plugins import CheckRulePlugin, Evaluation, RuleError

    class Above(CheckRulePlugin):
        '''The condition is a number: abnormal where $0 exceeds it.'''

        def __init__(self, limit: float) -> None:
            self.limit = limit

        @classmethod
        def compile(cls, condition, data_list):
            try:
                return cls(float(condition))
            except ValueError:
                raise RuleError("must be a number", 0) from None

        def history_seconds(self, sample_period):
            return 0

        def evaluate(self, vector, start):
            series = vector["$0"]
            keep = series.timestamps >= start
            values, _ = series.numbers()
            return Evaluation.of(series.timestamps[keep], values[keep] > self.limit)

    plugin_list:
      - {plugin_name: above, file_name: mycompany.above, module_name: Above}

compile raises RuleError for a bad condition (the rule is then refused at import);
evaluate_batch has a default that calls evaluate per host, and evaluate_columns (what the
executor calls, with every series of a task laid end to end) one that builds those vectors.
"""

from __future__ import annotations

import abc
import importlib
import inspect
import re
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from typing import Self

import numpy as np
import yaml
from numpy.typing import ArrayLike

from aops_utils.errors import ConfigError
from aops_utils.rules import ABNORMAL
from aops_utils.rules import INTERNAL_ERROR
from aops_utils.rules import BatchEvaluation
from aops_utils.rules import Columns
from aops_utils.rules import Evaluation
from aops_utils.rules import Finding
from aops_utils.rules import RuleError
from aops_utils.rules import Series
from aops_utils.rules import Vector
from aops_utils.rules import merge_log_messages

__all__ = [
    "ABNORMAL",
    "DEFAULT_PLUGIN",
    "DEFAULT_REGISTRY",
    "INTERNAL_ERROR",
    "PLUGIN_PACKAGE",
    "BatchEvaluation",
    "CheckRulePlugin",
    "Columns",
    "Evaluation",
    "Finding",
    "PluginRegistry",
    "RuleError",
    "Series",
    "Vector",
    "load_registry",
    "merge_log_messages",
]

DEFAULT_PLUGIN = "expression_rule_plugin"
DEFAULT_REGISTRY = Path(__file__).with_name("check_rule_plugin.yml")
PLUGIN_PACKAGE = __name__
_MODULE_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_CLASS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENTRY_KEYS = ("plugin_name", "file_name", "module_name")


class CheckRulePlugin(abc.ABC):
    """What a rule plugin implements: compile once, say how much history, evaluate."""

    @classmethod
    @abc.abstractmethod
    def compile(cls, condition: str, data_list: Sequence[Mapping[str, Any]]) -> Self:
        """Check the condition against the data_list; raise RuleError if it can never work."""

    @abc.abstractmethod
    def history_seconds(self, sample_period: int) -> int:
        """Seconds of data needed before the task window (sample_period: seconds per sample)."""

    @abc.abstractmethod
    def evaluate(self, vector: Vector, start: float) -> Evaluation:
        """Verdicts for one host's samples of $0 at or after start."""

    def evaluate_batch(self, vectors: Sequence[Vector], starts: float | ArrayLike) -> BatchEvaluation:
        """Many hosts at once; `starts` is one start for all or one per host."""
        host_starts = np.broadcast_to(np.asarray(starts, dtype=np.float64), (len(vectors),)).tolist()
        return BatchEvaluation.concat(
            [self.evaluate(vector, start) for vector, start in zip(vectors, host_starts, strict=True)]
        )

    def evaluate_columns(self, columns: Columns, starts: float | ArrayLike) -> BatchEvaluation:
        """Many series at once as columns (what the executor builds from the data center's
        reply); by default one vector of Series per segment, through evaluate_batch."""
        return self.evaluate_batch(list(columns.vectors()), starts)


class PluginRegistry:
    """Plugin classes by name, as listed in a registry file."""

    def __init__(self, plugins: Mapping[str, type[CheckRulePlugin]], source: Path | None = None) -> None:
        self.plugins = dict(plugins)
        self.source = source

    @property
    def names(self) -> list[str]:
        return sorted(self.plugins)

    def plugin(self, name: str | None) -> type[CheckRulePlugin]:
        """The class for a rule's `plugin` field; "" or None means expression_rule_plugin."""
        wanted = name or DEFAULT_PLUGIN
        found = self.plugins.get(wanted)
        if found is None:
            known = ", ".join(self.names) or "none"
            raise RuleError(f"unknown plugin '{wanted}' (registered: {known})", field="plugin")
        return found

    def compile(
        self, plugin: str | None, condition: str, data_list: Sequence[Mapping[str, Any]]
    ) -> CheckRulePlugin:
        return self.plugin(plugin).compile(condition, data_list)


def load_registry(path: Path | str | None = None, package: str = PLUGIN_PACKAGE) -> PluginRegistry:
    """Read a registry file (default: the one shipped in this package) and import its plugins;
    a bare `file_name` is a module of `package`.

    Any fault is a ConfigError naming the file and the entry.
    """
    source = Path(path) if path else DEFAULT_REGISTRY
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the plugin registry: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: the plugin registry is not valid YAML: {exc}") from exc
    entries = document.get("plugin_list") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{source}: needs a top-level 'plugin_list' with at least one entry")
    plugins: dict[str, type[CheckRulePlugin]] = {}
    for index, entry in enumerate(entries):
        name, plugin = _load_entry(source, index, entry, package)
        if name in plugins:
            raise ConfigError(f"{source}: plugin_list[{index}] ({name}): plugin_name is listed twice")
        plugins[name] = plugin
    return PluginRegistry(plugins, source)


def _load_entry(source: Path, index: int, entry: Any, package: str) -> tuple[str, type[CheckRulePlugin]]:
    where = f"{source}: plugin_list[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: an entry needs plugin_name, file_name and module_name")
    if isinstance(entry.get("plugin_name"), str):
        where += f" ({entry['plugin_name']})"
    for key in _ENTRY_KEYS:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    file_name, class_name = entry["file_name"].strip(), entry["module_name"].strip()
    if not _MODULE_PATH.fullmatch(file_name):
        raise ConfigError(f"{where}: file_name {file_name!r} is not a module name")
    if not _CLASS_NAME.fullmatch(class_name):
        raise ConfigError(f"{where}: module_name {class_name!r} is not a class name")
    module_path = file_name if "." in file_name else f"{package}.{file_name}"
    try:
        module = importlib.import_module(module_path)
    except Exception as exc:  # a plugin module may fail in any way; the registry reports which
        raise ConfigError(f"{where}: cannot import {module_path}: {exc}") from exc
    plugin = getattr(module, class_name, None)
    if not (inspect.isclass(plugin) and issubclass(plugin, CheckRulePlugin)):
        raise ConfigError(f"{where}: {module_path}.{class_name} is not a CheckRulePlugin class")
    if inspect.isabstract(plugin):
        missing = ", ".join(sorted(getattr(plugin, "__abstractmethods__", ())))
        raise ConfigError(f"{where}: {module_path}.{class_name} does not implement {missing}")
    return entry["plugin_name"].strip(), plugin
