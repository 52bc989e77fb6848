"""One error hierarchy: every failure carries its 21.09 code, HTTP status and a plain detail."""

from __future__ import annotations

from typing import Any

from aops_utils.codes import Code


class AopsError(Exception):
    """A failure that a client should see as an envelope with a code and a detail."""

    code: Code = Code.SERVER_ERROR

    def __init__(
        self,
        detail: str = "",
        *,
        code: Code | None = None,
        field: str | None = None,
        payload: dict[str, Any] | None = None,
        http_status: int | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        self.detail = detail or self.code.label
        self.field = field
        self.payload = payload or {}
        self._http_status = http_status
        super().__init__(self.detail)

    @property
    def http_status(self) -> int:
        return self._http_status or self.code.http_status

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": int(self.code), "msg": self.code.label}
        body["detail"] = self.detail
        if self.field is not None:
            body["field"] = self.field
        body.update(self.payload)
        return body


class ParamError(AopsError):
    code = Code.PARAM_ERROR


class NotFoundError(AopsError):
    """A named item does not exist: 21.09 had no code for it, so 1000 with HTTP 404."""

    code = Code.PARAM_ERROR

    @property
    def http_status(self) -> int:
        return self._http_status or 404


class TokenError(AopsError):
    code = Code.TOKEN_ERROR


class LoginError(AopsError):
    code = Code.LOGIN_ERROR


class KeyError_(AopsError):
    """The vault key is missing or does not open the stored credentials (1203)."""

    code = Code.KEY_ERROR


class DataExistError(AopsError):
    code = Code.DATA_EXIST


class DependencyError(AopsError):
    code = Code.DATA_DEPENDENCY_ERROR


class ServiceUnavailable(AopsError):
    """Another A-Ops service could not be reached (21.09 code 1001)."""

    code = Code.HTTP_CONNECT_ERROR


class DatabaseUnavailable(AopsError):
    code = Code.DATABASE_CONNECT_ERROR


class ConfigError(Exception):
    """A settings file or override is invalid; the message names file, section and key."""
