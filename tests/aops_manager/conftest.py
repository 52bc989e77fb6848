"""Fixtures for the deployment tests: real SSH test hosts in network namespaces (tests/sshhosts.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests import sshhosts
from tests.aops_manager.deploying import running_hosts
from tests.suite import Suite


@pytest.fixture(scope="session")
def test_hosts() -> Iterator[sshhosts.SshHosts]:
    """Two running SSH test hosts shared by the session; tests must not stop them."""
    yield from running_hosts(2)


@pytest.fixture
def deploy_token(deploy_suite: Suite) -> str:
    """A fresh user's session: its hosts, tasks and runs are its own."""
    return deploy_suite.add_user()[1]


@pytest.fixture
def clean_roots(deploy_hosts: sshhosts.SshHosts) -> None:
    """Nothing deployed on the test hosts before the test."""
    for host in deploy_hosts.hosts:
        shutil.rmtree(host.root / "opt", ignore_errors=True)
