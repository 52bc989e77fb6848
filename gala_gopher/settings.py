"""`gala-gopher.conf` (libconfig, as in 21.09): Kafka, the metrics page, the interval and which probes run.

21.09 read the file from /opt/gala-gopher; here it lives beside the other files in the
configuration directory (`AOPS_CONF_DIR`, default /etc/aops), and `--conf` names another one.
Every 21.09 key is accepted: those with no effect here are logged with the reason. Unlike 21.09,
a missing file or section means the shipped defaults.
"""

from __future__ import annotations

import ipaddress
import logging
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from typing import ClassVar
from typing import Literal

from pydantic import Field
from pydantic import field_validator
from pydantic import model_validator

from aops_utils import conf
from aops_utils.bus.settings import ProducerSection
from aops_utils.conf import Port
from aops_utils.conf import Retired
from aops_utils.conf import Section
from aops_utils.conf import SystemIni
from aops_utils.contracts.link_tables import TOPIC
from aops_utils.errors import ConfigError
from gala_gopher import libconfig

LOG = logging.getLogger(__name__)
FILE_NAME = "gala-gopher.conf"
TCP_PROBE = "tcp"  # the 21.09 extend probe (tcpprobe) whose tcp_link records this package makes
# Probes of 21.09 this package does not have: eBPF/uprobe tracers of nginx, haproxy, LVS and
# dnsmasq (their links are not in /proc), the redis and rabbitmq scripts, and native demos.
_UNSUPPORTED_REASON = "not available here (only the tcp probe is; see docs/topology.md)"


class GlobalSection(Section):
    retired: ClassVar[Mapping[str, Retired]] = {
        "log_directory": Retired("no effect: the probe logs to system.ini [log] log_dir (gala-gopher.log)"),
        "log_level": Retired("no effect: the probe logs at system.ini [log] log_level"),
    }


class IngressSection(Section):
    # Seconds between two cycles of the tcp probe unless its `param` says `-t <sec>`
    # (21.09 parsed this key and ignored it; its tcpprobe took -t, default 5).
    interval: int = Field(5, ge=1, le=3600)


class EgressSection(Section):
    retired: ClassVar[Mapping[str, Retired]] = {
        "interval": Retired("no effect: records go to Kafka as each cycle ends"),
        "time_range": Retired("no effect: records go to Kafka as each cycle ends"),
    }


class ImdbSection(Section):
    retired: ClassVar[Mapping[str, Retired]] = {
        key: Retired("no effect: there is one table (tcp_link), whose last cycle the metrics page shows")
        for key in ("max_tables_num", "max_records_num", "max_metrics_num")
    }


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


class WebServerSection(Section):
    """The Prometheus text page. Beyond 21.09 (which listened on every address, unauthenticated):
    `bind` and `token_file`. The page names every process and peer of the host, so it answers
    beyond this host only with a bearer token (Prometheus `authorization: credentials_file`)."""

    port: Port = 8888
    bind: str = Field("127.0.0.1", min_length=1)
    token_file: Path | None = None

    @model_validator(mode="after")
    def _token_beyond_loopback(self) -> WebServerSection:
        if not _loopback(self.bind) and self.token_file is None:
            raise ValueError(f"bind {self.bind} is reachable from other hosts: set token_file too")
        return self

    def token(self) -> str | None:
        """The bearer token a scrape must send (read at start), or None for none."""
        if self.token_file is None:
            return None
        try:
            token = self.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{FILE_NAME} [web_server] token_file: cannot read {self.token_file}: {exc}"
            ) from exc
        if len(token) < 16:
            raise ConfigError(
                f"{FILE_NAME} [web_server] token_file: {self.token_file} holds fewer than 16 characters"
            )
        return token


class KafkaSection(Section):
    kafka_broker: str = "localhost:9092"
    kafka_topic: str = Field(TOPIC, min_length=1, max_length=249)
    # 21.09: anything but "on" disabled Kafka; here only "on" and "off" are accepted.
    switch: Literal["on", "off"] = "on"

    @field_validator("kafka_broker")
    @classmethod
    def _brokers(cls, value: str) -> str:
        return ProducerSection(kafka_server_list=value).kafka_server_list

    @property
    def producer(self) -> ProducerSection:
        return ProducerSection(kafka_server_list=self.kafka_broker)


class NativeProbe(Section):
    name: str = Field(min_length=1)
    switch: Literal["on", "off", "auto"] = "off"
    interval: int = Field(1, ge=1)


class ExtendProbe(Section):
    name: str = Field(min_length=1)
    command: str = ""
    param: str = ""
    switch: Literal["on", "off", "auto"] = "off"
    start_check: str = ""
    check_type: str = ""

    def interval(self) -> int | None:
        """The `-t <sec>` of `param` (tcpprobe's option), or None when it has none."""
        words = shlex.split(self.param)
        if not words:
            return None
        if len(words) != 2 or words[0] != "-t" or not words[1].isdigit() or not 1 <= int(words[1]) <= 3600:
            raise ValueError(
                f"param of {self.name}: expected empty or '-t <seconds 1..3600>', got {self.param!r}"
            )
        return int(words[1])


def _default_extend_probes() -> list[ExtendProbe]:
    return [ExtendProbe(name=TCP_PROBE, command="python3 -m gala_gopher", switch="on")]


class GopherConf(Section):
    ingress: IngressSection = IngressSection()
    web_server: WebServerSection = WebServerSection()
    kafka: KafkaSection = KafkaSection()
    probes: list[NativeProbe] = []
    extend_probes: list[ExtendProbe] = Field(default_factory=_default_extend_probes)
    # 21.09's sections whose every key is retired: read so that a 21.09 file loads (with a warning).
    global_: GlobalSection = Field(GlobalSection(), alias="global")
    egress: EgressSection = EgressSection()
    imdb: ImdbSection = ImdbSection()

    @model_validator(mode="after")
    def _param(self) -> GopherConf:
        for probe in self.extend_probes:
            probe.interval()  # a bad -t fails at start, naming the probe
        return self

    @property
    def tcp(self) -> ExtendProbe | None:
        """The tcp probe's entry when it is switched on (21.09's `auto` check always passes for
        it: every host has TCP)."""
        for probe in self.extend_probes:
            if probe.name == TCP_PROBE and probe.switch != "off":
                return probe
        return None

    @property
    def interval(self) -> int:
        probe = self.tcp
        given = probe.interval() if probe is not None else None
        return given or self.ingress.interval

    def unsupported(self) -> list[str]:
        """The names of switched-on probes that this package does not have."""
        names = [p.name for p in self.probes if p.switch != "off"]
        names += [p.name for p in self.extend_probes if p.switch != "off" and p.name != TCP_PROBE]
        return names


def read(path: Path) -> GopherConf:
    """The settings of a gala-gopher.conf; the defaults when the file does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return GopherConf()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from exc
    try:
        settings = libconfig.loads(text)
    except libconfig.LibconfigError as exc:
        raise ConfigError(f"{path}: cannot be parsed: {exc}") from exc
    sections = {k: v for k, v in settings.items() if isinstance(v, dict)}
    lists: dict[str, Any] = {k: v for k, v in settings.items() if not isinstance(v, dict)}
    for key, value in lists.items():
        if key not in ("probes", "extend_probes"):
            raise ConfigError(f"{path} {key}: unknown setting")
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ConfigError(f"{path} {key}: expected a list of groups ( {{...}}, ... )")
    loaded = conf.validate(GopherConf, path, sections, lists)
    for name in loaded.unsupported():
        LOG.warning("%s: probe %s is switched on but %s", path, name, _UNSUPPORTED_REASON)
    if loaded.tcp is None:
        LOG.warning("%s: the tcp probe is off: no tcp_link records, an empty metrics page", path)
    return loaded


class GopherLoader(conf.ServiceLoader[GopherConf]):
    """system.ini (logging) and gala-gopher.conf (libconfig, not ini) from the configuration
    directory."""

    def __init__(self) -> None:
        super().__init__(GopherConf, FILE_NAME)

    def __call__(self, directory: Path | None = None) -> tuple[SystemIni, GopherConf]:
        return conf.load_system(directory), read((directory or conf.conf_dir()) / FILE_NAME)


load = GopherLoader()
