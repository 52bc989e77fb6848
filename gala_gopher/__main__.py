"""`gala-gopher` / `python -m gala_gopher`: the probe until stopped; `once` prints one cycle."""

from __future__ import annotations

from pathlib import Path

import click

from aops_utils.bus.factory import open_bus
from aops_utils.bus.protocol import MessageBus
from aops_utils.bus.settings import BusSection
from aops_utils.bus.settings import bus_from
from aops_utils.conf import conf_dir
from aops_utils.launch import bus_worker
from gala_gopher import settings
from gala_gopher.service import build
from gala_gopher.service import tcp_links
from gala_gopher.service import timestamp_ms
from gala_gopher.settings import GopherConf
from gala_gopher.source import SocketSource


def _bus(conf: GopherConf) -> MessageBus:
    if conf.kafka.switch == "off":
        # Nothing is produced to it: the probe then has no producer at all.
        return open_bus("memory")
    return bus_from(BusSection(kind="kafka"), conf.kafka.producer)


main = bus_worker(
    "gala_gopher",
    "The gala-gopher probe: tcp_link records to Kafka, a Prometheus page on web_server port.",
    settings.load,
    build,
    open_bus=_bus,
    topics=lambda conf: [conf.kafka.kafka_topic] if conf.kafka.switch == "on" else [],
)


@main.command()
@click.option(
    "--conf", "path", type=click.Path(dir_okay=False, path_type=Path), help="Another gala-gopher.conf."
)
@click.option(
    "--lines", is_flag=True, help="21.09 extend-probe lines (|tcp_link|...|) instead of Kafka JSON."
)
@click.option("--proc", is_flag=True, help="Read /proc/net/tcp{,6} as when netlink is refused.")
def once(path: Path | None, lines: bool, proc: bool) -> None:
    """Print one cycle's tcp_link records (counters since each connection opened)."""
    import socket

    # Only checked: a cycle has no setting, but a broken file should be heard of here first.
    settings.read(path or conf_dir() / settings.FILE_NAME)
    cycle = tcp_links(SocketSource(use_netlink=not proc)).collect()
    stamp, host = timestamp_ms(), socket.gethostname()
    for record in cycle.records:
        click.echo(record.line() if lines else record.kafka_value(stamp, host).decode("ascii"))


if __name__ == "__main__":
    main()
