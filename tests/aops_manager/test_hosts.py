"""Hosts through HTTP against MariaDB: add, list, count, details, delete, ownership, status."""

from __future__ import annotations

import socket
import threading

import sqlalchemy as sa

from aops_database import settings
from tests.aops_manager.factories import KEY
from tests.aops_manager.factories import add
from tests.aops_manager.factories import count
from tests.aops_manager.factories import group
from tests.aops_manager.factories import host
from tests.suite import Suite
from tests.suite import fake_sshd


def test_adding_hosts_returns_their_ids_and_stores_them(suite: Suite, token: str) -> None:
    g = group(suite, token)
    status, body = add(suite, token, host(g), host(g, management=True))
    assert (status, body["code"], body["msg"]) == (200, 200, "operation succeed")
    assert len(body["host_list"]) == 2 and body["fail_list"] == []
    assert {h["host_id"] for h in body["succeed_list"]} == set(body["host_list"])
    assert count(suite, token) == 2


def test_a_mixed_batch_is_206_with_a_reason_per_failed_host(suite: Suite, token: str) -> None:
    g = group(suite, token)
    first = host(g)
    add(suite, token, first)
    status, body = add(
        suite,
        token,
        host(g),
        host(g, host_name=first["host_name"]),
        host(g, public_ip=first["public_ip"]),
        host("no-such-group"),
    )
    assert (status, body["code"]) == (207, 206)
    reasons = [f["reason"] for f in body["fail_list"]]
    assert reasons == [
        f"host name {first['host_name']} is already used",
        f"address {first['public_ip']} is already used",
        "host group no-such-group does not exist",
    ]
    assert count(suite, token) == 2


def test_a_batch_where_every_host_fails_is_1102_and_stores_nothing(suite: Suite, token: str) -> None:
    status, body = add(suite, token, host("missing"))
    # 21.09's code; the status says why: the group does not exist (a clash would be 409).
    assert (status, body["code"]) == (404, 1102)
    assert count(suite, token) == 0


def test_duplicates_inside_one_batch_keep_the_first(suite: Suite, token: str) -> None:
    g = group(suite, token)
    a = host(g)
    _status, body = add(suite, token, a, dict(a))
    assert body["code"] == 206 and len(body["succeed_list"]) == 1


def test_ipv6_addresses_work_and_one_address_written_two_ways_is_one_host(suite: Suite, token: str) -> None:
    g = group(suite, token)
    _status, body = add(suite, token, host(g, public_ip="2001:db8::10"))
    assert body["code"] == 200 and body["succeed_list"][0]["public_ip"] == "2001:db8::10"
    status, body = add(suite, token, host(g, public_ip="2001:0db8:0000::0010"))
    assert (status, body["code"]) == (409, 1102) and "already used" in body["fail_list"][0]["reason"]


def test_two_concurrent_adds_of_the_same_host_yield_exactly_one_success(suite: Suite, token: str) -> None:
    g = group(suite, token)
    same = host(g)
    results: list[int] = []

    def worker() -> None:
        results.append(add(suite, token, dict(same))[1]["code"])

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [1102] * 5
    assert count(suite, token) == 1


def test_credentials_are_encrypted_at_rest_and_never_returned(suite: Suite, token: str) -> None:
    g = group(suite, token)
    _status, body = add(suite, token, host(g, password="plain-ssh-pw", sudo_password="plain-sudo-pw"))
    assert "plain-ssh-pw" not in str(body)
    listing = suite.call("POST", "/manage/host/get", {"host_group_list": []}, token)[1]
    assert "password" not in str(listing) and "vault" not in str(listing)
    _system, ini = settings.load(suite.conf_dir)
    engine = sa.create_engine(ini.mysql.url)
    with engine.connect() as conn:
        vaults = conn.execute(sa.text("SELECT vault FROM credential")).scalars().all()
    engine.dispose()
    assert vaults and all(v.startswith("$ANSIBLE_VAULT;1.1;AES256") for v in vaults)
    assert not any("plain-ssh-pw" in v or "plain-sudo-pw" in v for v in vaults)
    log_text = "".join(p.read_text() for p in (suite.conf_dir / "log").glob("*.log"))
    assert "plain-ssh-pw" not in log_text


def test_a_fleet_sharing_credentials_stores_one_encrypted_set(suite: Suite, token: str) -> None:
    g = group(suite, token)
    add(suite, token, *[host(g) for _ in range(20)])
    user = suite.call("POST", "/manage/host/get", {"host_group_list": [g]}, token)[1]
    assert user["total_count"] == 20
    _system, ini = settings.load(suite.conf_dir)
    engine = sa.create_engine(ini.mysql.url)
    with engine.connect() as conn:
        sets = conn.execute(
            sa.text(
                "SELECT COUNT(DISTINCT credential_id) FROM host WHERE host_group_id ="
                " (SELECT host_group_id FROM host_group WHERE host_group_name=:g AND username="
                " (SELECT username FROM host WHERE host_id=:h))"
            ),
            {"g": g, "h": user["host_infos"][0]["host_id"]},
        ).scalar()
    engine.dispose()
    assert sets == 1


def test_a_second_key_for_the_same_user_is_refused_with_1203(suite: Suite, token: str) -> None:
    g = group(suite, token)
    add(suite, token, host(g))
    status, body = add(suite, token, host(g), key="another-key")
    assert (status, body["code"]) == (403, 1203)
    assert count(suite, token) == 1


def test_certificate_checks_the_key_against_the_stored_credentials(suite: Suite, token: str) -> None:
    g = group(suite, token)
    add(suite, token, host(g))
    status, body = suite.call("POST", "/manage/account/certificate", {"key": "wrong"}, token)
    assert (status, body["code"]) == (403, 1203)
    assert suite.call("POST", "/manage/account/certificate", {"key": KEY}, token)[1]["code"] == 200


def test_listing_filters_sorts_and_pages(suite: Suite, token: str) -> None:
    web, db = group(suite, token, "web"), group(suite, token, "db")
    add(
        suite,
        token,
        host(web, host_name="b"),
        host(web, host_name="a", management=True),
        host(db, host_name="c"),
    )
    body = suite.call(
        "POST", "/manage/host/get", {"host_group_list": [], "sort": "host_name", "direction": "desc"}, token
    )[1]
    assert [h["host_name"] for h in body["host_infos"]] == ["c", "b", "a"]
    assert (body["total_count"], body["total_page"]) == (3, 1)
    body = suite.call("POST", "/manage/host/get", {"host_group_list": ["web"], "management": True}, token)[1]
    assert [h["host_name"] for h in body["host_infos"]] == ["a"]
    body = suite.call(
        "POST",
        "/manage/host/get",
        {"host_group_list": [], "sort": "host_name", "page": 2, "per_page": 2},
        token,
    )[1]
    assert [h["host_name"] for h in body["host_infos"]] == ["c"]
    assert (body["total_count"], body["total_page"]) == (3, 2)
    assert set(body["host_infos"][0]) == {
        "host_id",
        "host_name",
        "host_group_name",
        "public_ip",
        "ssh_port",
        "management",
        "status",
    }
    body = suite.call("POST", "/manage/host/get", {"host_group_list": [], "sort": "host_group_name"}, token)[
        1
    ]
    assert [h["host_group_name"] for h in body["host_infos"]] == ["db", "web", "web"]
    # The total rides in the page's rows: a page past the end, which has none, still counts.
    body = suite.call("POST", "/manage/host/get", {"host_group_list": [], "page": 3, "per_page": 2}, token)[1]
    assert (body["host_infos"], body["total_count"], body["total_page"]) == ([], 3, 2)
    # Every filter and the group order together, paged: the statements of each shape are kept
    # apart (groups bound as a list, management as a value).
    body = suite.call(
        "POST",
        "/manage/host/get",
        {
            "host_group_list": ["web", "db"],
            "management": False,
            "sort": "host_group_name",
            "direction": "desc",
            "page": 1,
            "per_page": 1,
        },
        token,
    )[1]
    assert [h["host_name"] for h in body["host_infos"]] == ["b"]
    assert (body["total_count"], body["total_page"]) == (2, 2)
    body = suite.call("POST", "/manage/host/get", {"host_group_list": ["db"], "management": False}, token)[1]
    assert [h["host_name"] for h in body["host_infos"]] == ["c"]


def test_an_empty_listing_has_zero_pages(suite: Suite, token: str) -> None:
    body = suite.call("POST", "/manage/host/get", {"host_group_list": []}, token)[1]
    assert (body["code"], body["total_count"], body["total_page"], body["host_infos"]) == (200, 0, 0, [])


def test_basic_info_returns_rows_and_details_return_stored_documents(suite: Suite, token: str) -> None:
    g = group(suite, token)
    ids = add(suite, token, host(g), host(g))[1]["host_list"]
    body = suite.call("POST", "/manage/host/info/query", {"host_list": ids[:1], "basic": True}, token)[1]
    assert [h["host_id"] for h in body["host_infos"]] == ids[:1]
    body = suite.call("POST", "/manage/host/info/query", {"host_list": [], "basic": True}, token)[1]
    assert len(body["host_infos"]) == 2
    import requests

    doc = {"host_id": ids[0], "infos": {"os": {"name": "openEuler"}, "cpu": {"core_count": 8}, "memory": {}}}
    reply = requests.post(
        f"{suite.database_url}/data/host/info/save",
        json={"host_infos": [doc]},
        headers={"access_token": suite.service_token()},
        timeout=10,
    )
    assert reply.json()["code"] == 200
    body = suite.call("POST", "/manage/host/info/query", {"host_list": ids}, token)[1]
    # As stored, and its details at the top as well, where the 21.09 web drawer reads them.
    assert body["host_infos"] == [
        {**doc, "os": {"name": "openEuler"}, "cpu": {"core_count": 8}, "memory": {}}
    ]


def test_deleting_hosts_reports_each_id(suite: Suite, token: str) -> None:
    g = group(suite, token)
    ids = add(suite, token, host(g), host(g))[1]["host_list"]
    status, body = suite.call("DELETE", "/manage/host/delete", {"host_list": [ids[0], "0" * 32]}, token)
    assert (status, body["code"]) == (207, 206)
    assert (body["succeed_list"], body["fail_list"]) == ([ids[0]], ["0" * 32])
    assert "host_info" not in body
    status, body = suite.call("DELETE", "/manage/host/delete", {"host_list": ["f" * 32]}, token)
    # None of them exists: 21.09's 1103, and 404 rather than a server error.
    assert (status, body["code"], body["fail_list"]) == (404, 1103, ["f" * 32])
    assert body["detail"] == f"no such host: {'f' * 32}" and "host_info" not in body
    assert count(suite, token) == 1


def test_a_user_never_sees_or_deletes_another_users_hosts(suite: Suite) -> None:
    _, alice = suite.add_user()
    _, bob = suite.add_user()
    ids = add(suite, alice, host(group(suite, alice)))[1]["host_list"]
    assert suite.call("POST", "/manage/host/get", {"host_group_list": []}, bob)[1]["total_count"] == 0
    assert (
        suite.call("POST", "/manage/host/info/query", {"host_list": ids, "basic": True}, bob)[1]["host_infos"]
        == []
    )
    assert suite.call("DELETE", "/manage/host/delete", {"host_list": ids}, bob)[1]["code"] == 1103
    # Bob may use the same group name, host name and address: uniqueness is per user.
    group(suite, bob)
    assert add(suite, bob, host("web"))[1]["code"] == 200
    assert count(suite, alice) == 1


def test_status_refresh_probes_the_ssh_port(suite: Suite, token: str) -> None:
    sshd, ssh_port = fake_sshd(b"SSH-2.0-OpenSSH_9.2\r\n")
    web, web_port = fake_sshd(b"HTTP/1.1 400 Bad Request\r\n\r\n", "127.0.0.3")
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    g = group(suite, token)
    try:
        ids = add(
            suite,
            token,
            host(g, host_name="a", public_ip="127.0.0.1", ssh_port=ssh_port),
            host(g, host_name="b", public_ip="127.0.0.2", ssh_port=closed_port),
            host(g, host_name="c", public_ip="127.0.0.3", ssh_port=web_port),
        )[1]["host_list"]
        body = suite.call("POST", "/manage/host/status/refresh", {"host_list": []}, token)[1]
    finally:
        sshd.close()
        web.close()
    assert {h["host_id"]: h["status"] for h in body["host_infos"]} == {
        ids[0]: "online",
        ids[1]: "offline",
        ids[2]: "offline",
    }
    listing = suite.call("POST", "/manage/host/get", {"host_group_list": [], "sort": "host_name"}, token)[1]
    assert [h["status"] for h in listing["host_infos"]] == ["online", "offline", "offline"]


def test_the_listing_total_stays_exact_under_concurrent_adds_and_deletes(suite: Suite, token: str) -> None:
    # The unfiltered total is the user's kept count, changed in the transactions that add and
    # delete hosts: concurrent adds must each count, and deletes of the same hosts only once.
    g = group(suite, token)
    first = add(suite, token, *[host(g) for _ in range(10)])[1]["host_list"]
    codes: list[int] = []

    def adder() -> None:
        codes.append(add(suite, token, *[host(g) for _ in range(5)])[1]["code"])

    def deleter() -> None:
        codes.append(suite.call("DELETE", "/manage/host/delete", {"host_list": first}, token)[1]["code"])

    threads = [threading.Thread(target=fn) for fn in [adder] * 4 + [deleter] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes.count(200) >= 5, codes  # every add, and at least the first delete
    listing = suite.call("POST", "/manage/host/get", {"host_group_list": []}, token)[1]
    assert len(listing["host_infos"]) == 20
    assert listing["total_count"] == 20
    past = {"host_group_list": [], "page": 3, "per_page": 10}
    paged = suite.call("POST", "/manage/host/get", past, token)[1]
    assert (paged["host_infos"], paged["total_count"]) == ([], 20)
