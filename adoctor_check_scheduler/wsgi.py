"""WSGI entry for uWSGI: `--module adoctor_check_scheduler.wsgi:app`."""

from adoctor_check_scheduler import settings
from adoctor_check_scheduler.app import create_app
from aops_utils.launch import wsgi_app

app = wsgi_app(settings.load, create_app)
