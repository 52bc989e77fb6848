"""Records through the Kafka-protocol broker into gala_spider, read back through its routes."""

from __future__ import annotations

import time

import requests

from aops_utils.contracts.link_tables import TCP_METRICS
from tests.gala_spider import messages as m
from tests.gala_spider.conftest import Spider
from tests.gala_spider.conftest import StartSpider
from tests.gala_spider.conftest import stop
from tests.suite import Suite

V1 = "/gala-spider/api/v1"


def ids(entities: list[dict[str, object]], kind: str) -> set[object]:
    return {e["entityid"] for e in entities if e["type"] == kind}


def owner(suite: Suite, *hosts: tuple[str, str]) -> str:
    """A new user owning hosts (name, address): the map shows what touches them."""
    _, token = suite.add_user()
    for name, ip in hosts:
        suite.add_host(token, name, ip)
    return token


def test_a_connection_seen_from_both_ends_is_one_link_in_the_2109_shape(suite: Suite, spider: Spider) -> None:
    # web1 is the user's by name, db1 by the address its records show.
    token = owner(suite, ("web1", "192.0.2.1"), ("database", "10.1.0.2"))
    spider.send(*m.pair("web1", "10.1.0.1", (100, "curl"), "db1", "10.1.0.2", (200, "mysqld"), 3306, rx=1234))
    spider.wait_used(token, 2)
    entities = spider.entities(token)
    assert ids(entities, "TCP-LINK") == {"web1.curl.db1.mysqld.tcp_link"}
    assert ids(entities, "PROCESS") == {"web1.curl", "db1.mysqld"}
    assert ids(entities, "VM") == {"web1", "db1"}
    link = next(e for e in entities if e["type"] == "TCP-LINK")
    assert link["dependeditems"] == {"calls": {"type": "PROCESS", "id": "web1.curl"}}
    assert link["dependingitems"] == {"calls": {"type": "PROCESS", "id": "db1.mysqld"}}
    # 21.09's TCP-LINK attrs, in its order: the contract's list (its comment cites the manual).
    assert [a["key"] for a in link["attrs"]] == list(TCP_METRICS)
    assert {a["key"]: a["value"] for a in link["attrs"]}["rx_bytes"] == "1234"
    proc = next(e for e in entities if e["entityid"] == "web1.curl")
    assert proc["dependingitems"]["runOns"] == {"type": "VM", "id": "web1"}
    assert proc["dependingitems"]["calls"] == [{"type": "TCP_LINK", "id": "web1.curl.db1.mysqld.tcp_link"}]
    # v2: the processes by pid, the link's ends with their addresses.
    v2 = spider.v2(token)
    assert {p["id"] for p in v2["processes"]} == {"web1/100/curl", "db1/200/mysqld"}
    (only,) = v2["links"]
    assert only["client"]["process"] == "web1/100/curl" and only["server"]["port"] == 3306


def test_two_viewers_read_the_same_map_again_and_again(suite: Suite, spider: Spider) -> None:
    first = owner(suite, ("a1", "10.2.0.1"))
    second = owner(suite, ("a1", "10.2.0.1"))
    spider.send(*m.pair("a1", "10.2.0.1", (1, "app"), "a1", "10.2.0.1", (2, "redis"), 6379))
    spider.wait_used(first, 2)
    answers = [spider.entities(token) for token in (first, second, first, second)]
    assert all(a == answers[0] for a in answers)
    # A link between two processes of one host over its own address (21.09 dropped these).
    assert ids(answers[0], "TCP-LINK") == {"a1.app.a1.redis.tcp_link"}
    status, reply = spider.get(f"{V1}/get_status", first)
    assert status == 200 and reply["graph"]["processes"] == 2
    assert spider.entities(first) == answers[0]


def test_loopback_links_of_two_hosts_stay_apart(suite: Suite, spider: Spider) -> None:
    token = owner(suite, ("l1", "10.3.0.1"), ("l2", "10.3.0.2"))
    spider.send(*m.pair("l1", "127.0.0.1", (1, "app"), "l1", "127.0.0.1", (2, "redis"), 6379))
    spider.send(*m.pair("l2", "127.0.0.1", (7, "app"), "l2", "127.0.0.1", (8, "memcached"), 6379))
    spider.wait_used(token, 4)
    assert ids(spider.entities(token), "TCP-LINK") == {
        "l1.app.l1.redis.tcp_link",
        "l2.app.l2.memcached.tcp_link",
    }


def test_a_user_sees_only_what_touches_their_hosts(suite: Suite, spider: Spider) -> None:
    token = owner(suite, ("u1", "10.4.0.1"))
    stranger = owner(suite, ("elsewhere", "10.9.9.9"))
    spider.send(*m.pair("u1", "10.4.0.1", (1, "curl"), "u2", "10.4.0.2", (2, "nginx"), 80))
    spider.send(*m.pair("x1", "10.4.0.3", (3, "curl"), "x2", "10.4.0.4", (4, "nginx"), 80))
    spider.wait_used(token, 4)
    assert ids(spider.entities(token), "TCP-LINK") == {"u1.curl.u2.nginx.tcp_link"}
    assert spider.entities(stranger) == []
    status, reply = spider.get(f"{V1}/get_entities", None)
    assert status == 401, reply


def test_links_leave_the_map_after_the_ttl_and_stay_in_its_history(
    suite: Suite, start_spider: StartSpider
) -> None:
    spider = start_spider(ttl=30)
    token = owner(suite, ("t1", "10.5.0.1"))
    then = int(time.time()) - 120
    spider.send(*m.pair("t1", "10.5.0.1", (1, "curl"), "t2", "10.5.0.2", (2, "httpd"), 80, stamp=then * 1000))
    spider.send(*m.pair("t1", "10.5.0.1", (1, "curl"), "t3", "10.5.0.3", (3, "httpd"), 80))
    spider.wait_used(token, 4)
    assert ids(spider.entities(token), "TCP-LINK") == {"t1.curl.t3.httpd.tcp_link"}
    # As it was two minutes ago (seconds or gala-gopher's milliseconds).
    for at in (then + 2, (then + 2) * 1000):
        assert ids(spider.entities(token, timestamp=at), "TCP-LINK") == {"t1.curl.t2.httpd.tcp_link"}
    status, diff = spider.get("/gala-spider/api/v2/diff", token, before=then, after=int(time.time()))
    assert status == 200, diff
    assert [link["server"]["host"] for link in diff["appeared"]] == ["t3"]
    assert [link["server"]["host"] for link in diff["disappeared"]] == ["t2"]


def test_exclude_addr_applies_to_every_table(suite: Suite, start_spider: StartSpider) -> None:
    spider = start_spider(exclude_addr='["10.6.0.9"]')
    token = owner(suite, ("e1", "10.6.0.1"), ("lb", "10.6.0.5"))
    spider.send(*m.pair("e1", "10.6.0.1", (1, "curl"), "e2", "10.6.0.9", (2, "httpd"), 80))
    spider.send(
        m.balancer(
            "nginx_link", "lb", client="10.6.0.1", vip="10.6.0.5", vport=80, real="10.6.0.9", rport=8080
        )
    )
    spider.send(*m.pair("e1", "10.6.0.1", (1, "curl"), "e3", "10.6.0.3", (3, "httpd"), 80))
    consumer = spider.wait_used(token, 5)
    assert consumer["skipped"] == {"excluded": 3}
    v2 = spider.v2(token)
    assert [link["server"]["host"] for link in v2["links"]] == ["e3"]
    assert v2["balancers"] == []


def test_half_seen_balancer_links_are_kept_and_shown_when_joined(suite: Suite, spider: Spider) -> None:
    token = owner(suite, ("front", "10.7.0.1"), ("ngx", "10.7.0.5"))
    # nginx forwards front -> 10.7.0.5:80 -> 10.7.0.9:8080; no record of either side yet.
    spider.send(
        m.balancer(
            "nginx_link", "ngx", client="10.7.0.1", vip="10.7.0.5", vport=80, real="10.7.0.9", rport=8080
        )
    )
    spider.send(
        m.balancer(
            "haproxy_link", "ngx", client="10.7.0.2", vip="10.7.0.5", vport=81, real="10.7.0.8", rport=81
        )
    )
    spider.wait_used(token, 2)
    assert [
        e for e in spider.entities(token) if e["type"].endswith("_LINK") and e["type"] != "TCP_LINK"
    ] == []
    half = {b["type"]: b for b in spider.v2(token)["balancers"]}
    assert half["nginx_link"]["client"]["processes"] == [] and half["nginx_link"]["server"]["process"] is None
    # Both sides appear: the client's link to nginx, nginx's to the backend.
    spider.send(*m.pair("front", "10.7.0.1", (1, "curl"), "ngx", "10.7.0.5", (5, "nginx"), 80))
    spider.send(*m.pair("ngx", "10.7.0.5", (5, "nginx"), "back", "10.7.0.9", (9, "java"), 8080))
    spider.wait_used(token, 6)
    entities = spider.entities(token)
    (lb,) = [e for e in entities if e["type"] == "NGINX_LINK"]
    assert lb["dependeditems"] == {"calls": {"type": "PROCESS", "id": "front.curl"}}
    assert lb["dependingitems"] == {
        "calls": {"type": "PROCESS", "id": "back.java"},
        "runOns": {"type": "PROCESS", "id": "ngx.nginx"},
    }
    ngx = next(e for e in entities if e["entityid"] == "ngx.nginx")
    assert ngx["dependeditems"]["runOns"] == [{"type": "NGINX_LINK", "id": lb["entityid"]}]


def test_an_lvs_record_as_2109_wrote_it_joins_client_director_and_real_server(
    suite: Suite, spider: Spider
) -> None:
    token = owner(suite, ("c", "10.8.0.1"), ("director", "10.8.0.100"))
    spider.send(
        m.lvs_2109(
            "director",
            client="10.8.0.1",
            vip="10.8.0.100",
            local="10.8.0.50",
            real="10.8.0.2",
            vport=80,
            rport=8080,
        )
    )
    spider.send(m.tcp("c", pid=1, name="curl", role=1, client="10.8.0.1", server="10.8.0.100", port=80))
    spider.send(m.tcp("real", pid=2, name="httpd", role=0, client="10.8.0.50", server="10.8.0.2", port=8080))
    spider.wait_used(token, 3)
    entities = spider.entities(token)
    assert ids(entities, "TCP-LINK") >= {"c.curl.director.ipvs.tcp_link"}
    (lvs,) = [e for e in entities if e["type"] == "LVS_LINK"]
    assert lvs["dependeditems"]["calls"]["id"] == "c.curl"
    assert lvs["dependingitems"]["calls"]["id"] == "real.httpd"
    assert lvs["dependingitems"]["runOns"]["id"] == "director.ipvs"


def test_malformed_and_foreign_records_are_skipped_and_nothing_after_them_is_lost(
    suite: Suite, spider: Spider
) -> None:
    token = owner(suite, ("g1", "10.10.0.1"))
    spider.send(
        b"not json at all",
        b"[1, 2, 3]",
        m.message("tcp_link", "g1", pid=1, process_name="curl"),  # no role, no addresses
        m.message("system_meminfo", "g1", MemTotal=1),  # a table the map does not read
        m.tcp("g1", pid=1, name="curl", role=1, client="10.10.0.1", server="10.10.0.2", port=80, stamp=-5),
        m.tcp("g1", pid=1, name="curl", role=7, client="10.10.0.1", server="10.10.0.2", port=80),
        *m.pair("g1", "10.10.0.1", (1, "curl"), "g2", "10.10.0.2", (2, "httpd"), 80),
    )
    # The spider reads the records as they came (the bus does not decode them): the two that
    # are not JSON objects are counted and logged with the other malformed ones.
    consumer = spider.wait_used(token, 8)
    assert consumer["skipped"] == {"malformed": 5, "foreign": 1}
    assert ids(spider.entities(token), "TCP-LINK") == {"g1.curl.g2.httpd.tcp_link"}


def test_a_restart_keeps_the_map(suite: Suite, start_spider: StartSpider) -> None:
    spider = start_spider()
    token = owner(suite, ("r1", "10.11.0.1"))
    spider.send(*m.pair("r1", "10.11.0.1", (1, "curl"), "r2", "10.11.0.2", (2, "httpd"), 80))
    spider.wait_used(token, 2)
    before = spider.entities(token)
    stop(spider)
    again = start_spider()
    deadline = time.time() + 20
    while again.status(token)["consumer"]["state"] in ("starting", "loading"):
        assert time.time() < deadline
        time.sleep(0.1)
    assert again.status(token)["consumer"]["records"] == 0
    assert again.entities(token) == before


def test_link_metrics_over_time(suite: Suite, spider: Spider) -> None:
    token = owner(suite, ("n1", "10.12.0.1"))
    now = int(time.time())
    for ago, rx in ((30, 100), (20, 200), (10, 300)):
        spider.send(
            m.tcp(
                "n1",
                pid=1,
                name="curl",
                role=1,
                client="10.12.0.1",
                server="10.12.0.2",
                port=80,
                stamp=(now - ago) * 1000,
                rx=rx,
                retrans=1,
            )
        )
    spider.wait_used(token, 3)
    (link,) = spider.v2(token, start=now - 60, end=now)["links"]
    status, reply = spider.get(
        "/gala-spider/api/v2/link_metrics", token, link_id=link["id"], start=now - 60, end=now
    )
    assert status == 200, reply
    (series,) = reply["links"]
    assert sum(p["rx_bytes"] for p in series["points"]) == 600
    assert sum(p["retran_packets"] for p in series["points"]) == 3
    status, reply = spider.get("/gala-spider/api/v2/link_metrics", owner(suite), link_id=link["id"])
    assert status == 200 and reply["unknown"] == [link["id"]]


def test_bad_query_parameters_are_refused_naming_them(suite: Suite, spider: Spider) -> None:
    token = owner(suite)
    status, reply = spider.get(f"{V1}/get_entities", token, timestamp="yesterday")
    assert status == 400 and reply["code"] == 1000 and reply["field"] == "timestamp", reply
    status, reply = spider.get("/gala-spider/api/v2/diff", token, before=1)
    assert status == 400 and reply["field"] == "after", reply
    status, reply = spider.get(f"{V1}/get_entities", token, color="red")
    assert status == 400 and reply["field"] == "color", reply


def test_the_openapi_document_lists_the_get_routes_with_their_query_parameters(spider: Spider) -> None:
    from openapi_spec_validator import validate

    document = requests.get(f"{spider.url}/openapi.json", timeout=10).json()
    validate(document)
    entities = document["paths"]["/gala-spider/api/v1/get_entities"]["get"]
    assert [p["name"] for p in entities["parameters"]] == ["timestamp"]
    assert entities["security"] == [{"access_token": []}]
    diff = document["paths"]["/gala-spider/api/v2/diff"]["get"]
    assert {p["name"]: p["required"] for p in diff["parameters"]} == {
        "before": True,
        "after": True,
        "host": False,
    }
