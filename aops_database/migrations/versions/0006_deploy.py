"""Deployment templates and tasks, with each task's templates and hosts.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _name(column: str) -> sa.Column[str]:
    return sa.Column(
        column,
        sa.String(length=128).with_variant(
            mysql.VARCHAR(length=128, collation="utf8mb4_bin"), "mysql", "mariadb"
        ),
        nullable=False,
    )


def upgrade():
    op.create_table(
        "deploy_template",
        sa.Column("template_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        _name("template_name"),
        sa.Column(
            "template_content",
            sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb"),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["user.username"], name=op.f("fk_deploy_template_username"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("template_id", name=op.f("pk_deploy_template")),
        sa.UniqueConstraint(
            "username", "template_name", name=op.f("uq_deploy_template_username_template_name")
        ),
    )
    op.create_table(
        "deploy_task",
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        _name("task_name"),
        sa.Column("description", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["user.username"], name=op.f("fk_deploy_task_username"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_deploy_task")),
        sa.UniqueConstraint("username", "task_name", name=op.f("uq_deploy_task_username_task_name")),
    )
    op.create_table(
        "deploy_task_template",
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _name("template_name"),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["deploy_task.task_id"],
            name=op.f("fk_deploy_task_template_task_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "position", name=op.f("pk_deploy_task_template")),
    )
    op.create_table(
        "deploy_task_host",
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("host_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("components", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_id"], ["host.host_id"], name=op.f("fk_deploy_task_host_host_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["deploy_task.task_id"], name=op.f("fk_deploy_task_host_task_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "host_id", name=op.f("pk_deploy_task_host")),
    )
    with op.batch_alter_table("deploy_task_host", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deploy_task_host_host_id"), ["host_id"], unique=False)


def downgrade():
    # Dropping a table drops its indices; MySQL refuses to drop an index a foreign key needs first.
    op.drop_table("deploy_task_host")
    op.drop_table("deploy_task_template")
    op.drop_table("deploy_task")
    op.drop_table("deploy_template")
