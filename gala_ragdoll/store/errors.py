"""Failures of the repository of expected configurations, with their HTTP meaning."""

from __future__ import annotations

from aops_utils.codes import Code
from aops_utils.errors import AopsError
from aops_utils.errors import DataExistError
from aops_utils.errors import NotFoundError
from aops_utils.errors import ParamError


class InvalidName(ParamError):
    """A domain name or a managed path that cannot be stored (the field is named)."""


class DomainNotFound(NotFoundError):
    pass


class DomainExists(DataExistError):
    pass


class ForeignDomain(AopsError, code=Code.PARAM_ERROR, http_status=403):
    """The domain belongs to another user."""


class CorruptRepository(AopsError, code=Code.SERVER_ERROR):
    """A file of the repository cannot be read (edited by hand?); the message says which."""
