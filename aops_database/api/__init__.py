"""The `/data/...` routes of the data center, one module per resource."""

from aops_database.app import center
from aops_utils.restful import Api
from aops_utils.restful.batch import Deletions
from aops_utils.restful.paging import Listings

api = Api("A-Ops data center")
# Paged listings, per store: the service reads a page of the route's query.
store_listing = Listings(api, lambda: center().store)
docs_listing = Listings(api, lambda: center().docs)
# Deletes by name, per item, per store.
store_deletion = Deletions(api, lambda: center().store)
docs_deletion = Deletions(api, lambda: center().docs)
results_listing = Listings(api, lambda: center().results)

from aops_database.api import accounts  # noqa: E402,F401 - registers the routes
from aops_database.api import checks  # noqa: E402,F401 - registers the routes
from aops_database.api import coverage  # noqa: E402,F401 - registers the routes
from aops_database.api import data  # noqa: E402,F401 - registers the routes
from aops_database.api import deploy  # noqa: E402,F401 - registers the routes
from aops_database.api import diagnosis  # noqa: E402,F401 - registers the routes
from aops_database.api import hosts  # noqa: E402,F401 - registers the routes
from aops_database.api import runs  # noqa: E402,F401 - registers the routes
