"""Private databases on the shared MariaDB test server, dropped afterwards (tests and benchmarks)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def mysql_database(server_url: str, prefix: str = "aops_test_", *, create: bool = True) -> Iterator[str]:
    """A database of its own on the MariaDB server at `server_url` (an SQLAlchemy URL naming no
    database): yields its full URL and drops it afterwards. With `create=False` it is left to
    what runs there to create it (`aops-database init` creates the database it is given)."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    server_url = server_url.rstrip("/")
    admin = sa.create_engine(server_url + "/", isolation_level="AUTOCOMMIT")
    try:
        if create:
            with admin.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        yield f"{server_url}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()
