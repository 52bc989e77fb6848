"""Host details from Ansible's facts: collected after a host add without slowing it, and on demand."""

from __future__ import annotations

import platform
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests import sshhosts
from tests.aops_manager.deploying import DEPLOY_CONF
from tests.aops_manager.deploying import add_host
from tests.conftest import mariadb_suite
from tests.suite import Suite


@pytest.fixture(scope="module")
def facts_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with mariadb_suite(
        tmp_path_factory.mktemp("facts"), deploy=DEPLOY_CONF + "collect_facts=true\n"
    ) as running:
        yield running


def details(suite: Suite, token: str, host_ids: list[str]) -> list[dict[str, Any]]:
    status, reply = suite.call("POST", "/manage/host/info/query", {"host_list": host_ids}, token)
    assert (status, reply["code"]) == (200, 200), reply
    return list(reply["host_infos"])  # type: ignore[arg-type]


def check_details(item: dict[str, Any], host: sshhosts.SshHost) -> None:
    for shown in (item, item["infos"]):  # the 21.09 web reads the top, its CLI `infos`
        assert shown["os"]["name"].startswith("Debian ")
        assert shown["os"]["kernel_version"] == platform.release()
        assert shown["os"]["hostname"] == host.name
        assert shown["cpu"]["architecture"] == platform.machine()
        assert shown["cpu"]["core_count"] >= 1 and shown["cpu"]["model_name"]
        assert shown["memory"]["total"] > 0 and shown["memory"]["size"] == f"{shown['memory']['total']} MB"
        assert any(d["size"] for d in shown["disks"])
        nics = {n["name"]: n for n in shown["nics"]}
        assert nics["eth0"]["ipv4"] == host.address and nics["eth0"]["mac"]
        assert "lo" not in nics


def test_details_are_collected_after_a_host_add_which_does_not_wait_for_them(
    facts_suite: Suite, deploy_hosts: sshhosts.SshHosts
) -> None:
    _, token = facts_suite.add_user()
    a = add_host(facts_suite, token, deploy_hosts, deploy_hosts.hosts[0])
    # The add has answered; the facts (an ansible-playbook start and a setup run) take longer.
    assert details(facts_suite, token, [a.host_id]) == []
    b = add_host(facts_suite, token, deploy_hosts, deploy_hosts.hosts[1], auth="key")
    nowhere = add_host(
        facts_suite, token, deploy_hosts, deploy_hosts.hosts[2], address=deploy_hosts.unreachable_address
    )
    deadline = time.monotonic() + 120
    while len(found := details(facts_suite, token, [a.host_id, b.host_id, nowhere.host_id])) < 2:
        assert time.monotonic() < deadline, found
        time.sleep(0.5)
    by_id = {item["host_id"]: item for item in found}
    check_details(by_id[a.host_id], deploy_hosts.hosts[0])
    check_details(by_id[b.host_id], deploy_hosts.hosts[1])
    assert nowhere.host_id not in by_id


def test_details_are_collected_on_demand_with_the_reason_for_each_host_without(
    facts_suite: Suite, deploy_hosts: sshhosts.SshHosts
) -> None:
    _, token = facts_suite.add_user()
    a = add_host(facts_suite, token, deploy_hosts, deploy_hosts.hosts[1], auth="key")
    nowhere = add_host(
        facts_suite, token, deploy_hosts, deploy_hosts.hosts[2], address=deploy_hosts.unreachable_address
    )
    unknown = "e" * 32
    body = {"host_list": [a.host_id, nowhere.host_id, unknown]}
    status, reply = facts_suite.call("POST", "/manage/host/info/collect", body, token)
    assert (status, reply["code"]) == (207, 206), reply
    assert reply["succeed_list"] == [a.host_id]
    assert reply["fail_list"] == [nowhere.host_id, unknown]
    reasons = reply["fail_reasons"]
    assert reasons[unknown] == "no such host"  # type: ignore[index]
    assert reasons[nowhere.host_id].startswith("the host is unreachable: ")  # type: ignore[index]
    check_details(reply["host_infos"][0], deploy_hosts.hosts[1])  # type: ignore[index]
    check_details(details(facts_suite, token, [a.host_id])[0], deploy_hosts.hosts[1])
    # Another user sees none of them.
    _, other = facts_suite.add_user()
    assert details(facts_suite, other, [a.host_id]) == []
