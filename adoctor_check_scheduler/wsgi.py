"""WSGI entry for uWSGI: `--module adoctor_check_scheduler.wsgi:app`."""

from adoctor_check_scheduler import settings
from adoctor_check_scheduler.app import create_app
from aops_utils import log

# Logging is set up here, in the worker: uWSGI replaced the process that read the settings.
_system, _ini = settings.load()
log.setup("check_scheduler", _system.log)
app = create_app(_system, _ini)
