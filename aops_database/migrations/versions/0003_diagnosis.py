"""Fault trees and diagnosis tasks (their reports are documents).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "diag_task",
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column(
            "host_list", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb"), nullable=False
        ),
        sa.Column(
            "tree_list", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb"), nullable=False
        ),
        sa.Column("time_range", sa.Text(), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("expected_report_num", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["user.username"], name=op.f("fk_diag_task_username"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_diag_task")),
    )
    with op.batch_alter_table("diag_task", schema=None) as batch_op:
        batch_op.create_index("ix_diag_task_username_time", ["username", "time"], unique=False)

    op.create_table(
        "diag_tree",
        sa.Column("tree_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column(
            "tree_name",
            sa.String(length=128).with_variant(
                mysql.VARCHAR(length=128, collation="utf8mb4_bin"), "mysql", "mariadb"
            ),
            nullable=False,
        ),
        sa.Column(
            "tree_content", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb"), nullable=False
        ),
        sa.Column("description", sa.String(length=1024), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["user.username"], name=op.f("fk_diag_tree_username"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tree_id", name=op.f("pk_diag_tree")),
        sa.UniqueConstraint("username", "tree_name", name=op.f("uq_diag_tree_username_tree_name")),
    )


def downgrade():
    # Dropping a table drops its indices; MySQL refuses to drop an index a foreign key needs first.
    op.drop_table("diag_tree")
    op.drop_table("diag_task")
