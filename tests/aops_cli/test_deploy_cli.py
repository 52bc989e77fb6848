"""`aops template` and `aops task` against a real manager: the 21.09 lines as written, output and errors."""

from __future__ import annotations

from pathlib import Path

from tests.aops_cli.conftest import Api
from tests.aops_cli.conftest import Cli

STEP_FILE = """---
step_list:
 zookeeper:
  enable: true
  continue: false
 kafka:
  enable: false
  continue: false
variables:
 zookeeper:
  client_port: 2182
"""


def test_the_template_and_task_lines_run_as_written(
    cli: Cli, api: Api, token: str, name: str, tmp_path: Path
) -> None:
    steps = tmp_path / "steps.yml"
    steps.write_text(STEP_FILE)
    tpl, t = f"{name}tpl", token
    out = cli.ok(
        f"template --action import --template_name {tpl} --template_content {steps} --access_token {t}"
    ).out
    assert out == f"imported template {tpl}\n"
    out = cli.ok(f"template --action query --template_list {tpl} --sort template_name --access_token {t}").out
    header, _rule, row, summary = out.splitlines()
    assert header.split() == ["template_name", "description", "enabled", "steps", "steps"]
    assert row.split()[0] == tpl and row.split()[-2:] == ["zookeeper", "2"]
    assert summary == "1 of 1 template, page 1/1"

    api.group(f"{name}g")
    host_id = api.host(f"{name}h1", f"{name}g")
    api.host(f"{name}h2", f"{name}g")
    out = cli.ok(
        f"task --action generate --task_name {name}task --template_name {tpl} "
        f"--host_list {name}h1,{name}h2:zookeeper+kafka_hosts --access_token {t}"
    ).out
    task_id = out.split()[-1]
    assert out == f"generated task {name}task: {task_id}\n" and len(task_id) == 32
    reply = cli.ok(f"--json task --action query --task_list {task_id} --access_token {t}").json
    (task,) = reply["task_infos"]
    assert [(h["host_name"], h["components"]) for h in task["host_list"]] == [
        (f"{name}h1", ["zookeeper"]),
        (f"{name}h2", ["zookeeper", "kafka"]),
    ]
    assert task["host_list"][0]["host_id"] == host_id
    out = cli.ok(f"task --action query --task_list {task_id} --access_token {t}").out
    assert f"{name}h1 (zookeeper), {name}h2 (zookeeper+kafka)" in out.splitlines()[2]

    missing = "0" * 32
    out = cli.ok(f"task --action delete --task_list {task_id},{missing} --access_token {t}").out
    assert out == f"deleted 1 task: {task_id}, 1 failed: {missing}\n"
    out = cli.ok(f"template --action delete --template_list {tpl} --access_token {t}").out
    assert out == f"deleted 1 template: {tpl}\n"
    err = cli.fails(f"template --action delete --template_list {tpl} --access_token {t}")
    assert err == f"aops: no such template: {tpl} (code 1103: delete data from database fail)"


def test_a_bad_template_file_is_named_with_the_place_of_the_problem(
    cli: Cli, token: str, name: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("step_list:\n  zokeeper:\n    enable: true\n")
    err = cli.fails(
        f"template --action import --template_name {name} --template_content {bad} --access_token {token}"
    )
    assert err == (
        f"aops: {bad}: step_list.zokeeper: unknown component; did you mean zookeeper? "
        "(code 1000: request parameter error)"
    )
    bad.write_text("step_list: [zookeeper\n")
    err = cli.fails(
        f"template --action import --template_name {name} --template_content {bad} --access_token {token}"
    )
    assert err.startswith(f"aops: {bad}: is not valid YAML: line 2, column 1: ")


def test_errors_of_generate_name_the_field_and_json_prints_the_reply(cli: Cli, token: str, name: str) -> None:
    result = cli.run(
        f"--json task --action generate --task_name {name} --template_name nope --access_token {token}"
    )
    assert result.code == 1
    assert (result.json["code"], result.json["field"]) == (1000, "template_name.0")
    err = cli.fails(
        f"task --action generate --task_name {name} --host_list nohost:zookeeper --access_token {token}"
    )
    assert err == "aops: host nohost does not exist (code 1000: request parameter error)"


def test_options_of_another_action_are_refused(cli: Cli, token: str, tmp_path: Path) -> None:
    steps = tmp_path / "steps.yml"
    steps.write_text(STEP_FILE)
    for command, says in (
        ("task --action delete --task_name x --task_list a", "--task_name does not apply to --action delete"),
        ("task --action generate", "--action generate needs --task_name"),
        (
            f"template --action query --template_content {steps}",
            "--template_content does not apply to --action query",
        ),
    ):
        cli.refuses(f"{command} --access_token {token}", says=says)
