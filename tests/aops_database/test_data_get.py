"""`/data/data/get`: KPI samples from the real Prometheus scraping node_exporter, and log lines."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import NODE_EXPORTER
from tests.suite import Suite
from tests.suite import data_call

NODE_IP = NODE_EXPORTER.rsplit(":", 1)[0]


def _get(suite: Suite, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return data_call(suite, "/data/data/get", body, token=token, timeout=30)


def _own(suite: Suite, token: str, *ips: str) -> None:
    """Hosts of the token's user at these addresses: only those addresses are served to them."""
    for ip in ips:
        suite.add_host(token, f"h{ip.replace('.', '-').replace(':', '-')}", ip)


def _window(seconds: int = 120) -> list[int]:
    now = int(time.time())
    return [now - seconds, now]


def test_kpi_samples_come_from_prometheus_by_host_ip(suite: Suite, token: str) -> None:
    _own(suite, token, NODE_IP)
    body = {
        "time_range": _window(),
        "data_infos": [{"host_id": NODE_IP, "data_list": [{"name": "node_load1", "type": "kpi"}]}],
    }
    status, reply = _get(suite, token, body)
    assert (status, reply["code"]) == (200, 200), reply
    [series] = reply["succeed_list"]
    assert series["host_id"] == NODE_IP and series["name"] == "node_load1" and series["label"] == {}
    assert series["values"] and all(isinstance(v, str) for _ts, v in series["values"])
    stamps = [ts for ts, _v in series["values"]]
    assert stamps == sorted(stamps) and body["time_range"][0] <= stamps[0] <= body["time_range"][1]


def test_a_label_set_may_select_several_series_each_named_by_its_labels(suite: Suite, token: str) -> None:
    _own(suite, token, NODE_IP)
    body = {
        "time_range": _window(),
        "data_infos": [
            {"host_id": NODE_IP, "data_list": [{"name": "node_cpu_seconds_total", "label": {"mode": "idle"}}]}
        ],
    }
    _status, reply = _get(suite, token, body)
    assert reply["code"] == 200
    labels = [s["label"] for s in reply["succeed_list"]]
    assert labels and all(lab["mode"] == "idle" for lab in labels)
    assert len({lab["cpu"] for lab in labels}) == len(labels)


def test_a_metric_without_data_is_a_failure_with_a_reason(suite: Suite, token: str) -> None:
    _own(suite, token, NODE_IP)
    body = {
        "time_range": _window(),
        "data_infos": [
            {"host_id": NODE_IP, "data_list": [{"name": "node_load1"}, {"name": "no_such_metric_total"}]}
        ],
    }
    status, reply = _get(suite, token, body)
    assert (status, reply["code"]) == (207, 206)
    assert reply["fail_list"] == [
        {
            "host_id": NODE_IP,
            "name": "no_such_metric_total",
            "label": {},
            "reason": "no data in the time range",
        }
    ]


def test_an_address_matches_only_itself_in_the_instance_label() -> None:
    from aops_database.services.data import selector

    query = selector("node_load1", {"mode": 'a"b'}, ["10.0.0.1", "::1"])
    # 21.09 left dots unescaped, so 10.0.0.1 also matched 10a0b0c1; IPv6 instances are bracketed.
    assert query == ('node_load1{instance=~"(10\\\\.0\\\\.0\\\\.1|\\\\[::1\\\\]):[0-9]{1,5}",mode="a\\"b"}')


def test_a_host_without_series_has_no_data(suite: Suite, token: str) -> None:
    _own(suite, token, "127.0.0.2")
    body = {
        "time_range": _window(),
        "data_infos": [{"host_id": "127.0.0.2", "data_list": [{"name": "node_load1"}]}],
    }
    status, reply = _get(suite, token, body)
    # The 21.09 code; the HTTP status says nothing was found, not that something broke.
    assert (status, reply["code"]) == (404, 1104)


def test_log_lines_are_read_from_the_per_host_log_index(suite: Suite, token: str) -> None:
    now = int(time.time())
    logs = [
        {"host_ip": "10.9.9.9", "data_item": "dmesg", "timestamp": now - i, "message": f"line {i}"}
        for i in range(3)
    ]
    logs.append({"host_ip": "10.9.9.9", "data_item": "history", "timestamp": now, "message": "ls"})
    logs.append({"host_ip": "10.9.9.9", "data_item": "dmesg", "timestamp": now - 3600, "message": "old"})
    _own(suite, token, "10.9.9.9")
    suite.save_logs(logs)
    body = {
        "time_range": [now - 60, now],
        "data_infos": [{"host_id": "10.9.9.9", "data_list": [{"name": "dmesg", "type": "log"}]}],
    }
    _status, reply = _get(suite, token, body)
    assert reply["code"] == 200
    assert reply["succeed_list"] == [
        {
            "host_id": "10.9.9.9",
            "name": "dmesg",
            "values": [[now - 2, "line 2"], [now - 1, "line 1"], [now, "line 0"]],
        }
    ]


def test_prometheus_down_is_a_failure_naming_it(suite: Suite, token: str, tmp_path: Any) -> None:
    from aops_database.services.data import Collected
    from aops_database.services.data import Prometheus
    from aops_database.services.data import collect_kpis
    from aops_utils.packed import PackedSamples

    for out in (Collected(), Collected(packed=PackedSamples())):  # the pair and the packed forms
        collect_kpis(Prometheus("http://127.0.0.1:1", 2), 0, 10, {("node_load1", "{}"): ["10.0.0.1"]}, out)
        assert out.succeeded == [] and "unreachable" in out.failed[0]["reason"]
    # An answer that is not a matrix (a bad query) is Prometheus's rejection in the packed form too.
    prometheus = Prometheus(os.environ["AOPS_TEST_PROMETHEUS_URL"], 10)
    out = Collected(packed=PackedSamples())
    collect_kpis(prometheus, 0, 10, {("node_load1{", "{}"): ["10.0.0.1"]}, out)
    assert out.succeeded == [] and "prometheus rejected" in out.failed[0]["reason"]


def test_prometheus_down_over_http_is_a_bad_gateway(
    suite: Suite, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aops_database.services.data import Prometheus

    app = suite.servers["database_app"][0]
    center = app.extensions["aops_database"]
    # The data center's settings are frozen: this one points at a port where nothing listens.
    monkeypatch.setitem(
        app.extensions,
        "aops_database",
        dataclasses.replace(center, prometheus=Prometheus("http://127.0.0.1:1", 2)),
    )
    _own(suite, token, NODE_IP)
    item = {"host_id": NODE_IP, "data_list": [{"name": "node_load1"}]}
    body = {"time_range": _window(), "data_infos": [item]}
    status, reply = _get(suite, token, body)
    assert (status, reply["code"]) == (502, 1104)
    assert "unreachable" in reply["fail_list"][0]["reason"]


def test_bad_requests_name_the_field(suite: Suite, token: str) -> None:
    cases = [
        ({"time_range": [1], "data_infos": []}, "time_range"),
        (
            {"time_range": [2, 1], "data_infos": [{"host_id": NODE_IP, "data_list": [{"name": "x"}]}]},
            "time_range",
        ),
        (
            {"time_range": [1, 2], "data_infos": [{"host_id": "nope", "data_list": [{"name": "x"}]}]},
            "data_infos.0.host_id",
        ),
        (
            {
                "time_range": [1, 2],
                "data_infos": [{"host_id": NODE_IP, "data_list": [{"name": "x", "type": "xml"}]}],
            },
            "data_infos.0.data_list.0.type",
        ),
    ]
    for body, field in cases:
        status, reply = _get(suite, token, body)
        assert (status, reply["code"], reply["field"]) == (400, 1000, field), reply


class _ClosingOnReuse:
    """A loopback forwarder to the real Prometheus that closes a connection when a second
    request comes on it: what a server closing an idle kept-alive connection does to a client
    whose request crosses the close, made certain."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self.listener.accept()
            self.connections += 1
            upstream = socket.create_connection(self.target)
            answered = threading.Event()
            threading.Thread(target=self._answers, args=(upstream, client, answered), daemon=True).start()
            threading.Thread(target=self._requests, args=(client, upstream, answered), daemon=True).start()

    @staticmethod
    def _answers(upstream: socket.socket, client: socket.socket, answered: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := upstream.recv(65536):
                answered.set()
                client.sendall(data)

    @staticmethod
    def _requests(client: socket.socket, upstream: socket.socket, answered: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                if answered.is_set():  # a second request on the connection: closed unanswered
                    break
                upstream.sendall(data)
        for s in (client, upstream):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def test_a_kept_alive_connection_closed_under_a_query_is_retried_on_a_new_one() -> None:
    from aops_database.services.data import Prometheus

    parts = urlsplit(os.environ["AOPS_TEST_PROMETHEUS_URL"])
    proxy = _ClosingOnReuse((parts.hostname or "127.0.0.1", parts.port or 9090))
    prometheus = Prometheus(f"http://127.0.0.1:{proxy.port}", 10)
    now = int(time.time())
    for _ in range(3):  # each query after the first goes out on a connection closed under it
        assert prometheus.raw_samples('up{job="node"}', now - 60, now)
    assert proxy.connections == 3
