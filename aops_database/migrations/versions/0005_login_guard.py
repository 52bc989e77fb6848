"""Login attempts counted per account and per source address (replaces login_failure).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # The old counts were per user and address pair: nothing in them carries over.
    op.drop_table("login_failure")
    op.create_table(
        "login_guard",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.BigInteger(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "name", name=op.f("pk_login_guard")),
    )
    with op.batch_alter_table("login_guard", schema=None) as batch_op:
        batch_op.create_index("ix_login_guard_last_at", ["last_at"], unique=False)


def downgrade():
    op.drop_table("login_guard")
    op.create_table(
        "login_failure",
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.BigInteger(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("username", "address", name=op.f("pk_login_failure")),
    )
