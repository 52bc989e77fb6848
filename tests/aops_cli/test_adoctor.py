"""`adoctor` check commands against a real data center, manager, check scheduler and Prometheus."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.aops_cli.conftest import Doctor
from tests.schedulers import check_scheduler
from tests.suite import ADMIN_PASSWORD
from tests.suite import Suite
from tests.suite import free_port

SAMPLE = Path(__file__).resolve().parents[2] / "conf" / "check_rules" / "node_exporter.json"
SAMPLE_NAMES = [rule["check_item"] for rule in json.loads(SAMPLE.read_text())["check_items"]]
CANARY = "node_exporter_always"  # `$0 >= 0` on node_load1: every sample is abnormal


@pytest.fixture(scope="module")
def scheduler(suite: Suite) -> Iterator[str]:
    """The check scheduler on a free port, on the suite's data center, with an in-memory bus."""
    with check_scheduler(suite.conf_dir, announce=True) as served:
        yield served.url


@pytest.fixture
def doctor(suite: Suite, scheduler: str, tmp_path: Path) -> Doctor:
    """The CLI for a user of its own, so rule and result counts are the test's alone."""
    _, token = suite.add_user()
    return Doctor(suite.conf_dir, tmp_path / "cli-home", token)


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


def rule(name: str, condition: str, metric: str = "node_load1") -> dict[str, Any]:
    return {"check_item": name, "data_list": [{"name": metric, "type": "kpi"}], "condition": condition}


def test_rules_are_imported_listed_exported_counted_and_deleted(doctor: Doctor, tmp_path: Path) -> None:
    assert doctor.ok(f"checkrule --action add --conf {SAMPLE}").out == (
        f"imported 7 check rules from {SAMPLE} (7 new, 0 updated)\n"
    )
    assert doctor.ok(f"checkrule --action add --conf {SAMPLE}").out.endswith("(0 new, 7 updated)\n")

    out = doctor.ok("checkrule --action get --sort check_item --page 3 --per_page 3").out
    header, _rule, row, summary = out.splitlines()
    assert header.split() == ["check_item", "data_list", "condition", "description"]
    assert row.split()[:2] == ["root_disk_full", 'node_filesystem_avail_bytes{mountpoint="/"},']
    assert summary == "1 of 7 check rules, page 3/3"
    reply = doctor.ok("--json checkrule --action get --check_items load_high,rebooted,nope").json
    assert sorted(r["check_item"] for r in reply["check_items"]) == ["load_high", "rebooted"]

    # --export writes every rule, not just the first page, in the form --action add reads.
    export = tmp_path / "export.json"
    out = doctor.ok(f"checkrule --action get --export {export}").out
    assert out == f"exported 7 check rules to {export}\n"
    exported = json.loads(export.read_text())["check_items"]
    assert sorted(r["check_item"] for r in exported) == sorted(SAMPLE_NAMES)
    assert json.loads(doctor.ok("checkrule --action get --export - --per_page 2").out)["check_items"]

    assert doctor.ok("stat --action count --field check_rule").out == "7 check rules\n"
    result = doctor.run(
        "checkrule --action delete --check_items cpu_busy,memory_low,nope", "--access_token", doctor.token
    )
    assert (result.code, result.out) == (1, "deleted 2 check rules: cpu_busy, memory_low\n")
    assert result.err == "adoctor: failed: nope: not found\n"
    assert doctor.ok("stat --action count --field check_rule --json").json["rule_count"] == 5
    assert doctor.ok(f"checkrule --action add --conf {export}").out.endswith("(2 new, 5 updated)\n")


def test_a_bad_rule_is_reported_with_its_place_in_the_file_and_a_caret(
    doctor: Doctor, tmp_path: Path
) -> None:
    rules = write(tmp_path / "rules.json", {"check_items": [rule("fine", "$0 > 1"), rule("bad", "$0 > (1")]})
    result = doctor.run(f"checkrule --action add --conf {rules}", "--access_token", doctor.token)
    # Per item: the good rule is stored, the bad one named on its own line, the exit status is 1.
    assert (result.code, result.out) == (1, f"imported 1 check rule from {rules} (1 new, 0 updated)\n")
    assert result.err.splitlines() == [
        "adoctor: failed: bad: condition: expected ')' to close the '(' at position 5 but found end of "
        "condition at position 7",
        f"  in {rules}, rule 'bad' (number 2 of 2), condition at position 7:",
        "    $0 > (1",
        "           ^",
    ]
    assert doctor.ok("stat --action count --field check_rule").out == "1 check rule\n"
    only_bad = write(tmp_path / "bad.json", {"check_items": [rule("bad", "$0 > (1")]})
    lines = doctor.fails(f"checkrule --action add --conf {only_bad}")
    assert lines[0].startswith("adoctor: failed: bad: condition: expected ')'")
    assert (
        lines[-1] == f"adoctor: imported no check rule from {only_bad} (code 1000: request parameter error)"
    )
    doctor.ok("checkrule --action delete --check_items fine")

    # The same for a rule tried inline, and for a field that is not the condition.
    lines = doctor.fails(f"checkrule --action test --conf {rules} --check_items bad")
    assert lines[1:] == [f"  in {rules}, rule 'bad' (number 2 of 2), condition at position 7:", *lines[2:]]
    assert lines[3] == "           ^"
    odd = write(tmp_path / "odd.json", [{**rule("odd", "$0 > 1"), "colour": "red"}])
    lines = doctor.fails(f"checkrule --action add --conf {odd}")
    assert lines == [
        "adoctor: failed: odd: colour: is not a known field",
        f"  in {odd}, rule 'odd' (number 1 of 1), colour",
        f"adoctor: imported no check rule from {odd} (code 1000: request parameter error)",
    ]

    broken = tmp_path / "broken.json"
    broken.write_text('{"check_items": [\n  {"check_item": "x",}\n]}')
    err = "\n".join(doctor.fails(f"checkrule --action add --conf {broken}", code=2))
    assert f"{broken} is not valid JSON: Expecting property name enclosed in double quotes at line 2" in err


RULES_2109 = Path(__file__).resolve().parents[1] / "adoctor_check_scheduler/data/check_rules_2109.json"


def test_a_2109_rule_file_with_a_bad_rule_imports_the_rest_and_names_it_on_its_own_line(
    doctor: Doctor,
) -> None:
    result = doctor.run(f"checkrule --action add --conf {RULES_2109}", "--access_token", doctor.token)
    assert result.code == 1
    assert result.out == f"imported 20 check rules from {RULES_2109} (20 new, 0 updated)\n"
    assert result.err.splitlines() == [
        "adoctor: failed: prometheus_up: condition: unknown name 'prom_up' (data items are referred to as "
        "$0..$0) at position 0",
        f"  in {RULES_2109}, rule 'prometheus_up' (number 13 of 21), condition at position 0:",
        '    prom_up!="1"',
        "    ^",
    ]
    assert doctor.ok("stat --action count --field check_rule").out == "20 check rules\n"


def test_a_stored_or_inline_rule_is_tried_on_prometheus_data(
    doctor: Doctor, local_host: str, tmp_path: Path
) -> None:
    doctor.ok(f"checkrule --action add --conf {SAMPLE}")
    now = int(time.time())
    out = doctor.ok(f"checkrule --action test --check_items {CANARY} --start {now - 120} --end {now}").out
    lines = out.splitlines()
    assert lines[0].split() == ["start", "end", "host_id", "check_item", "value", "series"]
    assert lines[2].split()[4:7] == [local_host, CANARY, "Abnormal"]
    found = re.fullmatch(
        r"(\d+) results would be recorded on 1 host from (.+) to (.+) \(showing (\d+), page 1/\d+\): "
        r"(\d+) Abnormal, 0 No data, 0 Internal error",
        lines[-1],
    )
    assert found, lines[-1]
    assert found[1] == found[5] and int(found[4]) == min(20, int(found[1])) == len(lines) - 3
    assert found[2] == time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now - 120))

    # Inline: one rule of a file, chosen by name, over a range in the 21.09 format and ISO 8601.
    start = time.strftime("%Y%m%d-%H:%M:%S", time.localtime(now - 60))
    end = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(now))
    reply = doctor.ok(
        f"--json checkrule --action test --conf {SAMPLE} --check_items {CANARY} "
        f"--host_list {local_host} --start {start} --end {end}"
    ).json
    assert reply["total_count"] == reply["counts"]["Abnormal"] > 0
    assert {r["host_id"] for r in reply["check_result"]} == {local_host}

    never = write(tmp_path / "never.json", rule("never", "$0 < 0"))
    out = doctor.ok(f"checkrule --action test --conf {never}").out
    assert out.startswith("nothing would be recorded from ")
    missing = write(tmp_path / "missing.json", {"check_items": [rule("gone", "$0 > 1", "no_such_metric")]})
    out = doctor.ok(f"checkrule --action test --conf {missing} --per_page 5").out
    assert out.splitlines()[-1].endswith("(showing 1, page 1/1): 0 Abnormal, 1 No data, 0 Internal error")

    err = "\n".join(doctor.fails(f"checkrule --action test --conf {SAMPLE}", code=2))
    assert f"{SAMPLE} holds 7 rules (cpu_busy, memory_low," in err and "name the one to try" in err
    assert doctor.fails("checkrule --action test --check_items nope") == [
        "adoctor: check item nope does not exist (code 1000: request parameter error)"
    ]
    week = f"checkrule --action test --check_items {CANARY} --start 0 --end {now}"
    err = "\n".join(doctor.fails(week, code=2))
    assert "the range may span at most 7 days" in err


def save_results(suite: Suite, token: str, rows: list[tuple[str, str, int, str]]) -> None:
    """Store results as the executor would, straight through the data center."""
    results = [
        {
            "host_id": host,
            "check_item": item,
            "data_list": [{"name": "node_load1", "type": "kpi"}],
            "condition": "$0 > 1",
            "start": start,
            "end": start if value == "Abnormal" else start + 60,
            "value": value,
        }
        for host, item, start, value in rows
    ]
    reply = requests.post(
        f"{suite.database_url}/data/check/result/save",
        json={"check_results": results},
        headers={"access_token": suite.session_token(token)},
        timeout=30,
    )
    assert reply.json()["code"] == 200, reply.text


def test_check_lists_recorded_results_newest_first_with_the_21_09_filters(
    suite: Suite, doctor: Doctor
) -> None:
    a, b = "a" * 32, "b" * 32
    t = int(time.time()) - 3000
    save_results(
        suite,
        doctor.token,
        [(a, "load", t, "Abnormal"), (a, "load", t + 100, "Abnormal"), (a, "disk", t + 200, "No data"),
         (b, "load", t + 300, "Abnormal")],
    )  # fmt: skip
    lines = doctor.ok("check").out.splitlines()
    assert lines[0].split() == ["start", "end", "host_id", "check_item", "value"]
    assert [line.split()[4:6] for line in lines[2:-1]] == [[b, "load"], [a, "disk"], [a, "load"], [a, "load"]]
    assert lines[-1] == "4 of 4 check results, page 1/1"

    out = doctor.ok(f"check --host_list {a} --check_items load --value abnormal --sort start").out
    assert [line.split()[0:2] for line in out.splitlines()[2:-1]] == [
        time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(s)).split() for s in (t, t + 100)
    ]
    # The 21.09 command line as written, with a range in its time format.
    start = time.strftime("%Y%m%d-%H:%M:%S", time.localtime(t + 150))
    out = doctor.ok(
        f"check --host_list {a},{b} --start {start} --sort check_item --direction asc --page 1 --per_page 1"
    ).out
    assert out.splitlines()[2].split()[4:] == [a, "disk", "No", "data"]
    assert out.splitlines()[-1] == "1 of 2 check results, page 1/2"
    reply = doctor.ok(f"check --end {t + 50} --json").json
    assert reply["total_count"] == 1 and reply["check_result"][0]["start"] == t

    lines = doctor.ok("stat --action count --field check_result").out.splitlines()
    assert [line.split() for line in lines] == [
        ["host_id", "abnormal"],
        lines[1].split(),
        [a, "2"],
        [b, "1"],
        ["3", "abnormal", "results", "on", "2", "hosts"],
    ]


def test_the_token_stored_by_aops_login_is_used_and_its_absence_is_code_1201(
    suite: Suite, doctor: Doctor
) -> None:
    count = "stat --action count --field check_rule"
    assert doctor.fails(count, token=False) == [
        f"adoctor: not logged in to {suite.manager_url}: run `aops login` or pass --access_token "
        "(code 1201: the session is invalid)"
    ]
    result = doctor.run(f"--json {count}")
    assert result.code == 1 and result.json["code"] == 1201
    suite.admin_token()  # admin's default password changed, so that its session serves
    doctor.run(f"login --password {ADMIN_PASSWORD}", prog="aops")
    assert re.fullmatch(r"\d+ check rules?\n", doctor.run(count).out)
    lines = doctor.fails(count, "--access_token", "not-a-token", token=False)
    assert lines == ["adoctor: the access token is missing or malformed (code 1201: the session is invalid)"]


def test_an_unreachable_scheduler_is_one_line_with_exit_1(doctor: Doctor) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    lines = doctor.fails(f"--check-scheduler {url} stat --action count --field check_rule")
    assert len(lines) == 1
    assert lines[0].startswith(f"adoctor: cannot reach {url}/check/rule/count: Connection refused; ")
    assert lines[0].endswith(
        "or --check-scheduler/AOPS_CHECK_SCHEDULER_URL may be wrong (code 1001: restful connection error)"
    )
    lines = doctor.fails("check", env={"AOPS_CHECK_SCHEDULER_URL": url})
    assert lines[0].startswith(f"adoctor: cannot reach {url}/check/result/get: ")


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("check --start yesterday", "'yesterday' is not a time; use YYYYmmdd-HH:MM:SS"),
        ("check --start 20301231-00:00:00 --end 2030-01-01", "is after the end"),
        ("checkrule --action delete", "--action delete needs --check_items"),
        ("checkrule --action add --conf x.json", "'x.json' does not exist"),
        ("checkrule --action add --export x --conf /dev/null", "--export does not apply to --action add"),
        ("checkrule --action test", "needs --check_items NAME (stored) or --conf FILE"),
        ("checkrule --action test --check_items a,b", "takes exactly one --check_items, got 2"),
        ("checkrule --action test --check_items a --sort start", "'start' is not 'check_item'"),
        ("checkrule --action test --check_items a --sort check_item", "--sort does not apply to --action"),
        ("stat --action count --field host", "'host' is not one of 'check_rule', 'check_result'"),
        ("repair --action get", "No such command 'repair'"),
    ],
)
def test_usage_errors_exit_2(doctor: Doctor, command: str, message: str) -> None:
    assert message in "\n".join(doctor.fails(command, code=2))


def test_help_and_version(doctor: Doctor) -> None:
    out = doctor.run("--help").out
    commands = out.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    assert [line.split()[0] for line in commands.splitlines()] == [
        "check", "checkrule", "diag", "faultree", "report", "stat", "task"
    ]  # fmt: skip
    assert "YYYYmmdd-HH:MM:SS" in out and "aops login" in out
    assert doctor.run("--version").out == f"adoctor {version('aops')}\n"
