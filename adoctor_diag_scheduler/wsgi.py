"""WSGI entry for uWSGI: `--module adoctor_diag_scheduler.wsgi:app`."""

from adoctor_diag_scheduler import settings
from adoctor_diag_scheduler.app import create_app
from aops_utils.launch import wsgi_app

app = wsgi_app(settings.load, create_app)
