"""WSGI entry for uWSGI: `--module aops_database.wsgi:app`."""

from aops_database import settings
from aops_database.app import create_app
from aops_utils import log

# Logging is set up here, in the worker: uWSGI replaced the process that read the settings.
_system, _ini = settings.load()
log.setup("database", _system.log)
app = create_app(_system, _ini)
