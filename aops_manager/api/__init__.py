"""The manager's public routes (21.09 paths), one module per resource."""

from aops_manager.app import manager
from aops_manager.forwarding import CachedRelays
from aops_utils.restful import Api

api = Api("A-Ops manager")
# Routes the data center answers, through the manager's read cache.
relay = CachedRelays(api, lambda: manager().data_center)

from aops_manager.api import accounts  # noqa: E402,F401 - registers the routes
from aops_manager.api import hosts  # noqa: E402,F401 - registers the routes
from aops_manager.api import runs  # noqa: E402,F401 - registers the routes
from aops_manager.api import tasks  # noqa: E402,F401 - registers the routes
from aops_manager.api import templates  # noqa: E402,F401 - registers the routes
