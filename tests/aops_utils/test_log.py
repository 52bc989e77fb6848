"""Service log files rotate by `system.ini [log] max_bytes` and keep `backup_count` old files."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from aops_utils import conf
from aops_utils import log
from aops_utils.audit import AuditLog
from aops_utils.audit import Event


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


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask: whatever the log creates must not rely on it."""
    before = os.umask(0)
    try:
        yield
    finally:
        os.umask(before)


def test_log_files_and_their_rotations_are_0600_in_a_0700_directory_even_under_umask_000(
    tmp_path: Path, restore_root_logger: None, open_umask: None
) -> None:
    log_dir = tmp_path / "var" / "log"
    (tmp_path / "system.ini").write_text(f"[log]\nlog_dir={log_dir}\nmax_bytes=500\nbackup_count=2\n")
    logger = log.setup("manager", conf.load_system(tmp_path).log, to_stderr=False)
    for n in range(40):
        logger.info("line %03d %s", n, "x" * 40)

    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in log_dir.iterdir()}
    assert modes == {"manager.log": 0o600, "manager.log.1": 0o600, "manager.log.2": 0o600}
    assert stat.S_IMODE(log_dir.stat().st_mode) == stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700


def test_an_old_log_left_readable_by_all_is_tightened_and_the_log_says_so(
    tmp_path: Path, restore_root_logger: None
) -> None:
    log_dir = tmp_path / "log"
    log_dir.mkdir(mode=0o755)
    log_dir.chmod(0o755)
    for name in ("manager.log", "manager.log.1"):
        (log_dir / name).write_text("an old line\n")
        (log_dir / name).chmod(0o644)
    (tmp_path / "system.ini").write_text(f"[log]\nlog_dir={log_dir}\n")
    log.setup("manager", conf.load_system(tmp_path).log, to_stderr=False)

    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in log_dir.iterdir()} == {
        "manager.log": 0o600,
        "manager.log.1": 0o600,
    }
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    text = (log_dir / "manager.log").read_text()
    assert f"tightened {log_dir / 'manager.log.1'} from mode 644 to 600" in text
    assert f"tightened {log_dir} from mode 755 to 700" in text


FORGED = "2024-01-01 00:00:00,000 WARNING aops/forged/1: admin logged in"


def test_a_name_with_a_newline_cannot_forge_a_log_line(tmp_path: Path, restore_root_logger: None) -> None:
    (tmp_path / "system.ini").write_text(f"[log]\nlog_dir={tmp_path / 'log'}\n")
    logger = log.setup("check_scheduler", conf.load_system(tmp_path).log, to_stderr=False)
    logger.warning("rule %s refused", f"cpu\n{FORGED}\r\x1b[2K\u2028")
    try:
        raise ValueError(f"bad rule name cpu\n{FORGED}")
    except ValueError:
        logger.exception("import of %s failed", "cpu\nx")

    lines = (tmp_path / "log" / "check_scheduler.log").read_text().splitlines()
    records = [line for line in lines if not line.startswith(" ")]
    assert len(records) == 2
    assert records[0].endswith(f"rule cpu\\n{FORGED}\\r\\x1b[2K\\u2028 refused")
    assert records[1].endswith("import of cpu\\nx failed")
    # The traceback follows its record, every line of it indented, the exception's text too.
    assert lines[-2:] == ["    ValueError: bad rule name cpu", f"    {FORGED}"]
    assert all(line.startswith("    ") for line in lines[lines.index(records[1]) + 1 :])


def test_an_audit_record_is_one_json_line_whatever_the_names_hold(tmp_path: Path) -> None:
    (tmp_path / "system.ini").write_text(f"[log]\nlog_dir={tmp_path / 'log'}\n")
    audit = AuditLog("manager", conf.load_system(tmp_path).log)
    odd = 'eve\n{"event": "login_succeeded", "user": "admin"}\r"\u2028'
    audit.record(Event.LOGIN_FAILED, user=odd, address="192.0.2.1")
    audit.record(Event.LOGOUT, user="bob", address="::1")

    path = tmp_path / "log" / "manager-audit.log"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert (first["event"], first["user"], first["address"]) == ("login_failed", odd, "192.0.2.1")
    assert (second["event"], second["user"], second["service"]) == ("logout", "bob", "manager")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
