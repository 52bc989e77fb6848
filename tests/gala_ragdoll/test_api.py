"""gala-ragdoll's routes on a real git repository beside a running suite: domains, hosts,
managed files and their change log, each user's domains their own, bad input named."""

from __future__ import annotations

import subprocess

import pytest

from tests.gala_ragdoll.serving import Served
from tests.suite import Suite

REPO = "[main]\nname = main\nbaseurl = http://example.org/os\nenabled = 1\n"


@pytest.fixture
def token(suite: Suite) -> str:
    return suite.add_user()[1]


def git_log(served: Served) -> list[str]:
    root = served.state.settings.git.git_dir
    out = subprocess.run(
        ["git", "-C", str(root), "log", "--format=%an|%s"], check=True, capture_output=True, text=True
    )
    return out.stdout.splitlines()


def test_every_route_needs_a_token(served: Served) -> None:
    for method, path in (
        ("POST", "/domain/createDomain"),
        ("POST", "/domain/queryDomain"),
        ("DELETE", "/domain/deleteDomain"),
        ("POST", "/host/getHost"),
        ("PUT", "/confs/syncConf"),
        ("POST", "/confs/getDomainStatus"),
    ):
        status, reply = served.call(method, path)
        assert (status, reply["code"]) == (401, 1201), (path, reply)


def test_domains_are_created_listed_and_deleted_per_item_as_commits_of_their_user(
    served: Served, suite: Suite
) -> None:
    user, token = suite.add_user()
    status, reply = served.call(
        "POST",
        "/domain/createDomain",
        [{"domainName": f"{user}-web", "priority": 3}, {"domainName": ".git"}],
        token,
    )
    assert (status, reply["code"]) == (207, 206), reply
    assert reply["succeed_list"] == [f"{user}-web"] and reply["fail_list"] == [".git"]
    assert "not starting with '.'" in reply["fail_reasons"][".git"]
    assert git_log(served)[0] == f"{user}|Create domain {user}-web"
    status, reply = served.call("POST", "/domain/createDomain", [{"domainName": f"{user}-web"}], token)
    assert (status, reply["code"]) == (409, 1105), reply
    status, reply = served.call("POST", "/domain/queryDomain", None, token)
    assert reply["domains"] == [{"domainName": f"{user}-web", "priority": 3}], reply
    status, reply = served.call(
        "DELETE", f"/domain/deleteDomain?domainName={user}-web&domainName={user}-none", None, token
    )
    assert (status, reply["code"]) == (207, 206), reply
    assert reply["fail_reasons"] == {f"{user}-none": f"domain '{user}-none' does not exist"}
    assert served.call("POST", "/domain/queryDomain", None, token)[1]["domains"] == []


def test_another_users_domain_is_refused_and_not_listed(served: Served, suite: Suite) -> None:
    owner, mine = suite.add_user()
    _, theirs = suite.add_user()
    served.call("POST", "/domain/createDomain", [{"domainName": owner}], mine)
    assert served.call("POST", "/domain/queryDomain", None, theirs)[1]["domains"] == []
    for method, path, body in (
        ("POST", "/host/getHost", {"domainName": owner}),
        ("POST", "/host/addHost", {"domainName": owner, "hostInfos": [{"hostId": "h1"}]}),
        ("POST", "/management/getManagementConf", {"domainName": owner}),
        ("POST", "/confs/getDomainStatus", {"domainName": owner}),
        ("PUT", "/confs/syncConf", {"domainName": owner}),
    ):
        status, reply = served.call(method, path, body, theirs)
        assert (status, reply["code"], reply["field"]) == (403, 1000, "domainName"), (path, reply)
    status, reply = served.call("DELETE", f"/domain/deleteDomain?domainName={owner}", None, theirs)
    assert (status, reply["fail_list"]) == (403, [owner]), reply


def test_hosts_are_added_listed_and_removed_by_their_whole_id(served: Served, suite: Suite) -> None:
    user, token = suite.add_user()
    served.call("POST", "/domain/createDomain", [{"domainName": user}], token)
    body = {"domainName": user, "hostInfos": [{"hostId": "h1", "ip": "10.0.0.1"}, {"hostId": "h12"}]}
    status, reply = served.call("POST", "/host/addHost", body, token)
    assert (status, reply["succeed_list"]) == (200, ["h1", "h12"]), reply
    status, reply = served.call("POST", "/host/addHost", body, token)
    assert (status, reply["code"]) == (409, 1105), reply
    assert served.call("POST", "/host/getHost", {"domainName": user}, token)[1]["hosts"] == [
        {"hostId": "h1", "ip": "10.0.0.1"},
        {"hostId": "h12"},
    ]
    status, reply = served.call(
        "DELETE",
        "/host/deleteHost",
        {"domainName": user, "hostInfos": [{"hostId": "h1"}, {"hostId": "h"}]},
        token,
    )
    assert (status, reply["succeed_list"], reply["fail_list"]) == (207, ["h1"], ["h"]), reply
    assert served.call("POST", "/host/getHost", {"domainName": user}, token)[1]["hosts"] == [
        {"hostId": "h12"}
    ]
    status, reply = served.call("DELETE", "/host/deleteHost", {"domainName": user, "hostInfos": []}, token)
    assert (status, reply["field"]) == (400, "hostInfos"), reply


def test_managed_files_keep_their_content_and_attributes_and_their_change_log(
    served: Served, suite: Suite
) -> None:
    user, token = suite.add_user()
    served.call("POST", "/domain/createDomain", [{"domainName": user}], token)
    path = "/etc/yum.repos.d/main.repo"
    conf = {"filePath": path, "contents": REPO, "mode": "0644", "owner": "root"}
    body = {"domainName": user, "confFiles": [conf], "changeReason": "first baseline"}
    status, reply = served.call("POST", "/management/addManagementConf", body, token)
    assert (status, reply["succeed_list"]) == (200, [path]), reply
    changed = REPO.replace("enabled = 1", "enabled = 0")
    body = {"domainName": user, "confFiles": [{"filePath": path, "contents": changed}], "changeReason": "off"}
    served.call("POST", "/management/addManagementConf", body, token)
    status, reply = served.call("POST", "/management/getManagementConf", {"domainName": user}, token)
    # The mode and owner set first are kept by a change that does not name them.
    assert reply["confFiles"] == [{"filePath": path, "contents": changed, "mode": "0644", "owner": "root"}]
    status, reply = served.call(
        "POST",
        "/management/queryManageConfChange",
        {"domainName": user, "confFiles": [{"filePath": path}]},
        token,
    )
    assert status == 200, reply
    (info,) = reply["confBaseInfos"]
    assert info["expectedContents"] == changed
    newest, oldest = info["changeLog"]
    assert newest["author"].split(" ")[0] == user
    assert newest["changeReason"] == f"Change {path} in domain {user}\n\noff"
    assert (newest["preValue"], newest["postValue"]) == (REPO, changed)
    assert "-enabled = 1\n+enabled = 0\n" in newest["diff"]
    assert "preValue" not in oldest and oldest["changeReason"].endswith("\n\nfirst baseline")
    expected = served.call("POST", "/confs/queryExpectedConfs", None, token)[1]["expectedConfs"]
    assert [(d["domainName"], len(d["confBaseInfos"])) for d in expected] == [(user, 1)]
    status, reply = served.call(
        "DELETE",
        "/management/deleteManagementConf",
        {"domainName": user, "confFiles": [{"filePath": path}]},
        token,
    )
    assert (status, reply["succeed_list"]) == (200, [path]), reply
    assert git_log(served)[0] == f"{user}|Stop managing {path} in domain {user}"


def test_bad_input_is_a_400_naming_the_field(served: Served, suite: Suite) -> None:
    user, token = suite.add_user()
    served.call("POST", "/domain/createDomain", [{"domainName": user}], token)
    for method, path, body, field in (
        ("POST", "/domain/createDomain", [], "body"),
        ("POST", "/domain/createDomain", {"domainName": "x"}, "body"),
        ("POST", "/domain/createDomain", [{"domainName": "a/b"}], None),
        (
            "POST",
            "/host/addHost",
            {"domainName": user, "hostInfos": [{"ip": "1.2.3.4"}]},
            "hostInfos.0.hostId",
        ),
        (
            "POST",
            "/host/addHost",
            {"domainName": user, "hostInfos": [{"hostId": "h", "ip": "x"}]},
            "hostInfos.0.ip",
        ),
        (
            "POST",
            "/management/addManagementConf",
            {"domainName": user, "confFiles": [{"filePath": "etc/motd", "contents": "x"}]},
            "confFiles.0.filePath",
        ),
        (
            "POST",
            "/management/addManagementConf",
            {"domainName": user, "confFiles": [{"filePath": "/etc/motd"}]},
            "confFiles.0",
        ),
        (
            "POST",
            "/management/queryManageConfChange",
            {"domainName": user, "confFiles": [{"filePath": "/etc/none"}]},
            "confFiles.0.filePath",
        ),
        ("POST", "/host/getHost", {"domainName": "no such"}, "domainName"),
        ("PUT", "/confs/syncConf", {"domainName": user, "hostIds": [{"hostId": "nope"}]}, "hostIds.0.hostId"),
    ):
        status, reply = served.call(method, path, body, token)
        assert 400 <= status < 500, (path, body, reply)
        if field is not None:
            assert reply["field"] == field, (path, body, reply)


def test_a_domain_with_no_hosts_has_an_empty_status_and_a_kept_check(served: Served, suite: Suite) -> None:
    user, token = suite.add_user()
    served.call("POST", "/domain/createDomain", [{"domainName": user}], token)
    status, reply = served.call("POST", "/confs/getDriftRecord", {"domainName": user}, token)
    assert (status, reply["checkedAt"], reply["hostStatus"]) == (200, None, []), reply
    status, reply = served.call("POST", "/confs/getDomainStatus", {"domainName": user}, token)
    assert (status, reply["hostStatus"]) == (200, []), reply
    kept = served.call("POST", "/confs/getDriftRecord", {"domainName": user}, token)[1]
    assert kept["checkedAt"] == reply["checkedAt"] and kept["checkedAt"] > 0
