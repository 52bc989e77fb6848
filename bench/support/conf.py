"""The configuration directory of one run: system.ini, database.ini and manager.ini."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from support.env import free_port

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


def write_conf(
    conf_dir: Path,
    *,
    relational: str,
    document: str,
    mysql_url: str = "",
    es_url: str = "",
    database_uwsgi: dict[str, int] | None = None,
    manager_uwsgi: dict[str, int] | None = None,
    read_cache_seconds: float | None = None,
    prometheus_url: str = "",
) -> Conf:
    """system/database/manager ini files as tests/suite.py writes them, plus [uwsgi] sections.

    The host status prober is off (host_status_interval=0) so that probes of the benchmark's
    made-up addresses do not load the services while they are measured. `prometheus_url`
    (http://ip:port) becomes database.ini's [prometheus] section; without it the shipped
    default applies.
    """
    conf_dir.mkdir(parents=True, exist_ok=True)
    conf = Conf(conf_dir, free_port(), free_port(), f"{conf_dir.name.lower()}_")
    (conf_dir / "system.ini").write_text(
        f"[log]\nlog_dir={conf_dir / 'log'}\nlog_level=WARNING\n"
        f"[auth]\nsecret_file={conf_dir / 'secret.key'}\n"
        f"[manager]\nip=127.0.0.1\nport={conf.manager_port}\n"
        f"[database]\nip=127.0.0.1\nport={conf.database_port}\n"
    )
    db = (
        f"[database]\nip=127.0.0.1\nport={conf.database_port}\n"
        f"[store]\nrelational={relational}\ndocument={document}\nsqlite_path={conf_dir / 'aops.db'}\n"
    )
    if mysql_url:
        server, name = mysql_url.rsplit("/", 1)
        host, port = server.split("@", 1)[1].split(":")
        db += f"[mysql]\nip={host}\nport={port}\ndatabase_name={name}\nuser=root\n"
    if es_url:
        host, port = es_url.removeprefix("http://").split(":")
        db += f"[elasticsearch]\nip={host}\nport={port}\nindex_prefix={conf.es_prefix}\n"
    if prometheus_url:
        host, port = prometheus_url.removeprefix("http://").rstrip("/").split(":")
        db += f"[prometheus]\nip={host}\nport={port}\n"
    db += "[uwsgi]\n" + _uwsgi_ini(database_uwsgi or DATABASE_UWSGI_MYSQL)
    (conf_dir / "database.ini").write_text(db)
    write_manager_ini(conf, manager_uwsgi or MANAGER_UWSGI, read_cache_seconds)
    return conf


def write_manager_ini(conf: Conf, uwsgi: dict[str, int], read_cache_seconds: float | None) -> None:
    """manager.ini; `read_cache_seconds=None` leaves the key out, so the shipped default applies."""
    cache = "" if read_cache_seconds is None else f"read_cache_seconds={read_cache_seconds:g}\n"
    (conf.conf_dir / "manager.ini").write_text(
        f"[manager]\nip=127.0.0.1\nport={conf.manager_port}\nhost_status_interval=0\nprobe_timeout=0.5\n"
        + cache
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
