"""The client's address: the direct peer, or what a trusted proxy says in `X-Forwarded-For`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from ipaddress import IPv4Address
from ipaddress import IPv4Network
from ipaddress import IPv6Address
from ipaddress import IPv6Network
from ipaddress import ip_address

from flask import current_app
from flask import request

# App config key: the networks of system.ini [restful] trusted_proxies.
TRUSTED_PROXIES = "AOPS_TRUSTED_PROXIES"
Network = IPv4Network | IPv6Network


# Every request parses its peer's address; a service sees few distinct peers (nginx, the
# other services, a fleet's worth of CLIs), so parsing each once keeps the cost off the hot path.
@lru_cache(maxsize=4096)
def _parse(text: str) -> IPv4Address | IPv6Address | None:
    try:
        found = ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(found, IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _trusted(address: IPv4Address | IPv6Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def client_address(peer: str, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """Who sent the request.

    A header from anyone but a trusted proxy is ignored: the client writes it. Behind trusted
    proxies the client is the last hop of `X-Forwarded-For` that is not itself a trusted proxy
    (the hops before it are what the client claimed); nginx's `$remote_addr` and
    `$proxy_add_x_forwarded_for` both work. A hop that is not an address ends the walk.
    """
    address = _parse(peer)
    if address is None or not forwarded_for or not _trusted(address, trusted):
        return str(address) if address is not None else peer
    for hop in reversed(forwarded_for.split(",")):
        found = _parse(hop)
        if found is None:
            break
        address = found
        if not _trusted(address, trusted):
            break
    return str(address)


def request_address() -> str:
    """The client address of the current request, by the app's trusted proxies."""
    trusted: Sequence[Network] = current_app.config.get(TRUSTED_PROXIES, ())
    return client_address(request.remote_addr or "", request.headers.get("X-Forwarded-For"), trusted)
