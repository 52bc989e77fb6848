"""`aops-database` / `python -m aops_database`: init, serve and user administration."""

from __future__ import annotations

import click
import sqlalchemy as sa

from aops_database import schema
from aops_database import settings as db_settings
from aops_database.app import HOST_INFO_INDEX
from aops_database.app import HOST_INFO_SPEC
from aops_database.app import create_app
from aops_database.app import open_stores
from aops_database.services.accounts import Accounts
from aops_database.services.check_results import RESULT_INDEX
from aops_database.services.check_results import RESULT_SPEC
from aops_database.services.diag_reports import REPORT_INDEX
from aops_database.services.diag_reports import REPORT_SPEC
from aops_utils.auth import TokenCodec
from aops_utils.auth import load_secret
from aops_utils.errors import ConfigError
from aops_utils.launch import http_service
from aops_utils.serving import run_main


def create_mysql_database(server_url: str, name: str) -> None:
    engine = sa.create_engine(server_url + "/", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4"))
    finally:
        engine.dispose()


def initialise() -> None:
    """Create the secret, the database, the schema (migrations) and the default user."""
    system, ini = db_settings.load()
    load_secret(system.auth.secret_file, create=True)
    if ini.store.relational == "mysql":
        create_mysql_database(ini.mysql.server_url, ini.mysql.database_name)
    store, docs = open_stores(ini)
    try:
        schema.upgrade(store)
        created = schema.ensure_default_user(store)
        docs.ensure_index(HOST_INFO_INDEX, HOST_INFO_SPEC)
        docs.ensure_index(RESULT_INDEX, RESULT_SPEC)
        docs.ensure_index(REPORT_INDEX, REPORT_SPEC)
    finally:
        docs.close()
        store.dispose()
    click.echo("schema is current" + ("; created user admin (password: changeme)" if created else ""))


def refuse_an_old_schema(ini: db_settings.DatabaseIni) -> None:
    store, docs = open_stores(ini)
    try:
        if not schema.is_current(store):
            raise ConfigError("the database schema is missing or old: run `aops-database init` first")
    finally:
        docs.close()
        store.dispose()


cli = http_service(
    description="The A-Ops data center (port 11119).",
    log_name="database",
    load=db_settings.load,
    endpoint=lambda ini: ini.database,
    uwsgi=lambda ini: ini.uwsgi,
    wsgi="aops_database.wsgi:app",
    create_app=create_app,
    ready=refuse_an_old_schema,
)


@cli.command()
def init() -> None:
    """Create or migrate the schema and create the default user admin/changeme."""
    initialise()


@cli.group()
def user() -> None:
    """Administer A-Ops users."""


@user.command("add")
@click.argument("username")
@click.password_option()
def user_add(username: str, password: str) -> None:
    """Create a user (there is no self-registration)."""
    system, ini = db_settings.load()
    store, docs = open_stores(ini)
    try:
        Accounts(store, TokenCodec(load_secret(system.auth.secret_file)), system.auth).add_user(
            username, password
        )
    finally:
        docs.close()
        store.dispose()
    click.echo(f"created user {username}")


def main() -> None:
    run_main(cli, "aops-database")


if __name__ == "__main__":
    main()
