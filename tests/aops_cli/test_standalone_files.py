"""`aops standalone` keeps its data directory to itself: directories 0700, files 0600, any umask."""

from __future__ import annotations

import signal
import stat
from pathlib import Path

import pytest
import requests

from tests.aops_cli.test_standalone import _configure
from tests.aops_cli.test_standalone import _login
from tests.aops_cli.test_standalone import _start
from tests.aops_cli.test_standalone import _stop
from tests.aops_cli.test_standalone import standalone_running


def _modes(root: Path) -> dict[str, str]:
    """Every path under `root` (itself included) with its permission bits, as octal text."""
    paths = [root, *root.rglob("*")]
    return {str(p.relative_to(root)): oct(stat.S_IMODE(p.lstat().st_mode)) for p in paths}


def _open_ones(root: Path) -> dict[str, str]:
    """The paths that another local user could read or enter."""
    modes = _modes(root)
    # Git's objects are read-only (0400): private too, so only group and other bits count.
    return {name: mode for name, mode in modes.items() if int(mode, 8) & 0o077}


def _small_logs(data_dir: Path) -> None:
    """Logs that rotate after a few lines, so a rotated file exists to check."""
    system = data_dir / "conf" / "system.ini"
    text = system.read_text().replace("[log]\n", "[log]\nmax_bytes=150\nbackup_count=3\n")
    system.write_text(text)


def _write_a_vault(url: str) -> None:
    headers = {"access_token": _login(url)}
    group = {"host_group_name": "g", "description": ""}
    assert requests.post(f"{url}/manage/host/group/add", json=group, headers=headers, timeout=10).ok
    host = {
        "host_name": "h1", "host_group_name": "g", "public_ip": "10.9.0.1", "ssh_port": 22,
        "management": False, "username": "root", "password": "pw",
    }  # fmt: skip
    reply = requests.post(
        f"{url}/manage/host/add",
        json={"key": "vault-key-0123", "host_list": [host]},
        headers=headers,
        timeout=30,
    ).json()
    assert reply["code"] == 200, reply


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_every_directory_is_0700_and_every_file_0600_under_the_data_dir_whatever_the_umask(
    tmp_path: Path, umask: int
) -> None:
    data_dir = tmp_path / "data"
    url = _configure(data_dir)
    _small_logs(data_dir)
    with standalone_running(data_dir, umask):
        _write_a_vault(url)
        # Checked while running: SQLite removes the -wal and -shm files at a clean stop.
        assert _open_ones(data_dir) == {}
        names = set(_modes(data_dir))
        assert {"aops.db", "aops.db-wal", "aops.db-shm", "secret.key", "conf/database.ini"} <= names
        assert {"log/standalone.log", "log/standalone.log.1"} <= names


def test_an_older_install_left_open_is_tightened_at_start_and_the_log_says_so_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    url = _configure(data_dir)
    proc = _start(data_dir)
    _login(url)
    _stop(proc, signal.SIGTERM)
    for path in [data_dir, *data_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)

    with standalone_running(data_dir):
        assert _open_ones(data_dir) == {}
    log = (data_dir / "log" / "standalone.log").read_text()
    assert f"tightened {data_dir / 'aops.db'} from mode 644 to 600" in log
    assert f"tightened {data_dir / 'secret.key'} from mode 644 to 600" in log
    assert f"tightened {data_dir} from mode 755 to 700" in log
    said = log.count("tightened ")

    with standalone_running(data_dir):
        pass
    assert (data_dir / "log" / "standalone.log").read_text().count("tightened ") == said
