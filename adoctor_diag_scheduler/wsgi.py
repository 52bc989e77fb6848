"""WSGI entry for uWSGI: `--module adoctor_diag_scheduler.wsgi:app`."""

from adoctor_diag_scheduler import settings
from adoctor_diag_scheduler.app import create_app
from aops_utils import log

# Logging is set up here, in the worker: uWSGI replaced the process that read the settings.
_system, _ini = settings.load()
log.setup("diag_scheduler", _system.log)
app = create_app(_system, _ini)
