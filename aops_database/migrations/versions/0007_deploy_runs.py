"""Deployment runs: a run of a task, its steps in order and each host's state per step.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "deploy_run",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("task_name", sa.String(length=128), nullable=False),
        sa.Column("check_mode", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1024), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("started_at", sa.Double(), nullable=True),
        sa.Column("ended_at", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["username"], ["user.username"], name=op.f("fk_deploy_run_username"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["deploy_task.task_id"], name=op.f("fk_deploy_run_task_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_deploy_run")),
    )
    with op.batch_alter_table("deploy_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deploy_run_username_task_id_created_at", ["username", "task_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_deploy_run_status", ["status"], unique=False)
    op.create_table(
        "deploy_run_step",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("step", sa.String(length=128), nullable=False),
        sa.Column("template_name", sa.String(length=128), nullable=False),
        sa.Column("enable", sa.Boolean(), nullable=False),
        sa.Column("proceed", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.Double(), nullable=True),
        sa.Column("ended_at", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["deploy_run.run_id"], name=op.f("fk_deploy_run_step_run_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "position", name=op.f("pk_deploy_run_step")),
    )
    op.create_table(
        "deploy_run_host",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("host_id", sa.String(length=64), nullable=False),
        sa.Column("host_name", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("task", sa.String(length=1024), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("started_at", sa.Double(), nullable=True),
        sa.Column("ended_at", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id", "position"],
            ["deploy_run_step.run_id", "deploy_run_step.position"],
            name=op.f("fk_deploy_run_host_run_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "position", "host_id", name=op.f("pk_deploy_run_host")),
    )


def downgrade():
    op.drop_table("deploy_run_host")
    op.drop_table("deploy_run_step")
    with op.batch_alter_table("deploy_run", schema=None) as batch_op:
        batch_op.drop_index("ix_deploy_run_status")
        batch_op.drop_index("ix_deploy_run_username_task_id_created_at")
    op.drop_table("deploy_run")
