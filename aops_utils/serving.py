"""Running a service: uWSGI in production, a threaded WSGI server for the embedded suite."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import ssl
import sys
import threading
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from aops_utils import private
from aops_utils import tls
from aops_utils.conf import Endpoint
from aops_utils.conf import TlsSection
from aops_utils.conf import UwsgiSection
from aops_utils.errors import ConfigError

LOG = logging.getLogger(__name__)


class _Handler(WSGIRequestHandler):
    """Keeps headers with underscores, which Werkzeug drops: 21.09 clients send `access_token`."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        for key, value in self.headers.items():
            if "_" in key:
                environ.setdefault("HTTP_" + key.upper().replace("-", "_"), value)
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        LOG.debug("%s %s %s", self.command, self.path, code)


_HANDSHAKE_SECONDS = 30


class _TlsHandler(_Handler):
    """HTTPS, with the handshake in this connection's thread: Werkzeug would run it in the one
    that accepts connections, where one client that stalls it stalls every other."""

    def setup(self) -> None:
        context = self.server.ssl_context
        assert context is not None
        self.request = context.wrap_socket(self.request, server_side=True, do_handshake_on_connect=False)
        super().setup()

    def handle(self) -> None:
        # A peer that opens a connection and never finishes the handshake gives its thread back.
        self.request.settimeout(_HANDSHAKE_SECONDS)
        try:
            self.request.do_handshake()
            self.request.settimeout(self.timeout)
        except (ssl.SSLError, OSError) as exc:
            # A client without a certificate of our CA, or one that does not trust ours.
            LOG.info("TLS handshake with %s failed: %s", self.client_address[0], exc)
            return
        super().handle()


def stop_signal() -> threading.Event:
    """An event that SIGINT or SIGTERM sets from now on (wait for it with `wait_for_stop`)."""
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    return stopping


def wait_for_stop(stopping: threading.Event) -> None:
    """Block the main thread until `stopping` is set.

    The wait wakes twice a second: the kernel may deliver a signal to any thread, and Python
    runs its handler only when the main thread executes again, so a plain `Event.wait()` could
    sleep through a SIGTERM for ever (seen in about one stop in ten of `aops standalone`).
    """
    while not stopping.wait(0.5):
        pass


def threaded_server(app: Any, endpoint: Endpoint, secure: TlsSection | None = None) -> BaseWSGIServer:
    """A threaded server on `endpoint`; HTTPS with the certificate of `secure` when given."""
    context = tls.server_context(secure) if secure is not None else None
    handler = _Handler if context is None else _TlsHandler
    server = make_server(endpoint.ip, endpoint.port, app, threaded=True, request_handler=handler)
    server.daemon_threads = True  # type: ignore[attr-defined]  # ThreadedWSGIServer has it
    # Set after the socket is made, so that Werkzeug leaves it plain (see _TlsHandler); the
    # environ then says https.
    server.ssl_context = context
    return server


def serve_in_thread(
    app: Any, endpoint: Endpoint, name: str, secure: TlsSection | None = None
) -> tuple[BaseWSGIServer, threading.Thread]:
    server = threaded_server(app, endpoint, secure)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    return server, thread


def uwsgi_argv(
    module: str,
    endpoint: Endpoint,
    uwsgi: UwsgiSection,
    *,
    enable_threads: bool = True,
    secure: TlsSection | None = None,
) -> list[str]:
    # The uwsgi installed with this Python comes first: a unit running /opt/aops/bin/aops-manager
    # has no virtualenv on its PATH, and another uwsgi there may embed another Python.
    binary = shutil.which("uwsgi", path=str(Path(sys.executable).parent)) or shutil.which("uwsgi")
    if binary is None:
        raise ConfigError("uwsgi is not installed: pip install 'aops[server]' (or use `--dev`)")
    host = f"[{endpoint.ip}]" if ":" in endpoint.ip else endpoint.ip
    argv = [
        binary,
        "--master",
        "--die-on-term",
        "--need-app",
        "--lazy-apps",
        *(
            ("--http", f"{host}:{endpoint.port}")
            if secure is None
            else ("--https", tls.uwsgi_https(secure, f"{host}:{endpoint.port}"))
        ),
        "--module",
        module,
        "--processes",
        str(uwsgi.processes),
        "--threads",
        str(uwsgi.threads),
        "--http-timeout",
        str(uwsgi.http_timeout),
        "--harakiri",
        str(uwsgi.harakiri),
        "--disable-logging",
        "--log-4xx",
        "--log-5xx",
        "--buffer-size",
        "32768",
        # No --limit-post: each route refuses a body over its own limit (413) before reading it,
        # and uWSGI reads none by itself (no post buffering); limit-post would cut the
        # connection without an answer. The HTTP router passes no chunked body to the app.
        # The HTTP router closes each connection after one answer; saying so stops keep-alive
        # clients from sending the next request on a socket that is already gone.
        "--add-header",
        "Connection: close",
    ]
    if enable_threads:
        argv.append("--enable-threads")
    if uwsgi.daemonize:
        argv += ["--logto", uwsgi.daemonize]
    return argv


def exec_uwsgi(
    module: str, endpoint: Endpoint, uwsgi: UwsgiSection, secure: TlsSection | None = None
) -> None:
    """Replace this process with uWSGI serving `module` (e.g. `aops_database.wsgi:app`), over
    HTTPS with the certificate of `secure` when given."""
    argv = uwsgi_argv(module, endpoint, uwsgi, secure=secure)
    if uwsgi.daemonize:
        log_file = Path(uwsgi.daemonize)
        try:
            # uWSGI appends to the file as it finds it: created (or tightened to) 0600 here.
            private.make_dir(log_file.parent)
            private.create_file(log_file)
        except OSError as exc:
            raise ConfigError(f"[uwsgi] daemonize: cannot write {log_file}: {exc.strerror or exc}") from exc
    LOG.info("starting uwsgi: %s", " ".join(argv))
    os.execv(argv[0], argv)  # noqa: S606 - a fixed binary with arguments from typed settings
