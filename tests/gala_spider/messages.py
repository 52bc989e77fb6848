"""21.09 gala_gopher messages (reference sections 3.4 and 3.5) as the tests need them, byte for byte:
`{"timestamp": <ms>, "hostname": ..., "table_name": ..., <fields in meta order>}`, every field
a string, separators ", " and ": "."""

from __future__ import annotations

import json
import time
from functools import partial
from typing import Any

from aops_utils.contracts.link_tables import LVS_LINK
from aops_utils.contracts.link_tables import TABLES
from aops_utils.contracts.link_tables import TCP_IDENTITY
from aops_utils.contracts.link_tables import TCP_LINK


def now_ms() -> int:
    return int(time.time()) * 1000


def message(table: str, hostname: str, stamp: int | None = None, **fields: Any) -> bytes:
    """One record of `table`; fields are given by name and written in the meta file's order (a
    field the table does not have goes last, as a foreign producer would write it)."""
    order = TABLES.get(table, ())
    values = {name: str(fields.pop(name)) for name in order if name in fields}
    values.update({name: str(value) for name, value in fields.items()})
    head: dict[str, Any] = {"timestamp": now_ms() if stamp is None else stamp, "hostname": hostname}
    head["table_name"] = table
    return json.dumps({**head, **values}).encode("utf-8")


def tcp(
    hostname: str,
    *,
    pid: int,
    name: str,
    role: int,
    client: str,
    server: str,
    port: int,
    stamp: int | None = None,
    rx: int = 100,
    tx: int = 50,
    retrans: int = 0,
    rtt: int = 400,
) -> bytes:
    """A tcp_link record: `role` 1 reported by the client's process, 0 by the server's."""
    # The link's identity in the meta file's order (protocol: AF_INET6 or AF_INET), then its counters.
    identity = (pid, name, role, client, server, port, 10 if ":" in client else 2)
    return message(
        TCP_LINK,
        hostname,
        stamp,
        **dict(zip(TCP_IDENTITY, identity, strict=True)),
        link_count=1,
        rx_bytes=rx,
        tx_bytes=tx,
        packets_in=3,
        packets_out=4,
        retran_packets=retrans,
        lost_packets=0,
        rtt=rtt,
    )


def pair(
    client_host: str,
    client_ip: str,
    client: tuple[int, str],
    server_host: str,
    server_ip: str,
    server: tuple[int, str],
    port: int,
    stamp: int | None = None,
    **metrics: int,
) -> list[bytes]:
    """The two records of one connection: the server's end first, then the client's."""
    one_end = partial(tcp, client=client_ip, server=server_ip, port=port, stamp=stamp, **metrics)
    ends = ((server_host, server, 0), (client_host, client, 1))
    return [one_end(host, pid=pid, name=name, role=role) for host, (pid, name), role in ends]


def lvs_2109(
    hostname: str,
    *,
    client: str,
    vip: str,
    local: str,
    real: str,
    vport: int,
    rport: int,
    stamp: int | None = None,
) -> bytes:
    """lvs_link as 21.09's probe wrote it: nine values in the meta's first nine names, so the
    virtual port is under server_port, the real port under virtual_port and the count under family."""
    values = ("ipvs", client, vip, local, real, vport, rport, 6, 1)
    return message(LVS_LINK, hostname, stamp, **dict(zip(TABLES[LVS_LINK][:9], values, strict=True)))


def balancer(
    table: str,
    hostname: str,
    *,
    client: str,
    vip: str,
    vport: int,
    real: str,
    rport: int,
    stamp: int | None = None,
) -> bytes:
    """nginx_link or haproxy_link."""
    extra = {"is_l7": 1} if table == "nginx_link" else {"protocol": 6}
    return message(
        table,
        hostname,
        stamp,
        client_ip=client,
        virtual_ip=vip,
        server_ip=real,
        virtual_port=vport,
        server_port=rport,
        link_count=1,
        **extra,
    )
