"""Diagnosis tasks get a state: running, finished or failed with a reason, and a lease.

Tasks stored before are running with no lease holder: the first task watch records the finished
ones and publishes the missing slices of the others again.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("diag_task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="running", nullable=False)
        )
        batch_op.add_column(sa.Column("reason", sa.String(length=1024), server_default="", nullable=False))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("deadline", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("ended_at", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_diag_task_status", ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("diag_task", schema=None) as batch_op:
        batch_op.drop_index("ix_diag_task_status")
        batch_op.drop_column("ended_at")
        batch_op.drop_column("deadline")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("reason")
        batch_op.drop_column("status")
