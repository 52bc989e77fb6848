"""Reading a suite's audit logs (JSON lines, one file per service)."""

from __future__ import annotations

import json
from typing import Any

from tests.suite import Suite


def records(suite: Suite, service: str) -> list[dict[str, Any]]:
    """The audit records `service` (manager, database) wrote, oldest first."""
    path = suite.conf_dir / "log" / f"{service}-audit.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
