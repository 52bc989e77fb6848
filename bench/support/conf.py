"""The configuration directory of one run: the test suite's ini files, served under uWSGI."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# uWSGI settings. The manager keeps vault keys in process memory: one process, threads
# (conf/manager.ini). The data center on MariaDB runs as shipped (conf/database.ini); on
# SQLite (a file) it runs one process.
MANAGER_UWSGI = {"processes": 1, "threads": 16}
DATABASE_UWSGI_MYSQL = {"processes": 2, "threads": 8}
DATABASE_UWSGI_SQLITE = {"processes": 1, "threads": 8}


@dataclass
class Conf:
    conf_dir: Path
    manager_port: int
    database_port: int
    es_prefix: str = ""

    @property
    def manager_url(self) -> str:
        return f"http://127.0.0.1:{self.manager_port}"

    @property
    def database_url(self) -> str:
        return f"http://127.0.0.1:{self.database_port}"


def _uwsgi_ini(section: dict[str, int]) -> str:
    return "".join(f"{key}={value}\n" for key, value in section.items())


def uwsgi_conf(
    conf_dir: Path,
    database_uwsgi: dict[str, int],
    manager_uwsgi: dict[str, int],
    read_cache_seconds: float | None,
    deploy: str = "",
) -> Conf:
    """What serving under uWSGI adds to the ini files tests/suite.py wrote into `conf_dir`:
    database.ini's own [database] endpoint (where `aops-database serve` listens) and [uwsgi]
    section, and manager.ini with its [uwsgi] section and `read_cache_seconds`.

    The host status prober stays off (host_status_interval=0, as in the tests) so that probes of
    the benchmark's made-up addresses do not load the services while they are measured.
    """
    from aops_database import settings as database_settings

    system, ini = database_settings.load(conf_dir)
    conf = Conf(conf_dir, system.manager.port, system.database.port, ini.elasticsearch.index_prefix)
    with (conf_dir / "database.ini").open("a") as database_ini:
        database_ini.write(f"[database]\nip=127.0.0.1\nport={conf.database_port}\n")
        database_ini.write("[uwsgi]\n" + _uwsgi_ini(database_uwsgi))
    write_manager_ini(conf, manager_uwsgi, read_cache_seconds, deploy)
    return conf


def write_manager_ini(
    conf: Conf, uwsgi: dict[str, int], read_cache_seconds: float | None, deploy: str = ""
) -> None:
    """manager.ini; `read_cache_seconds=None` leaves the key out, so the shipped default applies;
    `deploy`: more keys of its [deploy] section."""
    cache = "" if read_cache_seconds is None else f"read_cache_seconds={read_cache_seconds:g}\n"
    (conf.conf_dir / "manager.ini").write_text(
        f"[manager]\nip=127.0.0.1\nport={conf.manager_port}\nhost_status_interval=0\nprobe_timeout=0.5\n"
        + cache
        + f"[deploy]\ndata_dir={conf.conf_dir / 'deploy'}\n{deploy}"
        + "[uwsgi]\n"
        + _uwsgi_ini(uwsgi)
    )


def effective_read_cache_seconds(conf_dir: Path) -> float:
    """The manager's effective [manager] read_cache_seconds, as the service itself reads it."""
    from aops_manager import settings as manager_settings

    _, ini = manager_settings.load(conf_dir)
    return float(ini.manager.read_cache_seconds)


def service_env(conf_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["AOPS_CONF_DIR"] = str(conf_dir)
    env["PYTHONUNBUFFERED"] = "1"
    # Settings come from the conf dir only, not from overrides in the caller's environment.
    for key in [k for k in env if k.startswith(("AOPS_DATABASE__", "AOPS_MANAGER__", "AOPS_SYSTEM__"))]:
        del env[key]
    return env
