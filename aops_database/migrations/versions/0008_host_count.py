"""A user's number of hosts, kept with the adds and deletes: the unfiltered listing's total.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER, not batch mode: on SQLite batch mode copies the table and drops the old one,
    # and dropping `user` with foreign keys on deletes every row that cascades from it (hosts,
    # groups, sessions...). SQLite adds a NOT NULL column with a default in place.
    op.add_column("user", sa.Column("host_count", sa.Integer(), nullable=False, server_default=sa.text("0")))
    user = sa.table("user", sa.column("username"), sa.column("host_count"))
    host = sa.table("host", sa.column("username"))
    counted = sa.select(sa.func.count()).select_from(host).where(host.c.username == user.c.username)
    op.execute(user.update().values(host_count=counted.scalar_subquery()))


def downgrade():
    # DROP COLUMN in place (SQLite >= 3.35, MariaDB): no copy of the table, for the same reason.
    op.drop_column("user", "host_count")
