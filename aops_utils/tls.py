"""TLS on the data center's port (`system.ini [tls]`): the server's context, the clients' files."""

from __future__ import annotations

import ssl
from pathlib import Path

from aops_utils.conf import TlsSection
from aops_utils.errors import ConfigError


def _file(tls: TlsSection, key: str) -> str:
    path: Path | None = getattr(tls, key)
    if path is None:
        raise ConfigError(f"system.ini [tls] {key}: required with enabled=true")
    if not path.is_file():
        raise ConfigError(f"system.ini [tls] {key}: {path} does not exist or is not a file")
    return str(path)


def server_context(tls: TlsSection) -> ssl.SSLContext:
    """The data center's TLS context: its certificate, and the CA its clients must show."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(_file(tls, "cert_file"), _file(tls, "key_file"))
        if tls.verify_clients:
            context.load_verify_locations(_file(tls, "ca_file"))
            context.verify_mode = ssl.CERT_REQUIRED
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"system.ini [tls]: cannot load the certificate, key or CA: {exc}") from exc
    return context


def uwsgi_https(tls: TlsSection, address: str) -> str:
    """uWSGI's `--https` value: address, certificate, key, ciphers and (`!`: required) client CA."""
    value = f"{address},{_file(tls, 'cert_file')},{_file(tls, 'key_file')}"
    if tls.verify_clients:
        value += f",HIGH,!{_file(tls, 'ca_file')}"
    return value


def client_files(tls: TlsSection) -> tuple[str, tuple[str, str] | None]:
    """What a service's HTTP client needs: the CA to verify the data center against, and its
    own certificate and key when the data center verifies its clients."""
    ca = _file(tls, "ca_file")
    own = (_file(tls, "cert_file"), _file(tls, "key_file")) if tls.verify_clients else None
    return ca, own
