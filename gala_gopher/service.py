"""The probe process: a cycle every interval to Kafka `gala_gopher`, and the metrics page."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable

from werkzeug.serving import BaseWSGIServer

from aops_utils.bus import MessageBus
from aops_utils.bus import Producer
from aops_utils.conf import Endpoint
from aops_utils.conf import SystemIni
from aops_utils.errors import AopsError
from aops_utils.serving import serve_in_thread
from aops_utils.threads import Loop
from gala_gopher.links import Cycle
from gala_gopher.links import TcpLinks
from gala_gopher.metrics import MetricsPage
from gala_gopher.metrics import metrics_app
from gala_gopher.owners import SocketOwners
from gala_gopher.settings import GopherConf
from gala_gopher.source import SocketSource

LOG = logging.getLogger(__name__)


def tcp_links(source: SocketSource | None = None) -> TcpLinks:
    return TcpLinks((source or SocketSource()).read, SocketOwners())


def timestamp_ms() -> int:
    # 21.09 stamped records with whole seconds times 1000; consumers may rely on it.
    return int(time.time()) * 1000


class Probe(Loop):
    """Runs the tcp probe every `interval` seconds (on a fixed beat: a slow cycle does not push
    the next ones later) and serves the page."""

    def __init__(
        self,
        conf: GopherConf,
        links: TcpLinks,
        producer: Producer | None,
        hostname: Callable[[], str] = socket.gethostname,
    ) -> None:
        super().__init__("gala-gopher-tcp")
        self.conf = conf
        self.page = MetricsPage()
        self.cycles = 0  # completed, for logs and tests
        self._links = links
        self._producer = producer
        self._hostname = hostname
        self._server: BaseWSGIServer | None = None

    def start(self) -> None:
        web = self.conf.web_server
        server, thread = serve_in_thread(
            metrics_app(self.page, web.token()), Endpoint(ip=web.bind, port=web.port), "gala-gopher-web"
        )
        self._server = server
        self.add(thread)
        LOG.info("metrics page on %s:%d", web.bind, web.port)
        if self.conf.tcp is not None:
            super().start()

    def run_loop(self) -> None:
        interval = self.conf.interval
        LOG.info("tcp probe every %d s, to %s", interval, self._destination())
        beat = time.monotonic()
        while not self.stop.is_set():
            try:
                self.cycle()
            except Exception:
                # One bad cycle (a process that vanished mid-read in a way not foreseen) must
                # not end the probe: the next cycle reads everything afresh.
                LOG.exception("tcp probe cycle failed")
            beat += interval
            # A cycle longer than the interval: the next one starts at once, not in a burst.
            beat = max(beat, time.monotonic())
            self.stop.wait(beat - time.monotonic())

    def cycle(self) -> Cycle:
        cycle = self._links.collect()
        stamp = timestamp_ms()
        self.page.update(cycle.records, stamp)
        if self._producer is not None and cycle.records:
            self._send(cycle, stamp)
        self.cycles += 1
        LOG.debug("cycle: %d connections, %d tcp_link records", cycle.connections, len(cycle.records))
        return cycle

    def _send(self, cycle: Cycle, stamp: int) -> None:
        assert self._producer is not None
        topic, host = self.conf.kafka.kafka_topic, self._hostname()
        try:
            for record in cycle.records:
                self._producer.send_encoded(topic, record.kafka_value(stamp, host))
            self._producer.flush(self.conf.interval)
        except AopsError as exc:
            # As 21.09 (librdkafka without retries beyond its own): the cycle's records are
            # lost, the next cycle tries again.
            LOG.warning("%d tcp_link records not delivered to Kafka: %s", len(cycle.records), exc)

    def _destination(self) -> str:
        kafka = self.conf.kafka
        return (
            f"Kafka {kafka.kafka_broker} topic {kafka.kafka_topic}"
            if self._producer
            else "no Kafka (switch off)"
        )

    def close(self) -> None:
        # The server first: closing joins its thread, which serves until shut down.
        if self._server is not None:
            self._server.shutdown()
        super().close()
        if self._producer is not None:
            self._producer.close()


def build(system: SystemIni, conf: GopherConf, bus: MessageBus) -> Probe:
    producer = bus.producer() if conf.kafka.switch == "on" else None
    return Probe(conf, tcp_links(), producer)
