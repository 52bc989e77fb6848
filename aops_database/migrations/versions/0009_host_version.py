"""A user's host version, changed with every add and delete: the marks of deep listing pages.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # In place, as 0008 (batch mode on SQLite would drop `user` and cascade its rows away).
    version = sa.Column("host_version", sa.BigInteger(), nullable=False, server_default=sa.text("0"))
    op.add_column("user", version)


def downgrade():
    op.drop_column("user", "host_version")
