"""WSGI entry for uWSGI: `--module aops_database.wsgi:app`."""

from aops_database import settings
from aops_database.app import create_app
from aops_utils.launch import wsgi_app

app = wsgi_app(settings.load, create_app)
