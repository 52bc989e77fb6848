"""Initial schema: users, sessions, login failures, host groups, credentials, hosts.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_failure",
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.BigInteger(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("username", "address", name=op.f("pk_login_failure")),
    )
    op.create_table(
        "user",
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("password", sa.String(length=255), nullable=False),
        sa.Column("default_password", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_user")),
    )
    op.create_table(
        "auth_session",
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["user.username"], name=op.f("fk_auth_session_username"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_auth_session")),
    )
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_session_username"), ["username"], unique=False)

    op.create_table(
        "credential",
        sa.Column("credential_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("vault", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["user.username"], name=op.f("fk_credential_username"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_credential")),
    )
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credential_username"), ["username"], unique=False)

    op.create_table(
        "host_group",
        sa.Column("host_group_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("host_group_name", sa.String(length=50), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"], ["user.username"], name=op.f("fk_host_group_username"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("host_group_id", name=op.f("pk_host_group")),
        sa.UniqueConstraint(
            "username", "host_group_name", name=op.f("uq_host_group_username_host_group_name")
        ),
    )
    op.create_table(
        "host",
        sa.Column("host_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("host_name", sa.String(length=50), nullable=False),
        sa.Column("public_ip", sa.String(length=45), nullable=False),
        sa.Column("ssh_port", sa.Integer(), nullable=False),
        sa.Column("management", sa.Boolean(), nullable=False),
        sa.Column("host_group_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("status_time", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.credential_id"],
            name=op.f("fk_host_credential_id"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["host_group_id"],
            ["host_group.host_group_id"],
            name=op.f("fk_host_host_group_id"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["username"], ["user.username"], name=op.f("fk_host_username"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("host_id", name=op.f("pk_host")),
        sa.UniqueConstraint("username", "host_name", name=op.f("uq_host_username_host_name")),
        sa.UniqueConstraint("username", "public_ip", name=op.f("uq_host_username_public_ip")),
    )
    with op.batch_alter_table("host", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_host_credential_id"), ["credential_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_host_host_group_id"), ["host_group_id"], unique=False)


def downgrade():
    with op.batch_alter_table("host", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_host_host_group_id"))
        batch_op.drop_index(batch_op.f("ix_host_credential_id"))

    op.drop_table("host")
    op.drop_table("host_group")
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_username"))

    op.drop_table("credential")
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_session_username"))

    op.drop_table("auth_session")
    op.drop_table("user")
    op.drop_table("login_failure")
