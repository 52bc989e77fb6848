"""Fresh, private stores on the shared test servers, removed again afterwards."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

import requests


@contextlib.contextmanager
def mysql_database(server_url: str) -> Iterator[str]:
    """A fresh, empty MariaDB database; yields its full SQLAlchemy URL and drops it afterwards."""
    import sqlalchemy as sa

    name = f"aops_bench_{secrets.token_hex(4)}"
    engine = sa.create_engine(server_url.rstrip("/") + "/", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        try:
            yield f"{server_url.rstrip('/')}/{name}"
        finally:
            with engine.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        engine.dispose()


def drop_es_indices(es_url: str, prefix: str) -> list[str]:
    """Delete every index named `prefix...` (by exact name: no wildcard reaches other suites)."""
    reply = requests.get(f"{es_url}/_cat/indices", params={"format": "json"}, timeout=10)
    reply.raise_for_status()
    names = [row["index"] for row in reply.json() if str(row.get("index", "")).startswith(prefix)]
    for name in names:
        requests.delete(f"{es_url}/{name}", timeout=10)
    return names
