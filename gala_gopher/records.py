"""The 21.09 `tcp_link` table (its meta file's fields, in order) and its two wire forms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from aops_utils.contracts.link_tables import TABLES
from aops_utils.contracts.link_tables import TCP_LINK

# How the metrics page shows a field (21.09 typed every link field "Unknown", so its page never
# showed links): a label, or a counter or gauge with the other fields as labels.
Kind = Literal["label", "counter", "gauge"]


@dataclass(frozen=True)
class Column:
    name: str
    description: str  # as the 21.09 meta file says it (the metrics page's HELP)
    kind: Kind


# The fields' order is the contract's (what gala_spider reads); here how each is described and shown.
_SHOWN: dict[str, tuple[str, Kind]] = {
    "pid": ("pid of process", "label"),
    "process_name": ("process name", "label"),
    "role": ("role", "label"),
    "client_ip": ("client ip", "label"),
    "server_ip": ("server ip", "label"),
    "server_port": ("server port", "label"),
    "protocol": ("protocol", "label"),
    "link_count": ("link count", "gauge"),
    "rx_bytes": ("rx bytes", "counter"),
    "tx_bytes": ("tx bytes", "counter"),
    "packets_in": ("packets in", "counter"),
    "packets_out": ("packets out", "counter"),
    "retran_packets": ("retran packets", "counter"),
    "lost_packets": ("lost packets", "gauge"),
    "rtt": ("rtt(us)", "gauge"),
}
NAMES = TABLES[TCP_LINK]
COLUMNS: tuple[Column, ...] = tuple(Column(name, *_SHOWN[name]) for name in NAMES)


@dataclass(frozen=True)
class Record:
    """One tcp_link row: a value per column, in the meta file's order, none of them empty."""

    values: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.values) != len(COLUMNS):
            raise ValueError(f"tcp_link has {len(COLUMNS)} fields, got {len(self.values)}")
        # 21.09's line protocol dropped empty tokens, shifting every later field: an unknown
        # value is UNKNOWN ("-"), never empty.
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
