"""WSGI entry for uWSGI: `--module aops_manager.wsgi:app`."""

from aops_manager import settings
from aops_manager.app import create_app
from aops_utils.launch import wsgi_app

app = wsgi_app(settings.load, create_app)
