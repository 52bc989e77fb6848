"""The topology map as gala_spider stores it, for the readers that are not gala_spider.

gala_spider writes the map to the document store (gala_spider/store.py); the data center reads
the links and hosts back to tell a diagnosis report its host's neighbours. Neither imports the
other, so the index names and the fields both sides rely on are named here only.
"""

from __future__ import annotations

# Indices (the document store adds its configured prefix to each name).
ENTITIES_INDEX = "gala_spider_entities"
LINKS_INDEX = "gala_spider_links"
METRICS_INDEX = "gala_spider_metrics"

# Every document has `kind`: in the entities index "host", "process" or "listener"; in the
# links index "tcp" (a TCP link between two processes) or "lb" (a load balancer's forwarding).
KIND = "kind"
HOST_KIND = "host"
TCP_KIND = "tcp"

# Presence of a thing: `first_seen`, `last_seen` (POSIX seconds) and `spans`, the [start, end]
# runs of its sightings; it was on the map at t when a span has start <= t <= end + ttl.
FIRST_SEEN = "first_seen"
LAST_SEEN = "last_seen"
SPANS = "spans"
# A TCP link document carries the ttl its writer applied, so a reader needs no gala-spider.conf.
TTL = "ttl"
# The largest ttl gala-spider.conf accepts: a link last seen this long before a window cannot be
# on the map in it, whatever its ttl.
MAX_TTL = 86400

# A host document: `name` (the records' hostname) and `addresses` (those its records showed as
# its own, loopback left out).
HOST_NAME = "name"
HOST_ADDRESSES = "addresses"

# A TCP link document: `client` and `server` are [host, pid, process name] or null (an end no
# probe reported); `client_host` and `server_host` repeat the hosts (null alike) so a reader can
# select a host's links; `client_ip`, `server_ip`, `server_port` are the connection's addresses.
CLIENT = "client"
SERVER = "server"
CLIENT_HOST = "client_host"
SERVER_HOST = "server_host"
# `scope` is the host for an address only that host reaches (loopback), "" otherwise; scope and
# the three addresses are the connection: a client-less link ("client" null) of a connection that
# also has a link with its client known is the same connection seen from the server only.
SCOPE = "scope"
CLIENT_IP = "client_ip"
SERVER_IP = "server_ip"
SERVER_PORT = "server_port"


def on_map_within(spans: list[list[float]], ttl: float, start: float, end: float) -> bool:
    """Whether a thing with these spans was on the map at some moment of [start, end]."""
    return any(s <= end and e + ttl >= start for s, e in spans)


def is_loopback(ip: str) -> bool:
    """A loopback address: never one host's own (every host has it), so it names no host."""
    return ip.startswith("127.") or ip == "::1"
