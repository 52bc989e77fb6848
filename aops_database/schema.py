"""Schema migrations (Alembic) and the explicit first-run initialisation."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from aops_database import models
from aops_utils.auth import DEFAULT_PASSWORD
from aops_utils.auth import DEFAULT_USER
from aops_utils.auth import hash_password
from aops_utils.db import RelationalStore

LOG = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(store: RelationalStore) -> None:
    """Bring the schema to the newest revision (creates it on an empty database)."""
    cfg = _config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def is_current(store: RelationalStore) -> bool:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head


def ensure_default_user(store: RelationalStore) -> bool:
    """Create `admin`/`changeme` when no such user exists; True when it was created."""
    with store.begin() as conn:
        exists = conn.execute(
            sa.select(models.user.c.username).where(models.user.c.username == DEFAULT_USER)
        ).first()
        if exists:
            return False
        conn.execute(
            models.user.insert().values(
                username=DEFAULT_USER,
                password=hash_password(DEFAULT_PASSWORD),
                default_password=True,
                created_at=int(time.time()),
            )
        )
    LOG.info("created the default user %s", DEFAULT_USER)
    return True
