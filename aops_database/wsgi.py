"""WSGI entry for uWSGI: `--module aops_database.wsgi:app`."""

from aops_database.app import create_app

app = create_app()
