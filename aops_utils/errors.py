"""One error hierarchy: every failure carries its 21.09 code, HTTP status and a plain detail."""

from __future__ import annotations

from typing import Any

from aops_utils.codes import Code


class AopsError(Exception):
    """A failure that a client should see as an envelope with a code and a detail.

    A subclass names its code (and an HTTP status other than the code's, if any) in its header:
    `class ParamError(AopsError, code=Code.PARAM_ERROR)`.
    """

    code: Code = Code.SERVER_ERROR
    default_http_status: int | None = None

    def __init_subclass__(
        cls, *, code: Code | None = None, http_status: int | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if http_status is not None:
            cls.default_http_status = http_status

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
        return self._http_status or self.default_http_status or self.code.http_status

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": int(self.code), "msg": self.code.label}
        body["detail"] = self.detail
        if self.field is not None:
            body["field"] = self.field
        body.update(self.payload)
        return body


class ParamError(AopsError, code=Code.PARAM_ERROR):
    """A request's parameter is invalid (1000)."""


class NotFoundError(AopsError, code=Code.PARAM_ERROR, http_status=404):
    """A named item does not exist: 21.09 had no code for it, so 1000 with HTTP 404."""


class TokenError(AopsError, code=Code.TOKEN_ERROR):
    """The session token is missing, unknown or expired."""


class LoginError(AopsError, code=Code.LOGIN_ERROR):
    """The username or password is wrong."""


class TooManyLogins(AopsError, code=Code.LOGIN_ERROR, http_status=429):
    """Logins refused for a while (lock-out delay, or too many password checks at once)."""


class DefaultPasswordError(AopsError, code=Code.CHANGE_PASSWORD, http_status=403):
    """A session opened with the default password may only change it (1204)."""


class KeyError_(AopsError, code=Code.KEY_ERROR):
    """The vault key is missing or does not open the stored credentials (1203)."""


class DataExistError(AopsError, code=Code.DATA_EXIST):
    """An item of that name exists already."""


class DependencyError(AopsError, code=Code.DATA_DEPENDENCY_ERROR):
    """The item is still in use by another one (21.09 code 1106)."""


class ServiceUnavailable(AopsError, code=Code.HTTP_CONNECT_ERROR):
    """Another A-Ops service could not be reached (21.09 code 1001)."""


class DatabaseUnavailable(AopsError, code=Code.DATABASE_CONNECT_ERROR):
    """The relational or document store could not be reached."""


class ConfigError(Exception):
    """A settings file or override is invalid; the message names file, section and key."""
