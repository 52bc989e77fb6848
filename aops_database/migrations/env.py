"""Alembic environment: migrations run on the connection that `aops_database.schema` hands over."""

from alembic import context
from sqlalchemy import Connection
from sqlalchemy import create_engine

from aops_database.models import metadata

config = context.config
connection = config.attributes.get("connection")


def _run(conn: Connection) -> None:
    # Batch mode lets the same migration alter tables on SQLite, which lacks ALTER for most ops.
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
