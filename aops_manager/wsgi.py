"""WSGI entry for uWSGI: `--module aops_manager.wsgi:app`."""

from aops_manager import settings
from aops_manager.app import create_app
from aops_utils import log

# Logging is set up here, in the worker: uWSGI replaced the process that read the settings.
_system, _ini = settings.load()
log.setup("manager", _system.log)
app = create_app(_system, _ini)
