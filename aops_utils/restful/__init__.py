"""HTTP kernel shared by every service: routes, validation, envelopes, paging, OpenAPI."""

from aops_utils.restful.routes import Access
from aops_utils.restful.routes import Api
from aops_utils.restful.routes import Principal
from aops_utils.restful.routes import Reply
from aops_utils.restful.routes import RequestContext

__all__ = ["Access", "Api", "Principal", "Reply", "RequestContext"]
