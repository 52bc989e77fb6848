"""Typed HTTP client for calls between A-Ops services (urllib3 connection pools, thread-safe).

urllib3 rather than requests: a call between two services on one machine spends most of its
client CPU in the HTTP library, and requests' layer over urllib3 (hooks, cookie jars, its
runtime-checked protocols) cost more than half of it (bench/cprofile_host_get.py).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any
from typing import TypeVar

import urllib3
from urllib3.exceptions import HTTPError
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import SSLError
from urllib3.exceptions import TimeoutError as HTTPTimeout

from aops_utils import jsonio
from aops_utils.auth import TokenCodec
from aops_utils.codes import Code
from aops_utils.codes import is_success
from aops_utils.errors import AopsError
from aops_utils.errors import ServiceUnavailable
from aops_utils.restful import Principal
from aops_utils.restful import Reply
from aops_utils.restful import RequestContext

B = TypeVar("B")
# Tokens kept per (acting user, session): far more than one process serves at once.
_MAX_TOKENS = 4096


class ServiceClient:
    """Calls another service's routes; an error envelope comes back as the same AopsError.

    Every call carries a service token of `service` for `audience`, naming in its signed claims
    the user the call acts for and, for a user's request, that user's session: the callee checks
    the session is still alive, so a logout or password change stops the user's calls at once.
    A token is reused until half its `token_ttl` is gone. A client of one service (DataCenter)
    names its `audience` once, as a class attribute.
    """

    audience = ""

    def __init__(
        self,
        base_url: str,
        codec: TokenCodec,
        service: str,
        timeout: float = 600,
        *,
        audience: str = "",
        token_ttl: int = 300,
        verify: str | bool = True,
        cert: tuple[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._codec = codec
        self._service = service
        if audience:
            self.audience = audience
        if not self.audience:
            raise ValueError("a service client needs the audience of its tokens")
        self._token_ttl = token_ttl
        self._timeout = timeout
        # TLS: the CA file the callee's certificate must chain to, and this service's own.
        self._verify = verify
        self._cert = cert
        self._pools: urllib3.HTTPConnectionPool | None = None
        # What the pool's requests name: the base URL's path (a prefix of every route) onward.
        self._prefix = urllib3.util.parse_url(self.base_url).path or ""
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    @property
    def codec(self) -> TokenCodec:
        """The suite's shared secret: it signs this client's service tokens and checks the tokens
        sent to the service that holds the client."""
        return self._codec

    def _pool(self) -> urllib3.HTTPConnectionPool:
        """The connection pools, made at the first call (a client is often built and never used)."""
        if self._pools is None:
            with self._lock:
                if self._pools is None:
                    self._pools = self._new_pools()
        return self._pools

    def _new_pools(self) -> urllib3.HTTPConnectionPool:
        tls: dict[str, Any] = {}
        if self.base_url.startswith("https:"):
            tls["cert_reqs"] = "CERT_REQUIRED" if self._verify else "CERT_NONE"
            if isinstance(self._verify, str):
                tls["ca_certs"] = self._verify
            if self._cert:
                tls["cert_file"], tls["key_file"] = self._cert
        # One pool: a client calls one service. No retries: a call that failed is reported as such
        # and its caller decides (as requests' adapter did). A connection is kept per thread
        # calling at once, up to 32.
        return urllib3.connection_from_url(
            self.base_url,
            maxsize=32,
            retries=False,
            timeout=urllib3.Timeout(connect=self._timeout, read=self._timeout),
            **tls,
        )

    def service_token(self, acting: str = "", session: str = "") -> str:
        """This service's token for the callee, acting for `acting` in `session` (if given)."""
        key = (acting, session)
        now = time.time()
        with self._lock:
            token, renew_at = self._tokens.get(key, ("", 0.0))
            if now < renew_at:
                return token
            token, _claims = self._codec.issue_service(
                self._service, self.audience, self._token_ttl, acting=acting, session=session
            )
            if len(self._tokens) >= _MAX_TOKENS:
                self._tokens.clear()
            self._tokens[key] = (token, now + self._token_ttl / 2)
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
        """Send `body` for `principal` (the request being served: its user and session) or for
        `acting_user` (work of the service's own for that user), else as the service itself."""
        if principal is not None:
            token = self.service_token(principal.username, principal.token_id)
        else:
            token = self.service_token(acting_user or "")
        headers = {"Content-Type": "application/json", "Access-Token": token}
        url = self.base_url + path
        try:
            # urllib3 1.26 (elasticsearch 7.13 needs it) has no type hints.
            reply = self._pool().urlopen(  # type: ignore[no-untyped-call]
                method, self._prefix + path, body=jsonio.encode(body or {}), headers=headers
            )
        except SSLError as exc:
            # A certificate that does not chain to [tls] ca_file, or ours refused: not transient.
            raise ServiceUnavailable(f"{url} refused the TLS handshake: {_ssl_reason(exc)}") from None
        except NewConnectionError:  # refused, no route: before the timeouts, it is one of them
            raise ServiceUnavailable(f"{url} is unreachable: ConnectionError") from None
        except HTTPTimeout:
            raise ServiceUnavailable(f"{url} did not answer within {self._timeout} s") from None
        except HTTPError as exc:  # reset, closed mid-answer, a malformed answer
            raise ServiceUnavailable(f"{url} is unreachable: {type(exc).__name__}") from None
        try:
            data = jsonio.decode_bulk(reply.data)
            code = Code(int(data["code"]))
        except (ValueError, KeyError, TypeError):
            raise AopsError(f"{url} answered HTTP {reply.status} without an envelope") from None
        if is_success(code, data):
            return dict(data)
        payload = {k: v for k, v in data.items() if k not in ("code", "msg", "detail", "field")}
        raise AopsError(
            str(data.get("detail") or code.label),
            code=code,
            field=data.get("field"),
            payload=payload,
            # A service in legacy mode sends errors with 200: the code's own status then applies.
            http_status=reply.status if reply.status != 200 else None,
        )

    def post(self, path: str, body: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        return self.call("POST", path, body, **kw)

    def delete(self, path: str, body: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        return self.call("DELETE", path, body, **kw)


def _ssl_reason(exc: SSLError) -> str:
    """OpenSSL's own words, e.g. `certificate verify failed: unable to get local issuer certificate`."""
    found = re.search(r"\[SSL: \w+\] ([^(')]+)", str(exc))
    return found.group(1).strip() if found else "TLS error"


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
    return reply_of(route(body, ctx.caller), *drop)
