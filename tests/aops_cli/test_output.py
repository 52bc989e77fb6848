"""What the CLI's counts read like."""

from __future__ import annotations

from aops_cli.output import plural


def test_counts_are_spelled_as_english_spells_them() -> None:
    assert plural(1, "process") == "1 process"
    assert plural(5, "process") == "5 processes"
    assert plural(0, "host") == "0 hosts"
    assert plural(2, "balancer link") == "2 balancer links"
