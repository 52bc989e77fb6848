"""A rule plugin of the operator's own, registered as docs/check-rules.md says, on the real
servers: imported and dry-run through the check scheduler, checked by the check executor and
evaluated on demand by the diag executor, all three reading `[executor] plugin_path` and
`plugin_registry`."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import pytest

from adoctor_check_scheduler import settings as check_settings
from tests.adoctor_diag_scheduler.test_diagnosis_e2e import Diagnosis  # the module fixture, reused
from tests.adoctor_diag_scheduler.test_diagnosis_e2e import diagnosis  # the module fixture, reused  # noqa: F401
from tests.adoctor_diag_scheduler.test_diagnosis_e2e import leaves  # the module fixture, reused
from tests.aops_utils.rules.test_check_rule_plugins import ABOVE  # the docstring's example plugin

# The diagnosis reads a minute before the schedule started.
pytestmark = pytest.mark.prometheus_history(120)

# The built-in plugin by its full module path: bare names resolve against plugin_path.
REGISTRY = """plugin_list:
  - plugin_name: expression_rule_plugin
    file_name: aops_utils.rules.plugins.expression_rule
    module_name: ExpressionCheckRule
  - {plugin_name: above, file_name: above, module_name: Above}
"""
QUICK_GROUPS = "session_timeout_ms=2000\nheartbeat_interval_ms=500\n"
RULE = {
    "check_item": "load_above",
    "data_list": [{"name": "node_load1", "type": "kpi"}],
    "condition": "-1",
    "plugin": "above",
    "description": "node_load1 is never below 0: abnormal at every sample",
}
TREE = {
    "node name": "host",
    "condition": "load",
    "description": "",
    "advice": "",
    "children": [{"node name": "load", "check item": "load_above"}],
}


@pytest.fixture(scope="module")
def plugin_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The package `site_checks` with the module `above`, on sys.path, and its registry file."""
    root = tmp_path_factory.mktemp("plugins")
    package = root / "site_checks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "above.py").write_text(ABOVE)
    (root / "check_rule_plugin.yml").write_text(REGISTRY)
    sys.path.insert(0, str(root))
    try:
        yield f"plugin_path=site_checks\nplugin_registry={root / 'check_rule_plugin.yml'}\n"
    finally:
        sys.path.remove(str(root))


def test_a_custom_plugin_rule_is_imported_checked_and_diagnosed(
    diagnosis: Diagnosis,  # noqa: F811
    plugin_keys: str,
) -> None:
    checks = diagnosis.checks
    refused = checks.post("/check/rule/import", {"check_items": [{**RULE, "condition": "high"}]})
    assert refused["code"] != 200 and "must be a number" in str(refused), refused
    reply = checks.post("/check/rule/import", {"check_items": [RULE]})
    assert reply["code"] == 200 and reply["succeed_list"] == ["load_above"], reply

    now = int(time.time())
    tried = checks.post(
        "/check/rule/test",
        {"check_item": "load_above", "host_list": [checks.host_id], "time_range": [now - 60, now - 5]},
    )
    assert tried["code"] == 200, tried
    assert tried["check_result"] and all(r["value"] == "Abnormal" for r in tried["check_result"]), tried

    checks.schedule.forward()  # the first run records where checking starts
    time.sleep(4)
    window = checks.schedule.forward()
    assert window is not None
    start, end = window
    stored = checks.wait_for(
        lambda found: any(r["value"] == "Abnormal" and start <= r["start"] <= end for r in found),
        check_items=["load_above"],
    )
    assert all(r["check_item"] == "load_above" for r in stored)

    reply = diagnosis.post("/diag/tree/import", {"trees": [{"tree_name": "load", "tree_content": TREE}]})
    assert reply["code"] == 200 and reply["succeed_list"] == ["load"], reply
    # The diag executor of this module reads the same plugin keys.
    _, check_ini = check_settings.load(checks.suite.conf_dir)
    (checks.suite.conf_dir / "diag_executor.ini").write_text(
        f"[consumer]\nkafka_server_list={check_ini.consumer.kafka_server_list}\n{QUICK_GROUPS}"
        f"[executor]\nconsumers=1\nsample_period=2\n{plugin_keys}"
    )
    diagnosis.start_executor()
    # Before the schedule started: never checked, so the diag executor evaluates the rule itself.
    task = diagnosis.post(
        "/diag/execute",
        {
            "host_list": [checks.host_id],
            "time_range": [start - 60, start - 30],
            "tree_list": ["load"],
            "interval": 15,
        },
    )
    assert task["expected_report_num"] == 2, task
    diagnosis.wait_finished(task["task_id"])
    reports = diagnosis.reports(task["task_id"])
    assert len(reports) == 2
    for found in reports:
        leaf = leaves(found["report"])["load"]
        assert leaf["value"] is True, leaf
        assert leaf["evidence"]["result_count"] >= 1, leaf
        assert all(r["value"] == "Abnormal" for r in leaf["evidence"]["results"]), leaf
        assert found["report"]["value"] is True
