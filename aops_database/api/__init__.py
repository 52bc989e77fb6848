"""The `/data/...` routes of the data center, one module per resource."""

from aops_utils.restful import Api

api = Api("A-Ops data center")

from aops_database.api import accounts, checks, coverage, data, diagnosis, hosts  # noqa: E402,F401 - registers the routes
