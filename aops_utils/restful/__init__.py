"""HTTP kernel shared by every service: routes, validation, envelopes, paging, OpenAPI."""

from aops_utils.restful.routes import Access, Api, Principal, Reply, RequestContext

__all__ = ["Access", "Api", "Principal", "Reply", "RequestContext"]
