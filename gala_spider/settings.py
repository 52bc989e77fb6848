"""`gala-spider.conf`: its 21.09 keys (Python literals decoded), typed, plus the graph's time to
live, how often it is stored, and where."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar
from typing import Literal

from pydantic import Field
from pydantic import field_validator
from pydantic import model_validator

from aops_utils import conf
from aops_utils.bus.settings import ConsumerSection
from aops_utils.conf import LiteralList
from aops_utils.conf import LiteralText
from aops_utils.conf import Port
from aops_utils.conf import Retired
from aops_utils.conf import Section
from aops_utils.conf import ServerSection
from aops_utils.conf import UwsgiSection
from aops_utils.conf import WebServiceIni
from aops_utils.contracts.link_tables import ALIASES
from aops_utils.contracts.link_tables import TABLES
from aops_utils.contracts.link_tables import TOPIC

FILE_NAME = "gala-spider.conf"
# Where 21.09 read the file, and where the deployment role still writes it.
LEGACY_DIR = Path("/etc/spider")
_UNUSED = "no effect: 21.09 read it and never used it"


class GlobalSection(Section):
    retired: ClassVar[Mapping[str, Retired]] = {"ui_source": Retired(_UNUSED + " (the neo4j UI)")}

    # 21.09's only agent was kafka; memory is the in-process bus of `aops standalone`.
    data_source: Literal["kafka", "memory"] = "kafka"


class KafkaSection(Section):
    topic: LiteralText = Field(TOPIC, min_length=1, max_length=249)
    broker: LiteralList = ("127.0.0.1:9092",)
    # 21.09 hard-coded group2; consumers in one group share the topic's partitions.
    group_id: LiteralText = Field("gala_spider", min_length=1, max_length=249)
    auto_offset_reset: Literal["earliest", "latest"] = "earliest"
    # Records taken per poll: large, since each is a few microseconds of work (bench_topology.py).
    max_records: int = Field(5000, gt=0, le=100_000)
    timeout_ms: int = Field(1000, ge=0, le=60000)
    session_timeout_ms: int = Field(10000, ge=1000)
    heartbeat_interval_ms: int = Field(3000, ge=100)

    @field_validator("broker")
    @classmethod
    def _servers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or any(":" not in server for server in value):
            raise ValueError('expected ["host:port", ...]')
        return value

    def consumer(self) -> ConsumerSection:
        """The bus's `[consumer]` for these brokers and polling settings."""
        return ConsumerSection(
            kafka_server_list=",".join(self.broker),
            auto_offset_reset=self.auto_offset_reset,
            timeout_ms=self.timeout_ms,
            max_records=self.max_records,
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=self.heartbeat_interval_ms,
        )


def _known_tables(value: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [name for name in value if name not in TABLES and name not in ALIASES]
    if unknown:
        raise ValueError(f"unknown table {unknown[0]!r} (known: {', '.join(TABLES)})")
    return tuple(ALIASES.get(name, name) for name in value)


class TableInfoSection(Section):
    """The tables read; 21.09 split them into two temp files, here they all feed one graph."""

    base_table_name: LiteralList = ("tcp_link", "lvs_link")
    other_table_name: LiteralList = ("nginx_link", "lvs_link", "haproxy_link", "dnsmasq_link")

    _check = field_validator("base_table_name", "other_table_name")(_known_tables)

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(self.base_table_name) | frozenset(self.other_table_name)


class OptionSection(Section):
    # 21.09's placeholder 1.2.3.4 means "exclude nothing" (no host has that address).
    exclude_addr: LiteralList = ("1.2.3.4",)
    # 21.09 dropped these process names in code; the probe's own traffic and ssh sessions.
    exclude_process: LiteralList = ("sshd", "rdk:broker0")

    @field_validator("exclude_addr")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        try:
            return tuple(ipaddress.ip_address(item).compressed for item in value)
        except ValueError as exc:
            raise ValueError(str(exc)) from None


class SpiderSection(ServerSection):
    port: Port = 11115
    # A link or process not seen for this long is gone from the map (it stays in the history).
    ttl: int = Field(60, ge=1, le=86400, description="seconds")
    # The graph is written to the document store this often, then the offsets are committed.
    flush_interval: float = Field(5.0, gt=0, le=300)
    # Per-link metrics are summed over buckets this wide.
    metrics_interval: int = Field(60, ge=5, le=3600)
    # History older than this is deleted.
    retention_days: float = Field(7.0, gt=0, le=3650)

    @model_validator(mode="after")
    def _bucket_covers_flush(self) -> SpiderSection:
        if self.metrics_interval < self.flush_interval:
            raise ValueError("metrics_interval must not be shorter than flush_interval")
        return self


class StoreSection(Section):
    """Beyond 21.09 (which kept temp files): the document store that keeps the graph."""

    document: Literal["elasticsearch", "sql"] = "elasticsearch"
    sqlite_path: Path = Path("/var/lib/aops/gala-spider.db")


class ElasticsearchSection(ServerSection):
    port: Port = 9200
    timeout: float = Field(30.0, gt=0)
    index_prefix: str = ""


class SpiderUwsgiSection(UwsgiSection):
    # The graph lives in the process that consumes the topic: one process serves it.
    processes: int = Field(1, ge=1, le=1)


class SpiderIni(WebServiceIni):
    retired: ClassVar[Mapping[str, Retired]] = {
        "promecheus": Retired(_UNUSED),
        "neo4j": Retired(_UNUSED),
        "temp_path": Retired("no effect: the graph is kept in the document store, not in temp files"),
    }

    global_: GlobalSection = Field(GlobalSection(), alias="global")
    kafka: KafkaSection = KafkaSection()
    table_info: TableInfoSection = TableInfoSection()
    option: OptionSection = OptionSection()
    spider: SpiderSection = SpiderSection()
    store: StoreSection = StoreSection()
    elasticsearch: ElasticsearchSection = ElasticsearchSection()
    uwsgi: SpiderUwsgiSection = SpiderUwsgiSection()


load = conf.ServiceLoader(SpiderIni, FILE_NAME, lambda ini: ini.spider.endpoint, legacy_dir=LEGACY_DIR)
