"""Relational schema of the data center; uniqueness and ownership are database constraints."""

from __future__ import annotations

import sqlalchemy as sa

from aops_utils.contracts import NAME_LENGTH as NAME
from aops_utils.contracts import TEXT_LENGTH as TEXT

metadata = sa.MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s_%(column_1_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    }
)


user = sa.Table(
    "user",
    metadata,
    sa.Column("username", sa.String(40), primary_key=True),
    sa.Column("password", sa.String(255), nullable=False),
    sa.Column("default_password", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

auth_session = sa.Table(
    "auth_session",
    metadata,
    sa.Column("token_id", sa.String(32), primary_key=True),
    sa.Column(
        "username",
        sa.String(40),
        sa.ForeignKey("user.username", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
)

login_failure = sa.Table(
    "login_failure",
    metadata,
    sa.Column("username", sa.String(40), primary_key=True),
    sa.Column("address", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("first_failure_at", sa.BigInteger, nullable=False),
    sa.Column("locked_until", sa.BigInteger, nullable=False, default=0),
)

host_group = sa.Table(
    "host_group",
    metadata,
    sa.Column("host_group_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(40), sa.ForeignKey("user.username", ondelete="CASCADE"), nullable=False),
    sa.Column("host_group_name", sa.String(NAME), nullable=False),
    sa.Column("description", sa.String(TEXT), nullable=False, default=""),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("username", "host_group_name"),
)

credential = sa.Table(
    "credential",
    metadata,
    sa.Column("credential_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "username",
        sa.String(40),
        sa.ForeignKey("user.username", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # ansible-vault text encrypted by the manager with the user's key; never decrypted here.
    sa.Column("vault", sa.Text, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

host = sa.Table(
    "host",
    metadata,
    sa.Column("host_id", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(40), sa.ForeignKey("user.username", ondelete="CASCADE"), nullable=False),
    sa.Column("host_name", sa.String(NAME), nullable=False),
    sa.Column("public_ip", sa.String(45), nullable=False),
    sa.Column("ssh_port", sa.Integer, nullable=False),
    sa.Column("management", sa.Boolean, nullable=False),
    sa.Column(
        "host_group_id",
        sa.Integer,
        sa.ForeignKey("host_group.host_group_id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
    sa.Column(
        "credential_id",
        sa.Integer,
        sa.ForeignKey("credential.credential_id", ondelete="RESTRICT"),
        nullable=True,
        index=True,
    ),
    sa.Column("status", sa.String(16), nullable=True),
    sa.Column("status_time", sa.BigInteger, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("username", "host_name"),
    sa.UniqueConstraint("username", "public_ip"),
)
