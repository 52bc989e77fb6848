"""`aops standalone`'s web port: the built web UI and the 21.09 `/api/...` routing, in one process.

The same behaviour as `conf/nginx/aops-nginx.conf`, without nginx: `/api/<path>` goes to the
service that owns the path with the `/api` prefix removed (the 21.09 table, longest prefix
first), called in-process as a WSGI application; every other path is a file of the built web
(`web/dist`), with hashed `assets/` cached for a year and everything else revalidated, gzip when
the browser takes it, and `index.html` for the paths of the single-page app.
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from werkzeug.security import safe_join
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from aops_utils.codes import Code

MANAGER = "manager"
CHECK_SCHEDULER = "check scheduler"
DIAG_SCHEDULER = "diag scheduler"
CONFIG_TRACING = "configuration tracing"
TOPOLOGY = "topology"

# The 21.09 nginx table (reference section 11.3): prefix -> the service that answers it.
# Everything else under /api/ is the manager's.
API_ROUTES: tuple[tuple[str, str], ...] = (
    ("/api/domain", CONFIG_TRACING),
    ("/api/host", CONFIG_TRACING),
    ("/api/confs", CONFIG_TRACING),
    ("/api/management", CONFIG_TRACING),
    ("/api/check", CHECK_SCHEDULER),
    ("/api/diag", DIAG_SCHEDULER),
    ("/api/gala-spider", TOPOLOGY),
)

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Compressed only from this size: below it gzip's header costs more than it saves.
GZIP_MIN_BYTES = 1024
GZIP_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")

BUILD_HINT = "cd web && npm ci && npm run build   (make install does it)"

WSGIEnviron = dict[str, Any]


def service_for(path: str) -> str | None:
    """The service name for an `/api/...` path (None for a path of the web)."""
    if not path.startswith("/api/"):
        return None
    matches = [(prefix, name) for prefix, name in API_ROUTES if path.startswith(prefix)]
    if not matches:
        return MANAGER
    return max(matches, key=lambda match: len(match[0]))[1]


@dataclass(frozen=True)
class _Compressed:
    stamp: tuple[int, int]
    body: bytes


class WebUI:
    """A WSGI application: the web UI from `dist` and `/api/...` dispatched to `services`.

    `services` maps the names of `API_ROUTES` (and "manager") to WSGI applications; a name
    without one (a capability not built yet) answers 503 with the 21.09 code 1001, as nginx does
    for a service that is not running.
    """

    def __init__(self, dist: Path, services: Mapping[str, Any]) -> None:
        self.dist = dist.resolve()
        self.services = dict(services)
        self._gzip_cache: dict[str, _Compressed] = {}
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        return (self.dist / "index.html").is_file()

    def __call__(self, environ: WSGIEnviron, start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        name = service_for(path)
        if name is None:
            return self._static(Request(environ))(environ, start_response)
        app = self.services.get(name)
        if app is None:
            return _unavailable(name)(environ, start_response)
        return app(_strip_api(environ, path), start_response)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ static files

    def _static(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("method not allowed\n", 405, headers={"Allow": "GET, HEAD"})
        if not self.built:
            return Response(
                f"The A-Ops web UI is not built (no {self.dist / 'index.html'}).\nBuild it: {BUILD_HINT}\n",
                503,
                content_type="text/plain; charset=utf-8",
            )
        relative = request.path.lstrip("/")
        found = safe_join(str(self.dist), relative) if relative else None
        if found is not None and Path(found).is_file():
            cache = IMMUTABLE if relative.startswith("assets/") else REVALIDATE
            return self._file(request, Path(found), cache)
        if relative.startswith("assets/"):
            # A hashed file that is not there: never the app's page in place of a script.
            return Response("not found\n", 404, content_type="text/plain; charset=utf-8")
        # A path of the single-page app (/hosts, /account, ...): its router shows the page.
        return self._file(request, self.dist / "index.html", REVALIDATE)

    def _file(self, request: Request, path: Path, cache: str) -> Response:
        stat = path.stat()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type == "application/javascript":
            content_type += "; charset=utf-8"
        body = path.read_bytes()
        etag = f"{stat.st_mtime_ns:x}-{stat.st_size:x}"
        headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
        compressible = len(body) >= GZIP_MIN_BYTES and content_type.startswith(GZIP_TYPES)
        if compressible and request.accept_encodings.quality("gzip") > 0:
            body = self._gzipped(path, (stat.st_mtime_ns, stat.st_size), body)
            headers["Content-Encoding"] = "gzip"
            etag += "-gz"
        response = Response(body, 200, headers=headers, content_type=content_type)
        response.set_etag(etag)
        response.last_modified = stat.st_mtime  # type: ignore[assignment]
        response = response.make_conditional(request)
        # The server sends its own Date; make_conditional adds a second one.
        response.headers.pop("Date", None)
        return response

    def _gzipped(self, path: Path, stamp: tuple[int, int], body: bytes) -> bytes:
        key = str(path)
        with self._lock:
            cached = self._gzip_cache.get(key)
        if cached is not None and cached.stamp == stamp:
            return cached.body
        compressed = gzip.compress(body, compresslevel=6, mtime=0)
        with self._lock:
            self._gzip_cache[key] = _Compressed(stamp, compressed)
        return compressed


def _strip_api(environ: WSGIEnviron, path: str) -> WSGIEnviron:
    """The request as the service sees it behind nginx: `/api` removed, the client's address
    in X-Forwarded-For (nginx sets `$remote_addr`, replacing what the client sent)."""
    inner = dict(environ)
    inner["PATH_INFO"] = path.removeprefix("/api")
    for key in ("REQUEST_URI", "RAW_URI"):
        raw = environ.get(key)
        if isinstance(raw, str) and raw.startswith("/api/"):
            inner[key] = raw.removeprefix("/api")
    inner["HTTP_X_FORWARDED_FOR"] = environ.get("REMOTE_ADDR", "")
    return inner


def _unavailable(name: str) -> Response:
    body = {
        "code": int(Code.HTTP_CONNECT_ERROR),
        "msg": Code.HTTP_CONNECT_ERROR.label,
        "detail": f"the {name} service is not part of this A-Ops",
    }
    return Response(orjson.dumps(body), 503, content_type="application/json")
