"""WSGI entry for uWSGI: `--module aops_manager.wsgi:app`."""

from aops_manager.app import create_app

app = create_app()
