"""The `/data/...` routes of the data center, one module per resource."""

from aops_utils.restful import Api

api = Api("A-Ops data center")

from aops_database.api import accounts  # noqa: E402,F401 - registers the routes
from aops_database.api import checks  # noqa: E402,F401 - registers the routes
from aops_database.api import coverage  # noqa: E402,F401 - registers the routes
from aops_database.api import data  # noqa: E402,F401 - registers the routes
from aops_database.api import deploy  # noqa: E402,F401 - registers the routes
from aops_database.api import diagnosis  # noqa: E402,F401 - registers the routes
from aops_database.api import hosts  # noqa: E402,F401 - registers the routes
from aops_database.api import runs  # noqa: E402,F401 - registers the routes
