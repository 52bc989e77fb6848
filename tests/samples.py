"""Sample items shared by test modules: a fault tree over the sample node_exporter rules."""

from __future__ import annotations

from typing import Any

# Over conf/check_rules/node_exporter.json: `canary` (node_exporter_always) is abnormal wherever
# node_exporter answers, so the root is true whenever the data could be read.
HEALTH_TREE: dict[str, Any] = {
    "node name": "host health",
    "condition": "resources || rebooted",
    "description": "",
    "advice": "",
    "children": [
        {
            "node name": "resources",
            "condition": "memory low && load || canary",
            "description": "",
            "advice": "look at the load",
            "children": [
                {"node name": "memory low", "check item": "memory_low"},
                {"node name": "load", "check item": "load_high"},
                {"node name": "canary", "check item": "node_exporter_always"},
            ],
        },
        {"node name": "rebooted", "check item": "rebooted"},
    ],
}
