"""Route registry: one decorator declares path, method, body model and auth for a thin view."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Any
from typing import Generic
from typing import TypeVar
from typing import get_origin

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from pydantic import BaseModel
from pydantic import RootModel
from werkzeug.exceptions import RequestEntityTooLarge

from aops_utils import jsonio
from aops_utils.codes import Code
from aops_utils.errors import AopsError
from aops_utils.errors import DefaultPasswordError
from aops_utils.errors import ParamError
from aops_utils.errors import TokenError
from aops_utils.restful.addresses import request_address
from aops_utils.restful.validation import parse

BodyT = TypeVar("BodyT")
# A route's body limit unless it declares its own: any request of the 21.09 API but the bulk
# imports fits in far less.
DEFAULT_MAX_BODY = 1024 * 1024
_READ_CHUNK = 256 * 1024
# A refused body is still read, and dropped as it comes, up to this many bytes: a client sends
# its whole body before it reads the answer, and uWSGI's router cuts the connection on one that
# is still sending (the client then sees a reset, not the 413 or 401). Past it, the cut stands.
_DISCARD_MAX = 128 * 1024 * 1024


class Access(StrEnum):
    PUBLIC = "public"
    # A user's token, or a service acting for a named user (only the latter at the data center,
    # which refuses every user's token).
    USER = "user"
    SERVICE = "service"  # only another A-Ops service
    # The caller's principal when its token is valid, none otherwise (logout: no session left
    # to end is not an error).
    OPTIONAL = "optional"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user (token subject), or a service (`service`) acting for the user its
    token names, if any. `token_id` is the user's session the call serves ("" for a service's
    own work): a service token carries it on, and the data center checks it is still open."""

    username: str
    token: str
    token_id: str
    service: str | None = None
    # Opened with the default password: only routes that allow it (change, logout) serve it.
    default_password: bool = False


@dataclass(slots=True)
class RequestContext(Generic[BodyT]):
    body: BodyT
    principal: Principal | None

    @property
    def address(self) -> str:
        """The client's address: X-Forwarded-For only from a trusted proxy (restful.addresses).
        Worked out when a handler asks (login, logout): most never do."""
        return request_address()

    @property
    def caller(self) -> Principal:
        """Who calls (only on routes that require a token, where there is one)."""
        assert self.principal is not None
        return self.principal

    @property
    def username(self) -> str:
        """The user the request acts for (only on routes that require one)."""
        return self.caller.username


@dataclass(slots=True)
class Reply:
    """A handler's answer when it is not plain success: the code and the payload keys."""

    code: Code
    payload: dict[str, Any] = field(default_factory=dict)
    # When the code's usual status would not be true of this answer (e.g. 1104 because nothing
    # was found rather than because a query failed).
    http_status: int | None = None


@dataclass(frozen=True, slots=True)
class Encoded:
    """A handler's answer as sent before (a kept answer, see `encoded`): its bytes and status."""

    data: bytes
    status: int


Authenticator = Callable[[str], Principal]
# App config key: every envelope goes out with HTTP 200 (system.ini [restful] legacy_http_status).
LEGACY_HTTP_STATUS = "AOPS_LEGACY_HTTP_STATUS"
Handler = Callable[[RequestContext[Any]], "dict[str, Any] | Reply | Encoded"]
# A decorator that registers the route a function declares by its name and docstring alone.
Declaration = Callable[[Callable[[], None]], Callable[[], None]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    path: str
    methods: tuple[str, ...]
    body: type[BaseModel] | None
    access: Access
    summary: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    default_password_ok: bool = False
    # Bytes of body the route reads at most; a larger one is refused (413) before it is parsed.
    max_body: int = DEFAULT_MAX_BODY


def json_response(body: dict[str, Any], status: int) -> Response:
    return _json_bytes(jsonio.encode(body), status)


def _json_bytes(data: bytes, status: int) -> Response:
    return Response(data, status=status, mimetype="application/json")


def _sent_status(status: int) -> int:
    """The status an envelope goes out with: its true one, or 200 in legacy mode."""
    return 200 if current_app.config.get(LEGACY_HTTP_STATUS) else status


def envelope_response(body: dict[str, Any], status: int) -> Response:
    """An answer carrying the 21.09 envelope: its true status, or 200 in legacy mode."""
    return json_response(body, _sent_status(status))


def envelope(code: Code, payload: dict[str, Any] | None = None, http_status: int | None = None) -> Response:
    return envelope_response(_enveloped(code, payload), http_status or code.http_status)


def encoded(reply: Reply) -> Encoded:
    """The answer `reply` makes, as bytes to keep and send again (a cached listing)."""
    status = _sent_status(reply.http_status or reply.code.http_status)
    return Encoded(jsonio.encode(_enveloped(reply.code, reply.payload)), status)


def _enveloped(code: Code, payload: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": int(code), "msg": code.label}
    if payload:
        body.update(payload)
    return body


def read_token() -> str | None:
    # 21.09 clients send `access_token` (CLI) or `Access-Token` (web): one WSGI key for both.
    # Read from the environ itself: Werkzeug's header view costs more than the lookup.
    environ = request.environ
    token = environ.get("HTTP_ACCESS_TOKEN")
    if not token:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:]
    return token.strip() if token and token.strip() else None


def body_too_large(limit: int) -> AopsError:
    return AopsError(
        f"the request body is larger than {limit} bytes, the most this route takes",
        code=Code.PARAM_ERROR,
        field="body",
        http_status=413,
    )


def discard_body() -> None:
    """Read the declared body of a request refused before it was read, keeping none of it."""
    for _ in _chunks(request.environ["wsgi.input"], min(request.content_length or 0, _DISCARD_MAX)):
        pass


def read_body(limit: int) -> bytes:
    """The raw body, refused (413) before more than `limit` bytes of it are held in memory.

    A declared Content-Length over the limit is refused before a byte is read. A chunked body
    is read only from a server that ends the stream itself (Werkzeug's, which sets
    `wsgi.input_terminated`), and only one byte past the limit: Werkzeug's own limit would cut
    it silently. From any other server (uWSGI) a chunked body reads as empty.
    """
    length = request.content_length
    if length is not None and length > limit:
        discard_body()
        raise body_too_large(limit)
    if length is not None:
        return _read_declared(request.environ["wsgi.input"], length)
    request.max_content_length = limit + 1
    try:
        body = b"".join(_chunks(request.stream, limit + 1))
    except RequestEntityTooLarge:
        raise body_too_large(limit) from None
    if len(body) > limit:
        raise body_too_large(limit)
    return body


def _read_declared(stream: Any, length: int) -> bytes:
    """A body of a declared length (within the limit), read from the server's own input: under
    uWSGI one read of its C stream instead of Werkzeug's wrapper made a Flask app answer 12 %
    more POSTs a second (bench/README.md, issue 13). A body that ends early is what arrived."""
    chunks = list(_chunks(stream, length))
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _chunks(stream: Any, length: int) -> Iterator[bytes]:
    """What `stream` gives of its next `length` bytes, a chunk at a time, until it ends."""
    left = length
    while left > 0:
        chunk = stream.read(min(left, _READ_CHUNK))
        if not chunk:
            return
        yield chunk
        left -= len(chunk)


def read_json(limit: int, *, array: bool = False) -> Any:
    """The decoded body: an object, or with `array` (a route whose body model is a list) an
    array too."""
    raw = read_body(limit)
    # Only an absent body is "no fields"; blanks are not JSON.
    if not raw:
        return {}
    if request.mimetype != "application/json":
        raise AopsError(
            f"content type must be application/json, got {request.mimetype or 'none'}",
            code=Code.PARAM_ERROR,
            field="body",
            http_status=415,
        )
    try:
        data = jsonio.decode_bulk(raw)
    except ValueError as exc:
        raise ParamError(f"the request body is not valid JSON: {exc}", field="body") from None
    if not isinstance(data, dict) and not (array and isinstance(data, list)):
        raise ParamError(f"the request body must be a JSON {'array' if array else 'object'}", field="body")
    return data


def read_query(model: type[BaseModel] | None) -> dict[str, Any]:
    """A GET route's fields from its query string: a field declared as a list takes every value
    given for it, any other the one given (twice is refused by the model as a list)."""
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        field_info = model.model_fields.get(key) if model is not None else None
        many = field_info is not None and get_origin(field_info.annotation) in (list, tuple)
        data[key] = values if many or len(values) > 1 else values[0]
    return data


class Api:
    """The endpoints of one service, registered on its Flask app and listed in its OpenAPI."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.endpoints: list[Endpoint] = []

    def route(
        self,
        path: str,
        *,
        methods: tuple[str, ...] = ("POST",),
        body: type[BaseModel] | None = None,
        access: Access = Access.USER,
        summary: str = "",
        aliases: tuple[str, ...] = (),
        default_password_ok: bool = False,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> Callable[[Handler], Handler]:
        """Declare a route; `default_password_ok`: a session opened with the default password may
        call it; `max_body` (bytes) for a route whose largest legal body is larger than the
        default."""

        def register(handler: Handler) -> Handler:
            doc = summary or (handler.__doc__ or "").strip().splitlines()[0:1]
            text = doc if isinstance(doc, str) else (doc[0] if doc else path)
            self.endpoints.append(
                Endpoint(
                    path,
                    methods,
                    body,
                    access,
                    text,
                    handler,
                    aliases,
                    default_password_ok=default_password_ok,
                    max_body=max_body,
                )
            )
            return handler

        return register

    def declared(
        self,
        path: str,
        handler: Handler,
        *,
        methods: tuple[str, ...] = ("POST",),
        body: type[BaseModel] | None = None,
    ) -> Declaration:
        """Register a `handler` made by a helper (Relays, Listings) under the name and summary of
        the function this decorates, which only declares them: such a route takes two lines."""

        def declare(named: Callable[[], None]) -> Callable[[], None]:
            handler.__name__ = named.__name__
            handler.__doc__ = named.__doc__
            self.route(path, methods=methods, body=body)(handler)
            return named

        return declare

    def largest_body(self) -> int:
        """The largest body any route takes: the ceiling for the server in front."""
        return max((e.max_body for e in self.endpoints), default=DEFAULT_MAX_BODY)

    def init_app(self, app: Flask) -> None:
        for endpoint in self.endpoints:
            view = _make_view(endpoint)
            for index, path in enumerate((endpoint.path, *endpoint.aliases)):
                app.add_url_rule(
                    path, f"{endpoint.handler.__name__}_{index}", view, methods=list(endpoint.methods)
                )


SourceT = TypeVar("SourceT")


class RouteMaker(Generic[SourceT]):
    """Makes routes of `api` from declarations; each works on what `source()` returns when it
    serves (a client, a store: what the app holds then)."""

    def __init__(self, api: Api, source: Callable[[], SourceT]) -> None:
        self._api = api
        self._source = source


def _authenticate(access: Access) -> Principal | None:
    token = read_token()
    if access is Access.OPTIONAL:
        try:
            return None if token is None else _authenticator()(token)
        except TokenError:
            return None
    if token is None:
        raise TokenError("the access_token header is missing")
    principal = _authenticator()(token)
    if access is Access.SERVICE and principal.service is None:
        raise AopsError("only A-Ops services may call this endpoint", code=Code.TOKEN_ERROR, http_status=403)
    if access is Access.USER and not principal.username:
        raise TokenError("a service call must name the user it acts for")
    return principal


def _authenticator() -> Authenticator:
    found: Authenticator = current_app.config["AOPS_AUTHENTICATOR"]
    return found


def _make_view(endpoint: Endpoint) -> Callable[[], Response]:
    # 21.09's gala-ragdoll took a bare array for some bodies (createDomain): a list body model.
    array = endpoint.body is not None and issubclass(endpoint.body, RootModel)

    def view() -> Response:
        # Who is asking is settled before anything of the body is read.
        principal = None
        if endpoint.access is not Access.PUBLIC:
            try:
                principal = _authenticate(endpoint.access)
                if principal is not None and principal.default_password and not endpoint.default_password_ok:
                    raise DefaultPasswordError(
                        "this session was opened with the default password: change the password "
                        "(/manage/account/change), then log in again"
                    )
            except AopsError:
                discard_body()
                raise
        data = (
            read_query(endpoint.body)
            if request.method == "GET"
            else read_json(endpoint.max_body, array=array)
        )
        body = parse(endpoint.body, data) if endpoint.body is not None else None
        if endpoint.body is None and data:
            raise ParamError("this endpoint takes no body fields", field=next(iter(data)))
        context: RequestContext[Any] = RequestContext(body, principal)
        result = endpoint.handler(context)
        if isinstance(result, Reply):
            return envelope(result.code, result.payload, result.http_status)
        if isinstance(result, Encoded):
            return _json_bytes(result.data, result.status)
        return envelope(Code.SUCCEED, result)

    view.__name__ = endpoint.handler.__name__
    return view
