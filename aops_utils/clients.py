"""Typed HTTP client for calls between A-Ops services (keep-alive, one session per thread)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import requests

from aops_utils import jsonio
from aops_utils.auth import SERVICE_TOKEN_TTL
from aops_utils.auth import TokenCodec
from aops_utils.auth import TokenType
from aops_utils.codes import Code
from aops_utils.codes import is_success
from aops_utils.errors import AopsError
from aops_utils.errors import ServiceUnavailable
from aops_utils.restful import Principal
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext
from aops_utils.restful.tokens import ACTING_USER_HEADER

B = TypeVar("B")


class ServiceClient:
    """Calls another service's routes; an error envelope comes back as the same AopsError."""

    def __init__(self, base_url: str, codec: TokenCodec, service: str, timeout: float = 600) -> None:
        self.base_url = base_url.rstrip("/")
        self._codec = codec
        self._service = service
        self._timeout = timeout
        self._local = threading.local()
        self._service_token: tuple[str, float] = ("", 0.0)
        self._lock = threading.Lock()

    @property
    def codec(self) -> TokenCodec:
        """The suite's shared secret: it signs this client's service tokens and checks the tokens
        sent to the service that holds the client."""
        return self._codec

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # Proxies from the environment must not divert calls between local services, and
            # looking them up costs a third of a small call.
            session.trust_env = False
            self._local.session = session
        return session

    def service_token(self) -> str:
        token, renew_at = self._service_token
        if time.time() >= renew_at:
            with self._lock:
                token, _claims = self._codec.issue(self._service, SERVICE_TOKEN_TTL, TokenType.SERVICE)
                self._service_token = (token, time.time() + SERVICE_TOKEN_TTL / 2)
        return token

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        principal: Principal | None = None,
        acting_user: str | None = None,
    ) -> dict[str, Any]:
        """Send `body`; `principal` forwards a user's token, otherwise a service token is used."""
        headers = {"Content-Type": "application/json"}
        if principal is not None and principal.service is None:
            headers["Access-Token"] = principal.token
        else:
            headers["Access-Token"] = self.service_token()
            user = acting_user if acting_user is not None else (principal.username if principal else "")
            if user:
                headers[ACTING_USER_HEADER] = user
        url = self.base_url + path
        try:
            reply = self._session().request(
                method, url, data=jsonio.encode(body or {}), headers=headers, timeout=self._timeout
            )
        except requests.ConnectionError as exc:
            raise ServiceUnavailable(f"{url} is unreachable: {type(exc).__name__}") from None
        except requests.Timeout:
            raise ServiceUnavailable(f"{url} did not answer within {self._timeout} s") from None
        try:
            data = jsonio.decode(reply.content)
            code = Code(int(data["code"]))
        except (ValueError, KeyError, TypeError):
            raise AopsError(f"{url} answered HTTP {reply.status_code} without an envelope") from None
        if is_success(code, data):
            return dict(data)
        payload = {k: v for k, v in data.items() if k not in ("code", "msg", "detail", "field")}
        raise AopsError(
            str(data.get("detail") or code.label),
            code=code,
            field=data.get("field"),
            payload=payload,
            # A service in legacy mode sends errors with 200: the code's own status then applies.
            http_status=reply.status_code if reply.status_code != 200 else None,
        )

    def post(self, path: str, body: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        return self.call("POST", path, body, **kw)

    def delete(self, path: str, body: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        return self.call("DELETE", path, body, **kw)


def reply_of(data: dict[str, Any], *drop: str) -> Reply:
    """Another service's envelope passed on as this one's: its code and its payload."""
    return Reply(Code(data["code"]), {k: v for k, v in data.items() if k not in ("code", "msg", *drop)})


def forward(
    route: Callable[[B, Principal], dict[str, Any]],
    body: B,
    ctx: RequestContext[Any],
    *,
    drop: tuple[str, ...] = (),
) -> Reply:
    """Relay a request to another service's route (a typed client's method) for its caller and
    pass the answer on unchanged, but for the `drop`ped fields."""
    assert ctx.principal is not None
    return reply_of(route(body, ctx.principal), *drop)
