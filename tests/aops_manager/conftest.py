"""Fixtures for the deployment tests: real SSH test hosts in network namespaces (tests/sshhosts.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import sshhosts


@pytest.fixture(scope="session")
def test_hosts() -> Iterator[sshhosts.SshHosts]:
    """Two running SSH test hosts shared by the session; tests must not stop them."""
    try:
        hosts = sshhosts.start(2)
    except sshhosts.TestHostError as exc:
        pytest.fail(f"SSH test hosts could not start: {exc}")
    try:
        yield hosts
    finally:
        sshhosts.stop(hosts)
