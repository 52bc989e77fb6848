"""The suite and the gala-ragdoll each test module of this folder runs against: a module that
wants MariaDB or a deploy configuration overrides `suite`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import suite_on
from tests.gala_ragdoll.serving import Served
from tests.gala_ragdoll.serving import ragdoll
from tests.suite import Suite


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with suite_on("sqlite", tmp_path_factory.mktemp("ragsuite")) as running:
        yield running


@pytest.fixture(scope="module")
def served(suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with ragdoll(suite, tmp_path_factory.mktemp("git") / "repo") as running:
        yield running
