"""The 21.09 gala-gopher link tables on Kafka `gala_gopher` (reference sections 3.4 and 3.5):
their fields in meta order, as gala_spider reads them."""

from __future__ import annotations

# The default topic; every message on it is
# {"timestamp": <ms>, "hostname": "...", "table_name": "...", <the table's fields>...}.
TOPIC = "gala_gopher"

TCP_LINK = "tcp_link"
LVS_LINK = "lvs_link"
NGINX_LINK = "nginx_link"
HAPROXY_LINK = "haproxy_link"
DNSMASQ_LINK = "dnsmasq_link"

TABLES: dict[str, tuple[str, ...]] = {
    TCP_LINK: (
        "pid",
        "process_name",
        "role",
        "client_ip",
        "server_ip",
        "server_port",
        "protocol",
        "link_count",
        "rx_bytes",
        "tx_bytes",
        "packets_in",
        "packets_out",
        "retran_packets",
        "lost_packets",
        "rtt",
    ),
    # The meta file's ten fields. 21.09's probe printed nine values in another order, so its
    # JSON has the virtual port under server_port, the real port under virtual_port, the link
    # count under family and no link_count (section 3.5); gala_spider reads both.
    LVS_LINK: (
        "process_name",
        "client_ip",
        "virtual_ip",
        "local_ip",
        "server_ip",
        "server_port",
        "virtual_port",
        "protocol",
        "family",
        "link_count",
    ),
    NGINX_LINK: (
        "client_ip",
        "virtual_ip",
        "server_ip",
        "virtual_port",
        "server_port",
        "is_l7",
        "link_count",
    ),
    HAPROXY_LINK: (
        "client_ip",
        "virtual_ip",
        "server_ip",
        "virtual_port",
        "server_port",
        "protocol",
        "link_count",
    ),
    DNSMASQ_LINK: ("client_ip", "virtual_ip", "family", "link_count", "pid", "process_comm"),
}
# The 21.09 manual's gala-spider.conf reads nginx_statistic, a name no probe of 21.09 produced
# (its nginx probe's table is nginx_link): taken as nginx_link.
ALIASES = {"nginx_statistic": NGINX_LINK}
# The tcp_link fields that say which link of which process a record reports (the meta order's
# first seven; the rest are counters).
TCP_IDENTITY = TABLES[TCP_LINK][: TABLES[TCP_LINK].index("link_count")]
# tcp_link's counters, in the order of 21.09's TCP-LINK attrs (section 2.5, phase D).
TCP_METRICS = (
    "link_count",
    "rx_bytes",
    "tx_bytes",
    "packets_out",
    "packets_in",
    "retran_packets",
    "lost_packets",
    "rtt",
)
# What a probe writes for a value it does not know (section 3.2: a field is never empty).
UNKNOWN = "-"
