"""`diag_executor.ini`: a key that no longer has an effect still loads, with a warning."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from adoctor_diag_executor import settings
from adoctor_diag_executor.service import build
from aops_utils.auth import load_secret
from aops_utils.bus.memory import MemoryBus


def write(conf_dir: Path, executor: str) -> None:
    secret = conf_dir / "secret.key"
    load_secret(secret, create=True)
    (conf_dir / "system.ini").write_text(f"[auth]\nsecret_file={secret}\n[log]\nlog_dir={conf_dir}\n")
    (conf_dir / "diag_executor.ini").write_text(f"[bus]\nkind=memory\n[executor]\n{executor}")


def settle_warnings(
    conf_dir: Path, executor: str, caplog: pytest.LogCaptureFixture
) -> tuple[settings.DiagExecutorIni, list[str]]:
    """The ini loaded and the executor built from it; the warnings that name settle_seconds."""
    write(conf_dir, executor)
    with caplog.at_level(logging.WARNING, logger="aops_utils.conf"):
        system, ini = settings.load(conf_dir)
    build(system, ini, MemoryBus())
    return ini, [r.getMessage() for r in caplog.records if "settle_seconds" in r.getMessage()]


def test_an_ini_that_sets_settle_seconds_loads_and_says_the_key_has_no_effect(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ini, (warning,) = settle_warnings(tmp_path, "consumers=1\nsettle_seconds=60\n", caplog)
    assert ini.executor.consumers == 1
    assert "ignored: no effect: a slice counts as checked only where" in warning


def test_an_ini_without_settle_seconds_starts_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _ini, warnings = settle_warnings(tmp_path, "consumers=1\n", caplog)
    assert warnings == []
