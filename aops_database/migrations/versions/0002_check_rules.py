"""Check rules, the check scheduler's positions and its retry queue.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "check_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_check_state")),
    )
    op.create_table(
        "check_retry",
        sa.Column("retry_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column(
            "host_list", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb"), nullable=False
        ),
        sa.Column(
            "check_items", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb"), nullable=False
        ),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("end", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=False),
        sa.Column("dead", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["user.username"], name=op.f("fk_check_retry_username"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("retry_id", name=op.f("pk_check_retry")),
    )
    with op.batch_alter_table("check_retry", schema=None) as batch_op:
        batch_op.create_index("ix_check_retry_dead_due_at", ["dead", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_check_retry_username"), ["username"], unique=False)

    op.create_table(
        "check_rule",
        sa.Column("rule_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column(
            "check_item",
            sa.String(length=128).with_variant(
                mysql.VARCHAR(length=128, collation="utf8mb4_bin"), "mysql", "mariadb"
            ),
            nullable=False,
        ),
        sa.Column(
            "data_list", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb"), nullable=False
        ),
        sa.Column(
            "condition", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb"), nullable=False
        ),
        sa.Column("description", sa.String(length=1024), nullable=False),
        sa.Column("plugin", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["user.username"], name=op.f("fk_check_rule_username"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("rule_id", name=op.f("pk_check_rule")),
        sa.UniqueConstraint("username", "check_item", name=op.f("uq_check_rule_username_check_item")),
    )


def downgrade():
    # Dropping a table drops its indices; MySQL refuses to drop an index a foreign key needs first.
    op.drop_table("check_rule")
    op.drop_table("check_retry")
    op.drop_table("check_state")
