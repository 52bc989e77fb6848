"""WSGI entry for uWSGI: `--module gala_ragdoll.wsgi:app`."""

from aops_utils.launch import wsgi_app
from gala_ragdoll import settings
from gala_ragdoll.app import create_app

app = wsgi_app(settings.load, create_app)
