"""WSGI entry for uWSGI: `--module gala_spider.wsgi:app` (one process: it holds the map)."""

from aops_utils.launch import wsgi_app
from gala_spider import settings
from gala_spider.app import create_app

app = wsgi_app(settings.load, create_app)
