"""`aops-database` / `python -m aops_database`: init, serve and user administration."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import click
import sqlalchemy as sa

from aops_database import schema
from aops_database import settings as db_settings
from aops_database.app import HOST_INFO_INDEX
from aops_database.app import HOST_INFO_SPEC
from aops_database.app import create_app
from aops_database.app import open_stores
from aops_database.services import abnormal
from aops_database.services import users
from aops_database.services.accounts import Accounts
from aops_database.services.check_results import RESULT_INDEX
from aops_database.services.check_results import RESULT_SPEC
from aops_database.services.deploy_defaults import FILE_NAME as DEFAULTS_FILE
from aops_database.services.deploy_defaults import import_defaults
from aops_database.services.diag_reports import REPORT_INDEX
from aops_database.services.diag_reports import REPORT_SPEC
from aops_utils.auth import TokenCodec
from aops_utils.auth import load_secret
from aops_utils.conf import SystemIni
from aops_utils.conf import conf_dir
from aops_utils.contracts.data_center.hosts import AddUserBody
from aops_utils.db import RelationalStore
from aops_utils.docstore import DocumentStore
from aops_utils.errors import ConfigError
from aops_utils.launch import http_service
from aops_utils.restful.validation import parse


def create_mysql_database(server_url: str, name: str) -> None:
    engine = sa.create_engine(server_url + "/", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4"))
    finally:
        engine.dispose()


def initialise() -> None:
    """Create the secret, the database, the schema (migrations), the default user and the default
    deployment templates and tasks of default.json (those that do not exist)."""
    system, ini = db_settings.load()
    load_secret(system.auth.secret_file, create=True)
    if ini.store.relational == "mysql":
        create_mysql_database(ini.mysql.server_url, ini.mysql.database_name)
    store, docs = open_stores(ini)
    try:
        schema.upgrade(store)
        created = schema.ensure_default_user(store)
        defaults = import_defaults(store, conf_dir() / DEFAULTS_FILE)
        docs.ensure_index(HOST_INFO_INDEX, HOST_INFO_SPEC)
        docs.ensure_index(RESULT_INDEX, RESULT_SPEC)
        docs.ensure_index(REPORT_INDEX, REPORT_SPEC)
        indexed = abnormal.refill(docs, RESULT_INDEX, abnormal.open_abnormal(store))
    finally:
        docs.close()
        store.dispose()
    click.echo("schema is current" + ("; created user admin (password: changeme)" if created else ""))
    if indexed:
        click.echo(f"indexed {indexed} abnormal check results stored before")
    for line in defaults:
        click.echo(line)


def refuse_an_old_schema(ini: db_settings.DatabaseIni) -> None:
    store, docs = open_stores(ini)
    try:
        if not schema.is_current(store):
            raise ConfigError("the database schema is missing or old: run `aops-database init` first")
    finally:
        docs.close()
        store.dispose()


main = http_service(
    "aops_database",
    "The A-Ops data center (port 11119).",
    db_settings.load,
    create_app,
    ready=refuse_an_old_schema,
    serves_services=True,
)


@main.command()
def init() -> None:
    """Create or migrate the schema, the default user admin/changeme and, from default.json,
    the default deployment templates and tasks that do not exist."""
    initialise()


@main.group()
def user() -> None:
    """Administer A-Ops users (on the database host: no HTTP route does this)."""


@contextmanager
def _stores() -> Iterator[tuple[SystemIni, RelationalStore, DocumentStore]]:
    system, ini = db_settings.load()
    store, docs = open_stores(ini)
    try:
        yield system, store, docs
    finally:
        docs.close()
        store.dispose()


def _account(username: str, password: str) -> AddUserBody:
    """The name and password checked as the data center checks them (ParamError naming the field)."""
    found = parse(AddUserBody, {"username": username, "password": password})
    assert isinstance(found, AddUserBody)
    return found


@user.command("add")
@click.argument("username")
@click.password_option()
def user_add(username: str, password: str) -> None:
    """Create a user (there is no self-registration)."""
    account = _account(username, password)
    with _stores() as (system, store, _docs):
        Accounts(store, TokenCodec(load_secret(system.auth.secret_file)), system.auth).add_user(
            account.username, account.password
        )
    click.echo(f"created user {username}")


@user.command("list")
def user_list() -> None:
    """List the users, when each was created, and their open sessions."""
    with _stores() as (_system, store, _docs):
        rows = users.list_users(store)
    click.echo(f"{'username':<40}  {'created (UTC)':<19}  {'sessions':>8}  password")
    for row in rows:
        created = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(row.created_at))
        state = "must be changed" if row.must_change_password else "set"
        click.echo(f"{row.username:<40}  {created:<19}  {row.open_sessions:>8}  {state}")


@user.command("passwd")
@click.argument("username")
@click.password_option()
@click.option("--temporary", is_flag=True, help="The user must change it at the next login (answered 1204).")
def user_passwd(username: str, password: str, temporary: bool) -> None:
    """Reset a user's password: every session of the user ends and lock-outs are lifted."""
    account = _account(username, password)
    with _stores() as (system, store, _docs):
        Accounts(store, TokenCodec(load_secret(system.auth.secret_file)), system.auth).check_password_length(
            account.password
        )
        users.set_password(store, account.username, account.password, must_change=temporary)
    click.echo(f"password of {username} reset; the user's sessions have ended")


@user.command("delete")
@click.argument("username")
@click.confirmation_option(
    prompt="Delete the user with all its hosts, groups, rules, trees, results and reports?"
)
def user_delete(username: str) -> None:
    """Delete a user and everything it owns; its sessions end at once."""
    with _stores() as (_system, store, docs):
        hosts = users.delete_user(store, docs, username)
    click.echo(f"deleted user {username} and its {hosts} host(s)")


if __name__ == "__main__":
    main()
