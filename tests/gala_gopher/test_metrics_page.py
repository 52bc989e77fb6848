"""The web_server page: Prometheus text that promtool accepts and a real Prometheus scrapes."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gala_gopher.service import Probe
from gala_gopher.service import tcp_links
from gala_gopher.settings import GopherConf
from gala_gopher.settings import KafkaSection
from gala_gopher.settings import WebServerSection
from tests.gala_gopher.peers import clients
from tests.gala_gopher.peers import exchange
from tests.gala_gopher.peers import server
from tests.procs import stop
from tests.suite import free_port

SAMPLE = re.compile(r'^(gala_gopher_tcp_link_[a-z_]+)\{((?:[a-z_]+="[^"]*",?)+)\} (\d+) (\d+)$')
TOKEN = "a-test-token-of-some-length"


@contextlib.contextmanager
def running_probe(web: WebServerSection) -> Iterator[Probe]:
    """A probe without Kafka, and without its loop (no tcp probe entry): the test runs the cycles."""
    conf = GopherConf(web_server=web, kafka=KafkaSection(switch="off"), extend_probes=[])
    probe = Probe(conf, tcp_links(), None)
    probe.start()
    try:
        yield probe
    finally:
        probe.close()


def samples(text: str, port: int) -> dict[str, dict[str, str]]:
    """`metric{role}` -> labels and value, for the series of the links to `port`."""
    found: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        labels = dict(re.findall(r'([a-z_]+)="([^"]*)"', match.group(2)))
        if labels["server_port"] == str(port):
            found[f"{match.group(1)}{{{labels['role']}}}"] = {**labels, "value": match.group(3)}
    return found


def test_the_page_has_every_numeric_field_of_every_link_as_a_labelled_series(tmp_path: Path) -> None:
    port = free_port()
    with (
        running_probe(WebServerSection(port=port)) as probe,
        server("gop-page", request=10, reply=20) as srv,
        clients("127.0.0.1", srv, 2) as conns,
    ):
        assert requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text == ""  # no cycle yet
        probe.cycle()
        exchange(conns[0], srv)
        time.sleep(0.2)
        probe.cycle()
        reply = requests.get(f"http://127.0.0.1:{port}/any/path", timeout=5)
        assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        found = samples(reply.text, srv.port)
        assert requests.post(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 405
    names = ["link_count", "rx_bytes", "tx_bytes", "packets_in", "packets_out", "retran_packets"]
    names += ["lost_packets", "rtt"]
    assert sorted(found) == sorted(f"gala_gopher_tcp_link_{n}{{{r}}}" for n in names for r in "01")
    server_rx = found["gala_gopher_tcp_link_rx_bytes{0}"]
    assert (server_rx["process_name"], server_rx["pid"]) == ("gop-page", str(srv.pid))
    # A counter is the running total of the cycles' differences: 3 requests of 10 bytes.
    assert server_rx["value"] == "30" and found["gala_gopher_tcp_link_tx_bytes{1}"]["value"] == "30"
    assert found["gala_gopher_tcp_link_link_count{0}"]["value"] == "2"
    assert "# TYPE gala_gopher_tcp_link_rx_bytes counter" in reply.text
    assert "# HELP gala_gopher_tcp_link_rtt rtt(us)" in reply.text
    page = tmp_path / "page.txt"
    page.write_text(reply.text)
    if shutil.which("promtool"):
        with page.open() as text:
            checked = subprocess.run(
                ["promtool", "check", "metrics"], stdin=text, capture_output=True, text=True, check=False
            )
        # The page parses; its only remarks are on names, which are 21.09's (no _total suffix).
        remarks = (checked.stdout + checked.stderr).splitlines()
        assert remarks and all(line.endswith("suffix") for line in remarks), remarks


def test_a_page_beyond_loopback_needs_the_bearer_token(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    with pytest.raises(ValueError, match="token_file"):
        WebServerSection(bind="0.0.0.0")
    port = free_port()
    with running_probe(WebServerSection(port=port, bind="0.0.0.0", token_file=token_file)) as probe:
        probe.cycle()
        url = f"http://127.0.0.1:{port}/metrics"
        assert requests.get(url, timeout=5).status_code == 401
        assert requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=5).status_code == 401
        good = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        assert good.status_code == 200 and "gala_gopher_tcp_link_link_count" in good.text


@pytest.mark.skipif(shutil.which("prometheus") is None, reason="needs Debian's prometheus")
def test_a_real_prometheus_scrapes_the_page_with_its_token(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    page_port, prom_port = free_port(), free_port()
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: gopher\n"
        f"    authorization: {{credentials_file: {token_file}}}\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{page_port}']}}]\n"
    )
    argv = [
        "prometheus",
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'db'}",
    ]
    argv.append(f"--web.listen-address=127.0.0.1:{prom_port}")
    web = WebServerSection(port=page_port, bind="0.0.0.0", token_file=token_file)
    with running_probe(web) as probe, server("gop-prom") as srv, clients("127.0.0.1", srv, 3):
        probe.cycle()
        prometheus = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            query = f'gala_gopher_tcp_link_link_count{{server_port="{srv.port}",role="0"}}'
            result: list[dict[str, object]] = []
            deadline = time.monotonic() + 60
            while not result:
                assert time.monotonic() < deadline, "Prometheus never scraped the page"
                time.sleep(1)
                probe.cycle()
                with contextlib.suppress(requests.ConnectionError):
                    reply = requests.get(
                        f"http://127.0.0.1:{prom_port}/api/v1/query", params={"query": query}, timeout=5
                    )
                    result = reply.json()["data"]["result"] if reply.ok else []
        finally:
            stop(prometheus)
    metric = result[0]["metric"]
    assert isinstance(metric, dict)
    assert (metric["process_name"], metric["pid"], metric["job"]) == ("gop-prom", str(srv.pid), "gopher")
    assert result[0]["value"][1] == "3"  # type: ignore[index]
