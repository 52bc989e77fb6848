"""Service log files rotate by `system.ini [log] max_bytes` and keep `backup_count` old files."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from aops_utils import conf
from aops_utils import log


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)


def test_a_log_past_max_bytes_rotates_and_keeps_backup_count_files(
    tmp_path: Path, restore_root_logger: None
) -> None:
    log_dir = tmp_path / "log"
    (tmp_path / "system.ini").write_text(f"[log]\nlog_dir={log_dir}\nmax_bytes=2000\nbackup_count=3\n")
    system = conf.load_system(tmp_path)
    logger = log.setup("manager", system.log, to_stderr=False)
    for n in range(200):  # about 20 kB: ten times max_bytes
        logger.info("line %03d %s", n, "x" * 40)

    files = sorted(p.name for p in log_dir.iterdir())
    assert files == ["manager.log", "manager.log.1", "manager.log.2", "manager.log.3"]
    assert all(0 < (log_dir / name).stat().st_size <= 2000 for name in files)
    assert "line 199 " in (log_dir / "manager.log").read_text()
    kept = "".join((log_dir / name).read_text() for name in files)
    assert "line 000 " not in kept  # the oldest lines went with the files beyond backup_count
