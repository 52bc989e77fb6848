"""The plugin registry: the packaged file, custom plugins, and broken registry files."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import aops_utils.rules.plugins
from aops_utils.errors import ConfigError
from aops_utils.rules.plugins import DEFAULT_REGISTRY
from aops_utils.rules.plugins import BatchEvaluation
from aops_utils.rules.plugins import CheckRulePlugin
from aops_utils.rules.plugins import Evaluation
from aops_utils.rules.plugins import PluginRegistry
from aops_utils.rules.plugins import RuleError
from aops_utils.rules.plugins import Series
from aops_utils.rules.plugins import load_registry
from aops_utils.rules.plugins.expression_rule import ExpressionCheckRule

KPI = {"name": "node_load1", "type": "kpi", "label": {}}


def _docstring_example() -> str:
    """The example plugin of the package docstring, as the text of a module: what a reader copies
    from there is what these tests load."""
    doc = aops_utils.rules.plugins.__doc__ or ""
    start = doc.index("    from aops_utils.rules.plugins import")
    return textwrap.dedent(doc[start : doc.index("    plugin_list:", start)])


# The docstring's example as a module of its own, with two classes that are not plugins.
ABOVE = (
    _docstring_example()
    + """

class Incomplete(CheckRulePlugin):
    def history_seconds(self, sample_period):
        return 0


class NotAPlugin:
    pass
"""
)


@pytest.fixture
def plugin_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An importable package `<name>.above` holding the example plugin."""
    name = f"aops_test_plugins_{uuid.uuid4().hex[:8]}"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "above.py").write_text(ABOVE)
    (package / "broken.py").write_text("raise RuntimeError('plugin module exploded')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    for module in [m for m in sys.modules if m.startswith(name)]:
        del sys.modules[module]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "check_rule_plugin.yml"
    path.write_text(textwrap.dedent(text))
    return path


def test_packaged_registry_loads_the_expression_plugin() -> None:
    registry = load_registry()
    assert registry.names == ["expression_rule_plugin"]
    assert registry.source == DEFAULT_REGISTRY
    assert registry.plugin("") is ExpressionCheckRule
    assert registry.plugin(None) is ExpressionCheckRule
    assert load_registry(DEFAULT_REGISTRY).names == registry.names


def test_compile_through_the_registry() -> None:
    registry = load_registry()
    rule = registry.compile(plugin="", condition="$0 > 90", data_list=[KPI])
    assert isinstance(rule, ExpressionCheckRule)
    assert rule.history_seconds(15) == 0
    vector = {"$0": Series([1.0, 16.0], ["95", "12"])}
    assert [f.status for f in rule.evaluate(vector, 0).findings()] == ["Abnormal"]
    assert len(rule.evaluate_batch([vector, vector], [0, 10])) == 2
    with pytest.raises(RuleError) as caught:
        registry.compile(plugin="expression_rule_plugin", condition="$0 > 90)", data_list=[KPI])
    assert str(caught.value) == "condition: unexpected ')' at position 7"


def test_unknown_plugin_is_a_rule_error() -> None:
    with pytest.raises(RuleError) as caught:
        load_registry().compile(plugin="nope", condition="$0 > 1", data_list=[KPI])
    assert str(caught.value) == "plugin: unknown plugin 'nope' (registered: expression_rule_plugin)"
    assert caught.value.position is None
    with pytest.raises(RuleError, match="registered: none"):
        PluginRegistry({}).compile("", "$0 > 1", [KPI])


def test_a_bare_file_name_is_a_module_of_the_plugin_path_package(tmp_path: Path, plugin_package: str) -> None:
    path = write(
        tmp_path,
        """
        plugin_list:
          - {plugin_name: above, file_name: above, module_name: Above}
        """,
    )
    assert load_registry(path, plugin_package).plugin("above").__module__ == f"{plugin_package}.above"
    # The same file against the built-in package: there is no module `above` there.
    with pytest.raises(ConfigError, match=r"cannot import aops_utils\.rules\.plugins\.above"):
        load_registry(path)


def test_custom_plugin_registered_by_dotted_path(tmp_path: Path, plugin_package: str) -> None:
    path = write(
        tmp_path,
        f"""
        plugin_list:
          - plugin_name: expression_rule_plugin
            file_name: expression_rule
            module_name: ExpressionCheckRule
          - {{plugin_name: above, file_name: {plugin_package}.above, module_name: Above}}
        """,
    )
    registry = load_registry(path)
    assert registry.names == ["above", "expression_rule_plugin"]
    rule = registry.compile(plugin="above", condition="50", data_list=[KPI])
    vector = {"$0": Series([1.0, 2.0, 3.0], ["10", "60", "70"])}
    evaluation = rule.evaluate(vector, 2.0)
    assert [(f.timestamp, f.status) for f in evaluation.findings()] == [(2.0, "Abnormal"), (3.0, "Abnormal")]
    # The default evaluate_batch joins per-host evaluations.
    batch = rule.evaluate_batch([vector, {"$0": Series([5.0], ["1"])}], 0)
    assert isinstance(batch, BatchEvaluation)
    assert [(host, f.timestamp) for host, f in batch.findings()] == [(0, 2.0), (0, 3.0)]
    assert batch.offsets.tolist() == [0, 3, 4]
    with pytest.raises(RuleError, match="must be a number at position 0"):
        registry.compile("above", "fifty", [KPI])
    assert isinstance(rule, CheckRulePlugin)


def test_evaluation_of_helper_records_errors() -> None:
    stamps = np.array([1.0, 2.0, 3.0])
    evaluation = Evaluation.of(stamps, np.array([True, True, False]), {1: "sensor offline"})
    assert [tuple(f) for f in evaluation.findings()] == [
        (1.0, "Abnormal", ""),
        (2.0, "Internal error", "sensor offline"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plugin_list: [", "is not valid YAML"),
        ("plugins: []", "needs a top-level 'plugin_list'"),
        ("plugin_list: []", "needs a top-level 'plugin_list' with at least one entry"),
        ("- a\n- b", "needs a top-level 'plugin_list'"),
        ("plugin_list: [5]", "plugin_list[0]: an entry needs plugin_name, file_name and module_name"),
        (
            "plugin_list: [{plugin_name: x, module_name: X}]",
            "plugin_list[0] (x): 'file_name' must be a non-empty string",
        ),
        (
            "plugin_list: [{plugin_name: x, file_name: expression_rule, module_name: ''}]",
            "plugin_list[0] (x): 'module_name' must be a non-empty string",
        ),
        (
            "plugin_list: [{plugin_name: x, file_name: ../evil, module_name: X}]",
            "plugin_list[0] (x): file_name '../evil' is not a module name",
        ),
        (
            "plugin_list: [{plugin_name: x, file_name: expression_rule, module_name: 'a b'}]",
            "module_name 'a b' is not a class name",
        ),
        (
            "plugin_list: [{plugin_name: x, file_name: no_such_module, module_name: X}]",
            "plugin_list[0] (x): cannot import aops_utils.rules.plugins.no_such_module",
        ),
        (
            "plugin_list: [{plugin_name: x, file_name: expression_rule, module_name: Missing}]",
            "plugin_list[0] (x): aops_utils.rules.plugins.expression_rule.Missing "
            "is not a CheckRulePlugin class",
        ),
        (
            "plugin_list:\n"
            "  - {plugin_name: x, file_name: expression_rule, module_name: ExpressionCheckRule}\n"
            "  - {plugin_name: x, file_name: expression_rule, module_name: ExpressionCheckRule}",
            "plugin_list[1] (x): plugin_name is listed twice",
        ),
    ],
)
def test_broken_registry_files(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_registry(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("module", "cls", "message"),
    [
        ("above", "NotAPlugin", "above.NotAPlugin is not a CheckRulePlugin class"),
        ("above", "Incomplete", "above.Incomplete does not implement compile, evaluate"),
        ("broken", "X", "cannot import {package}.broken: plugin module exploded"),
    ],
)
def test_broken_plugin_modules(
    tmp_path: Path, plugin_package: str, module: str, cls: str, message: str
) -> None:
    path = write(
        tmp_path,
        f"plugin_list: [{{plugin_name: bad, file_name: {plugin_package}.{module}, module_name: {cls}}}]",
    )
    with pytest.raises(ConfigError) as caught:
        load_registry(path)
    assert f"{path}: plugin_list[0] (bad): " in str(caught.value)
    assert message.format(package=plugin_package) in str(caught.value)


def test_missing_registry_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.yml"
    with pytest.raises(ConfigError, match=f"{missing}: cannot read the plugin registry"):
        load_registry(missing)
