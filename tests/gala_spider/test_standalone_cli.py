"""`aops topo` against gala_spider as `aops standalone` runs it: the in-process bus, the map in
the SQLite document store, the CLI over HTTP."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aops_cli import webui
from aops_cli.standalone import start_services
from tests.adoctor_check_scheduler.test_cli_flow import add_local_host
from tests.adoctor_check_scheduler.test_cli_flow import first_login
from tests.adoctor_check_scheduler.test_cli_flow import ok
from tests.aops_cli.conftest import Doctor
from tests.aops_cli.test_adoctor import SAMPLE
from tests.aops_cli.test_adoctor import write
from tests.aops_cli.test_standalone import _configure
from tests.gala_spider import messages as m
from tests.samples import HEALTH_TREE


@dataclass
class Standalone:
    doctor: Doctor
    node: str  # the host id of "node", 127.0.0.1, added as the CLI walk-through does
    spider: Any  # gala_spider's extension: its bus and its consumer

    def records_in(self, values: list[bytes], count: int) -> None:
        """Produce `values` to gala_gopher and wait until the map holds `count` records, stored."""
        producer = self.spider.bus.producer()
        for value in values:
            producer.send_encoded("gala_gopher", value)
        deadline = time.time() + 30
        status = self.spider.consumer.status
        # Stored after the last record was used: a store before the records came (an idle
        # flush) does not hold them (it made this test fail 1 run in 8 under load).
        while status.used < count or (status.last_stored_at or 0) < (status.last_record_at or 0):
            assert time.time() < deadline, status
            time.sleep(0.2)


@pytest.fixture
def standalone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Standalone]:
    """`aops standalone`'s services in this process, its admin logged in through the CLI."""
    data_dir = tmp_path / "aops"
    _configure(data_dir)
    conf = data_dir / "conf"
    monkeypatch.setenv("AOPS_CONF_DIR", str(conf))
    apps: dict[str, Any] = {}
    running = start_services(data_dir, apps)
    try:
        doctor = Doctor(conf, tmp_path / "cli-home")
        first_login(doctor)
        node = add_local_host(doctor)
        yield Standalone(doctor, node, apps[webui.TOPOLOGY].extensions["gala_spider"])
    finally:
        for item in reversed(running):
            item.stop()


def test_aops_topo_reads_the_map_of_aops_standalone(standalone: Standalone) -> None:
    doctor = standalone.doctor
    earlier = (int(time.time()) - 3600) * 1000
    standalone.records_in(
        [
            *m.pair("node", "127.0.0.1", (10, "curl"), "node", "127.0.0.1", (11, "nginx"), 80, stamp=earlier),
            *m.pair("node", "127.0.0.1", (10, "curl"), "node", "127.0.0.1", (12, "redis"), 6379),
        ],
        4,
    )
    now = ok(doctor, "topo entities", prog="aops").out
    assert now.startswith("1 host, 2 processes, 1 link"), now
    assert "node/curl[10]" in now and "node/redis[12]:6379" in now and "nginx" not in now
    then = ok(doctor, "topo links node --at -60m", prog="aops").out
    assert "node/nginx[11]:80" in then, then
    listed = ok(doctor, "topo entities --json --process redis", prog="aops").json
    assert [link["server"]["name"] for link in listed["links"]] == ["redis"]
    diff = ok(doctor, "topo diff --before -60m", prog="aops").out
    assert diff.splitlines()[0].startswith("1 link appeared"), diff
    assert "1 link disappeared" in diff, diff
    bad = doctor.run("topo entities --at yesterday", prog="aops")
    assert bad.code == 2 and "is not seconds" in bad.err, bad


def test_a_report_on_aops_standalone_lists_the_neighbours(standalone: Standalone, tmp_path: Path) -> None:
    """The map in the SQLite document store the data center reads: a diagnosis through adoctor
    lists the neighbour, linked over the in-process bus's records."""
    doctor = standalone.doctor
    ok(
        doctor,
        "host --action add --host_name db --host_group_name local --public_ip 10.62.0.2 "
        "--ssh_port 22 --management False --username root --password pw --key vault-key-0123",
        prog="aops",
    )
    standalone.records_in(
        m.pair("node", "10.62.0.1", (10, "php"), "db", "10.62.0.2", (11, "mysqld"), 3306), 2
    )
    ok(doctor, f"checkrule --action add --conf {SAMPLE}")
    tree = write(tmp_path / "tree.json", HEALTH_TREE)
    ok(doctor, f"faultree --action add --tree_list health --conf {tree}")
    now = int(time.time()) + 1
    ran = ok(
        doctor,
        f"diag --host_list {standalone.node} --tree_list health --start {now - 60} --end {now} --interval 60",
    )
    task_id = ran.out.split()[1].rstrip(":")
    (report_id,) = re.findall(r"([0-9a-f]{32})\n", ok(doctor, f"report --action get --task_id {task_id}").out)
    shown = ok(doctor, f"report --action get --report_list {report_id}").out
    assert "  neighbours: 1 neighbour linked in the slice\n" in shown, shown
    assert "    db (10.62.0.2, host " in shown, shown
    assert "      link outgoing: node/10/php 10.62.0.1 -> db/11/mysqld 10.62.0.2:3306\n" in shown, shown
