"""A diagnosis report lists its host's neighbours on the topology map, on the real servers.

tcp_link records go through the Kafka-protocol broker into a gala_spider that stores its map in
the data center's document store (the ES-API server, the data center's index prefix); check
results are saved in the data center; a diagnosis runs through the diag scheduler and an
in-process diag executor; the reports read back through /diag/report/get.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests
from kafka import KafkaProducer

from adoctor_diag_executor import settings as executor_settings
from adoctor_diag_executor.service import build
from aops_utils.rules.evaluation import StoredRule
from tests.adoctor_diag_executor.test_coverage import record
from tests.aops_cli.conftest import Doctor
from tests.gala_spider import messages as m
from tests.gala_spider.conftest import Spider
from tests.gala_spider.conftest import running
from tests.gala_spider.conftest import write_conf
from tests.schedulers import Served
from tests.schedulers import diag_scheduler
from tests.suite import Suite
from tests.suite import data_call

TREE = {
    "node name": "slow service",
    "condition": "slow",
    "children": [{"node name": "slow", "check item": "mysql_slow"}],
}
RULE = {"check_item": "mysql_slow", "data_list": [{"name": "mysql_up"}], "condition": "$0 < 1"}
# The same rule asked of the host and, through the map, of its neighbours.
PEER_TREE = {
    "node name": "peer trouble",
    "condition": "here || there",
    "children": [
        {"node name": "here", "check item": "mysql_slow"},
        {"node name": "there", "check item": "mysql_slow", "scope": "neighbours"},
    ],
}


def data_prefix(suite: Suite) -> str:
    """The data center's index prefix (database.ini), without its trailing underscore."""
    found = re.search(r"index_prefix=(\S+)_\n", (suite.conf_dir / "database.ini").read_text())
    assert found, "the suite's data center has no index prefix"
    return found.group(1)


@pytest.fixture
def spider(suite: Suite, kafka_servers: str, es_url: str, unique: str, tmp_path: Path) -> Iterator[Spider]:
    """gala_spider writing its map where the data center reads it: the same ES-API server and
    index prefix, as docs/topology.md asks of a deployment."""
    topic = f"gala_gopher_{unique}"
    with ExitStack() as stack:
        producer = KafkaProducer(bootstrap_servers=kafka_servers, linger_ms=5)
        stack.callback(producer.close)
        write_conf(tmp_path / "spider", suite, kafka_servers, es_url, topic, data_prefix(suite))
        url, app = stack.enter_context(running(tmp_path / "spider"))
        yield Spider(url, topic, app, producer)


@pytest.fixture(scope="module")
def diag(suite: Suite) -> Iterator[Served]:
    """The diag scheduler and one diag executor on an in-memory bus, over the module's suite."""
    # Announced in system.ini: `adoctor` finds it there.
    with diag_scheduler(suite.conf_dir, announce=True) as served:
        (suite.conf_dir / "diag_executor.ini").write_text("[bus]\nkind=memory\n[executor]\nconsumers=1\n")
        system, ini = executor_settings.load(suite.conf_dir)
        executor = build(system, ini, served.bus)
        executor.start()
        try:
            yield served
        finally:
            executor.close()


def ok(suite: Suite, path: str, body: dict[str, Any], token: str) -> dict[str, Any]:
    status, reply = data_call(suite, path, body, token=token)
    assert status == 200, reply
    return reply


def neighbours(suite: Suite, host_id: str, time_range: tuple[float, float], token: str) -> dict[str, Any]:
    """What /data/diag/neighbours answers of one slice."""
    slices = [{"host_id": host_id, "time_range": list(time_range)}]
    (found,) = ok(suite, "/data/diag/neighbours", {"slices": slices}, token)["neighbours"]
    return found


def result(host_id: str, at: float, value: str = "Abnormal", item: str = "mysql_slow") -> dict[str, Any]:
    return {**RULE, "check_item": item, "host_id": host_id, "start": at, "end": at, "value": value}


def diagnose(
    suite: Suite, diag: Served, token: str, hosts: list[str], start: int, end: int, tree: str = "slow"
) -> list[Any]:
    """/diag/execute of the tree on the hosts over one slice; the reports once all are in."""
    headers = {"access_token": token}
    body = {"host_list": hosts, "time_range": [start, end], "tree_list": [tree], "interval": end - start}
    task = requests.post(f"{diag.url}/diag/execute", json=body, headers=headers, timeout=60).json()
    assert task["code"] == 200, task
    deadline = time.time() + 60
    while True:
        listing = {"task_id": task["task_id"]}
        listed = requests.post(f"{diag.url}/diag/report/get_list", json=listing, headers=headers, timeout=60)
        ids = [row["report_id"] for row in listed.json()["result"]]
        if len(ids) == len(hosts):
            break
        assert time.time() < deadline, listed.json()
        time.sleep(0.3)
    got = requests.post(f"{diag.url}/diag/report/get", json={"report_list": ids}, headers=headers, timeout=60)
    return list(got.json()["result"])


def test_a_report_lists_the_users_neighbours_with_their_abnormal_results(
    suite: Suite, diag: Served, spider: Spider, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    _, token = suite.add_user()
    web = suite.add_host(token, f"web-{tag}", "10.61.0.1")
    db = suite.add_host(token, f"db-{tag}", "10.61.0.2")
    lonely = suite.add_host(token, f"lonely-{tag}", "10.61.0.3")
    # Another user's host, linked to web: never shown to web's user, nor is its result.
    _, other_token = suite.add_user()
    other = suite.add_host(other_token, f"other-{tag}", "10.61.0.9")
    ok(suite, "/data/check/rule/add", {"check_items": [RULE]}, token)
    ok(suite, "/data/diag/tree/add", {"trees": [{"tree_name": "slow", "tree_content": TREE}]}, token)

    start = int(time.time()) - 600
    # Before gala_spider wrote anything (no index at all): every section says so, no error.
    before = neighbours(suite, web, (start, start + 1), token)
    assert before["status"] == "no_topology" and before["hosts"] == []

    # db is web's by its name; other is linked by its address only (its probe says "srv").
    spider.send(
        *m.pair(f"web-{tag}", "10.61.0.1", (100, "php"), f"db-{tag}", "10.61.0.2", (200, "mysqld"), 3306)
    )
    spider.send(*m.pair(f"web-{tag}", "10.61.0.1", (101, "curl"), "srv", "10.61.0.9", (300, "nginx"), 80))
    spider.wait_used(token, 4)
    end = int(time.time()) + 1

    inside, outside = start + 300, start - 100
    ok(
        suite,
        "/data/check/result/save",
        {
            "check_results": [
                result(db, inside),
                result(db, outside),  # before the slice
                result(db, inside, "No data", "mysql_gone"),  # not abnormal
                result(web, inside),  # the report's own host: its tree's evidence, not a neighbour's
                # More than a report shows: counted, the first 20 by start listed.
                *(result(db, inside + n, item=f"flap_{n:02d}") for n in range(1, 22)),
            ]
        },
        token,
    )
    ok(suite, "/data/check/result/save", {"check_results": [result(other, inside)]}, other_token)

    reports = {row["host_id"]: row for row in diagnose(suite, diag, token, [web, db, lonely], start, end)}
    section = reports[web]["neighbours"]
    assert section["status"] == "found" and section["total"] == 1, section
    (neighbour,) = section["hosts"]
    assert (neighbour["host_id"], neighbour["host_name"], neighbour["public_ip"]) == (
        db,
        f"db-{tag}",
        "10.61.0.2",
    )
    (link,) = neighbour["links"]
    assert link["direction"] == "outgoing"
    assert link["client"] == {"ip": "10.61.0.1", "host": f"web-{tag}", "pid": "100", "process": "php"}
    assert link["server"]["port"] == 3306 and link["server"]["process"] == "mysqld"
    assert neighbour["abnormal_count"] == 22
    assert [(r["check_item"], r["start"], r["value"]) for r in neighbour["abnormal"]] == [
        ("mysql_slow", inside, "Abnormal"),
        *((f"flap_{n:02d}", inside + n, "Abnormal") for n in range(1, 20)),
    ]
    # Nothing of the other user's host anywhere in the user's reports.
    assert "10.61.0.9" not in str(reports) and f"other-{tag}" not in str(reports)
    # The same link seen from db's report: incoming, with web's abnormal result.
    (back,) = reports[db]["neighbours"]["hosts"]
    assert back["host_id"] == web and back["links"][0]["direction"] == "incoming"
    assert back["abnormal_count"] == 1
    # adoctor shows the section under the tree.
    doctor = Doctor(suite.conf_dir, tmp_path / "cli-home", token)
    shown = doctor.ok(f"report --action get --report_list {reports[web]['report_id']}").out
    assert "  neighbours: 1 neighbour linked in the slice\n" in shown, shown
    assert f"    db-{tag} (10.61.0.2, host {db}): 22 abnormal results\n" in shown, shown
    assert "      ... and 2 more abnormal results\n" in shown, shown
    assert (
        f"      link outgoing: web-{tag}/100/php 10.61.0.1 -> db-{tag}/200/mysqld 10.61.0.2:3306\n" in shown
    )
    assert "      abnormal: mysql_slow, " in shown and "other" not in shown
    lonely_shown = doctor.ok(f"report --action get --report_list {reports[lonely]['report_id']}").out
    assert "  neighbours: no topology data" in lonely_shown, lonely_shown

    # A host the map never saw: said so, and its report is made all the same.
    assert reports[lonely]["neighbours"]["status"] == "no_topology"
    assert reports[lonely]["neighbours"]["text"].startswith("no topology data")
    assert reports[lonely]["report"]["node name"] == "slow service"

    # A slice after the link left the map (its ttl is 60 s): known host, no neighbours.
    later = end + 3600
    gone = neighbours(suite, web, (later, later + 60), token)
    assert gone["status"] == "none" and gone["hosts"] == []
    # The other user asking about their own host sees web as nothing of theirs.
    theirs = neighbours(suite, other, (start, end), other_token)
    assert theirs["status"] == "none" and theirs["hosts"] == []
    # And web is not their host at all.
    not_theirs = neighbours(suite, web, (start, end), other_token)
    assert not_theirs["status"] == "unknown_host" and not_theirs["hosts"] == []


def test_a_leaf_on_the_neighbours_is_its_rule_judged_on_each_neighbour(
    suite: Suite, diag: Served, spider: Spider, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    username, token = suite.add_user()
    names = ("web", "db", "cache", "api", "idle", "lonely")
    ids = {name: suite.add_host(token, f"{name}-{tag}", f"10.62.0.{n}") for n, name in enumerate(names, 1)}
    ok(suite, "/data/check/rule/add", {"check_items": [RULE]}, token)
    ok(suite, "/data/diag/tree/add", {"trees": [{"tree_name": "peer", "tree_content": PEER_TREE}]}, token)
    # web talks to db and cache; api to idle; lonely to nobody.
    for client, server, port in (("web", "db", 3306), ("web", "cache", 6379), ("api", "idle", 8080)):
        ip = {name: f"10.62.0.{n}" for n, name in enumerate(names, 1)}
        spider.send(
            *m.pair(
                f"{client}-{tag}", ip[client], (100, "app"), f"{server}-{tag}", ip[server], (200, "srv"), port
            )
        )
    spider.wait_used(token, 6)
    start, end = int(time.time()) - 600, int(time.time()) + 1
    ok(suite, "/data/check/result/save", {"check_results": [result(ids["db"], start + 300)]}, token)
    # The check executors evaluated the rule over the whole slice for web, cache and api, and found
    # nothing abnormal; db, idle and lonely were never checked.
    version = StoredRule.of(RULE).version
    covered = [ids["web"], ids["cache"], ids["api"]]
    coverage = {"coverage": [record(start - 60, end + 60, covered, ("mysql_slow", version, []))]}
    status, reply = data_call(
        suite, "/data/check/coverage/save", coverage, token=suite.service_token(username)
    )
    assert status == 200, reply

    reports = diagnose(suite, diag, token, list(ids.values()), start, end, tree="peer")
    trees = {name: next(r["report"] for r in reports if r["host_id"] == ids[name]) for name in names}
    leaves = {name: {kid["node name"]: kid for kid in tree["children"]} for name, tree in trees.items()}
    # web: its own rule checked and normal; db, a neighbour, abnormal: the tree points across the link.
    there = leaves["web"]["there"]
    assert (leaves["web"]["here"]["value"], there["value"], trees["web"]["value"]) == (False, True, True)
    assert there["scope"] == "neighbours" and "scope" not in leaves["web"]["here"]
    assert [r["host_id"] for r in there["evidence"]["results"]] == [ids["db"]]
    assert f"db-{tag}" in there["evidence"]["text"], there["evidence"]
    # cache: its one neighbour (web) was checked over the slice: false only with that proof.
    assert (leaves["cache"]["there"]["value"], trees["cache"]["value"]) == (False, False)
    assert f"web-{tag}" in leaves["cache"]["there"]["evidence"]["text"]
    # db: abnormal itself; its neighbour web checked and normal.
    assert (leaves["db"]["here"]["value"], leaves["db"]["there"]["value"]) == (True, False)
    # api: idle never checked (and no metrics to evaluate it now): unknown, naming idle, not false.
    idle = leaves["api"]["there"]
    assert idle["value"] is None and idle["msg"].startswith(f"on idle-{tag}: "), idle
    assert trees["api"]["value"] is None
    # lonely: the map has no record of it, so nothing can be said of its neighbours.
    alone = leaves["lonely"]["there"]
    assert alone["value"] is None and alone["msg"].startswith("Not checked: no neighbours (no_topology"), (
        alone
    )
    # adoctor says where the leaf is judged.
    web_report = next(r["report_id"] for r in reports if r["host_id"] == ids["web"])
    shown = Doctor(suite.conf_dir, tmp_path / "cli-home", token).ok(
        f"report --action get --report_list {web_report}"
    )
    assert (
        "  there (mysql_slow, on the neighbours): true - rule 'mysql_slow' has 1 abnormal result" in shown.out
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "slices"),
        ({"slices": []}, "slices"),
        ({"slices": [{"host_id": "1", "time_range": [5, 1]}]}, "slices.0.time_range"),
        ({"slices": [{"host_id": "1", "time_range": [1]}]}, "slices.0.time_range"),
        ({"slices": [{"time_range": [1, 2]}]}, "slices.0.host_id"),
        ({"slices": [{"host_id": "1", "time_range": [1, 2], "x": 1}]}, "slices.0.x"),
    ],
)
def test_bad_input_is_refused_naming_the_field(suite: Suite, body: dict[str, Any], field: str) -> None:
    _, token = suite.add_user()
    status, reply = data_call(suite, "/data/diag/neighbours", body, token=token)
    assert 400 <= status < 500, reply
    assert field in str(reply), reply
