"""The run display of `aops task --action status`: a headline and one row per step and host."""

from __future__ import annotations

from typing import Any

from aops_cli.runs import changes
from aops_cli.runs import render

RUN: dict[str, Any] = {
    "run_id": "r1",
    "task_id": "t1",
    "task_name": "web",
    "check": True,
    "status": "failed",
    "reason": "failed steps: kafka",
    "started_at": 100.0,
    "ended_at": 112.5,
    "steps": [
        {
            "step": "kafka",
            "status": "failed",
            "hosts": [
                {"host_name": "h1", "status": "changed", "task": "", "message": ""},
                {
                    "host_name": "h2",
                    "status": "failed",
                    "task": "Start kafka",
                    "message": "timed out\nat line 2",
                },
            ],
        },
        {"step": "probe", "status": "skipped", "hosts": []},
    ],
}


def test_a_run_renders_as_its_headline_and_a_row_per_step_and_host() -> None:
    lines = render(RUN).splitlines()
    assert lines[0] == "run r1 of task web (check mode): failed in 12.5 s: failed steps: kafka"
    assert lines[1].split() == ["step", "host", "status", "failed", "task", "message"]
    assert lines[3].split() == ["kafka", "h1", "changed", "-", "-"]
    assert lines[4].split() == ["kafka", "h2", "failed", "Start", "kafka", "timed", "out"]
    assert lines[5].split() == ["probe", "-", "skipped", "-", "-"]


def test_only_the_hosts_that_changed_are_printed_again() -> None:
    seen: dict[tuple[str, str], str] = {}
    assert changes(seen, RUN) == [
        "kafka h1: changed",
        "kafka h2: failed Start kafka timed out",
        "probe -: skipped",
    ]
    assert changes(seen, RUN) == []
