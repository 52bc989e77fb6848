"""The 21.09 `tcp_link` table (its meta file's fields, in order) and its two wire forms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

# A value the kernel does not give (the /proc fallback has no counters). 21.09's line protocol
# dropped empty tokens, shifting every later field, so a field is never empty: its section 3.2
# names `-` as a placeholder.
UNKNOWN = "-"
TCP_LINK = "tcp_link"


@dataclass(frozen=True)
class Column:
    name: str
    description: str  # as the 21.09 meta file says it (the metrics page's HELP)
    # How the metrics page shows it (21.09 typed every link field "Unknown", so its page never
    # showed links): a label, or a counter or gauge with the other fields as labels.
    kind: Literal["label", "counter", "gauge"]


COLUMNS: tuple[Column, ...] = (
    Column("pid", "pid of process", "label"),
    Column("process_name", "process name", "label"),
    Column("role", "role", "label"),
    Column("client_ip", "client ip", "label"),
    Column("server_ip", "server ip", "label"),
    Column("server_port", "server port", "label"),
    Column("protocol", "protocol", "label"),
    Column("link_count", "link count", "gauge"),
    Column("rx_bytes", "rx bytes", "counter"),
    Column("tx_bytes", "tx bytes", "counter"),
    Column("packets_in", "packets in", "counter"),
    Column("packets_out", "packets out", "counter"),
    Column("retran_packets", "retran packets", "counter"),
    Column("lost_packets", "lost packets", "gauge"),
    Column("rtt", "rtt(us)", "gauge"),
)
NAMES = tuple(c.name for c in COLUMNS)


@dataclass(frozen=True)
class Record:
    """One tcp_link row: a value per column, in the meta file's order, none of them empty."""

    values: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.values) != len(COLUMNS):
            raise ValueError(f"tcp_link has {len(COLUMNS)} fields, got {len(self.values)}")
        empty = [name for name, value in zip(NAMES, self.values, strict=True) if not value]
        if empty:
            raise ValueError(f"tcp_link field {empty[0]} is empty")

    def field(self, name: str) -> str:
        return self.values[NAMES.index(name)]

    def kafka_value(self, timestamp_ms: int, hostname: str) -> bytes:
        """The message 21.09 produced to Kafka: `{"timestamp": <ms>, "hostname": "...",
        "table_name": "tcp_link", "<field>": "<value>", ...}`, separators `, ` and `: `, every
        field a string. Unlike 21.09 the text is escaped, so any process name stays JSON."""
        message: dict[str, object] = {"timestamp": timestamp_ms, "hostname": hostname, "table_name": TCP_LINK}
        message.update(zip(NAMES, self.values, strict=True))
        return json.dumps(message).encode("ascii")

    def line(self) -> str:
        """The extend-probe line `|tcp_link|v1|...|v15|` a 21.09 daemon reads from a probe's
        stdout; `|` and line breaks in a value (a process may name itself so) become `_`."""
        cleaned = (v.replace("|", "_").replace("\n", "_").replace("\r", "_") for v in self.values)
        return f"|{TCP_LINK}|" + "|".join(cleaned) + "|"
