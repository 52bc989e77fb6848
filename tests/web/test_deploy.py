"""The deployment pages as a user works them in Chromium, through nginx with the shipped conf in
front of the services, deploying for real: the manager runs ansible-runner over SSH test hosts
in network namespaces (tests/sshhosts.py) with the small test components of
tests/aops_manager/ansible (testpkg writes a file on each host, probe reads it back).

Templates imported from YAML and JSON files (a bad file lists each field the manager names),
viewed, exported and re-imported, deleted; a task generated with hosts per component, executed
(and in check mode), its run watched live to the end per step and host, a failing step with its
task and message, a run cancelled, the run history, tasks deleted per item.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import Request
from playwright.sync_api import expect

from tests import sshhosts
from tests.aops_manager.deploying import Added
from tests.aops_manager.deploying import add_host
from tests.aops_manager.deploying import generate
from tests.aops_manager.deploying import template
from tests.suite import VAULT_KEY
from tests.suite import Suite
from tests.web.browser import PageGuard
from tests.web.browser import Shots
from tests.web.browser import settled_hosts
from tests.web.conftest import WebStack
from tests.web.flows import PASSWORD
from tests.web.flows import choose
from tests.web.flows import field_error
from tests.web.flows import log_in
from tests.web.flows import new_user
from tests.web.flows import session_token

TASKS = "/task/task-management"
TEMPLATES = "/task/templates"
# A run of the test components takes a few seconds; more on a loaded machine.
RUN_TIMEOUT = 90_000


@pytest.fixture(scope="module")
def hosts() -> Iterator[sshhosts.SshHosts]:
    """Two SSH test hosts of the module's own; nothing deployed on them before each test."""
    yield from settled_hosts(2)


@pytest.fixture
def clean(hosts: sshhosts.SshHosts) -> sshhosts.SshHosts:
    for host in hosts.hosts:
        shutil.rmtree(host.root / "opt", ignore_errors=True)
    return hosts


def conf_of(host: sshhosts.SshHost) -> Path:
    return host.root / "opt" / "testpkg" / "testpkg.conf"


def call(suite: Suite, token: str, path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
    status, reply = suite.call(method, path, body, token)
    assert status == 200, reply
    return reply


def steps(hosts: sshhosts.SshHosts, *, probe: bool = True, **testpkg: object) -> dict[str, Any]:
    """testpkg (configured with `testpkg`, e.g. greeting, fail_on, slow) then the probe step,
    which reads testpkg's file back (`probe` false: the step is not enabled)."""
    base = str(hosts.base / "hosts")
    probed = {"hosts_base": base, "greeting": testpkg.get("greeting", "hello")}
    return template(
        {"testpkg": {"enable": True, "continue": False}, "probe": {"enable": probe, "continue": False}},
        {"testpkg": {"hosts_base": base, **testpkg}, "probe": probed},
    )


def user_with_hosts(
    page: Page, stack: WebStack, hosts: sshhosts.SshHosts, path: str
) -> tuple[str, Added, Added]:
    """A new user logged in on `path`, with the test hosts as its hosts (one logging in with a
    password, one with a key; adding them leaves the vault key in the manager's memory)."""
    log_in(page, new_user(stack.suite), path=path)
    token = session_token(page)
    a = add_host(stack.suite, token, hosts, hosts.hosts[0], auth="password")
    b = add_host(stack.suite, token, hosts, hosts.hosts[1], auth="key")
    return token, a, b


def template_row(page: Page, name: str) -> Locator:
    return page.locator(
        "[data-test=templates-table] tbody tr.ant-table-row",
        has=page.locator("[data-test=template-link]", has_text=re.compile(f"^{re.escape(name)}$")),
    )


def task_row(page: Page, name: str) -> Locator:
    return page.locator(
        "[data-test=tasks-table] tbody tr.ant-table-row",
        has=page.locator("[data-test=task-name-cell]", has_text=re.compile(f"^{re.escape(name)}$")),
    )


def execute_ui(page: Page, task_name: str, *, check: bool = False) -> str:
    """Execute the task from its row, confirmed (in check mode when asked); the run id."""
    task_row(page, task_name).locator("[data-test=task-execute]").click()
    dialog = page.locator(".ant-modal", has=page.locator("[data-test=execute-dialog]"))
    expect(dialog.locator("[data-test=execute-warning]")).to_contain_text("the hosts will change")
    if check:
        dialog.locator("[data-test=check-mode]").click()
        expect(dialog.locator("[data-test=execute-warning]")).to_contain_text("changes nothing")
    dialog.locator(".ant-btn-primary").click()
    expect(page).to_have_url(re.compile(r"/task/runs/[0-9a-f]{32}$"))
    return page.url.rsplit("/", 1)[1]


def run_status(page: Page, status: str) -> None:
    expect(page.locator("[data-test=run-page]")).to_have_attribute("data-status", status, timeout=RUN_TIMEOUT)


def step_card(page: Page, step: str) -> Locator:
    return page.locator(f"[data-test=run-step][data-step={step}]")


def host_row(page: Page, step: str, host: str) -> Locator:
    return step_card(page, step).locator(
        "tr.ant-table-row", has=page.locator("[data-test=host-name]", has_text=re.compile(f"^{host}$"))
    )


def host_state(page: Page, step: str, host: str) -> Locator:
    return host_row(page, step, host).locator("[data-test=state]")


class StatusReads:
    """The run view's reads of one run (`/manage/task/status` with its run id), as sent."""

    def __init__(self, page: Page, run_id: str) -> None:
        self.count = 0
        self.run_id = run_id
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if request.url.endswith("/api/manage/task/status") and self.run_id in (request.post_data or ""):
            self.count += 1

    def during(self, page: Page, ms: int) -> int:
        before = self.count
        page.wait_for_timeout(ms)
        return self.count - before


STEP_FILE = """\
---
# A component and a custom step, as a 21.09 step file
step_list:
  testpkg:
    enable: true
  probe:
    enable: true
    continue: true
variables:
  testpkg:
    greeting: "yes"
    fail_on: [web-1]
"""

BAD_STEP_FILE = """\
step_list:
  testpkgg:
    enable: true
  testpkg:
    enable: "yes"
variables:
  testpkg:
    slow: fast
"""


def test_templates_are_imported_from_yaml_and_json_viewed_exported_and_deleted(
    page: Page, nginx_stack: WebStack, guard: PageGuard, shot: Shots, tmp_path: Path
) -> None:
    suite = nginx_stack.suite
    log_in(page, new_user(suite), path=TEMPLATES)
    token = session_token(page)
    expect(page.locator("[data-test=templates-page]")).to_be_visible()

    # A YAML step file: the template takes the file's name unless given one.
    step_file = tmp_path / "base.yml"
    step_file.write_text(STEP_FILE)
    page.click("[data-test=template-import]")
    with page.expect_file_chooser() as chooser:
        page.click("[data-test=template-choose]")
    chooser.value.set_files(str(step_file))
    expect(page.locator("[data-test=template-file-name]")).to_have_text("base.yml")
    expect(page.locator("[data-test=template-name]")).to_have_value("base")
    page.fill("[data-test=template-description]", "testpkg then probe")
    shot(page, "import-form")
    page.click("[data-test=import-template-submit]")
    expect(page.get_by_text("Template base imported")).to_be_visible()
    row = template_row(page, "base")
    expect(row.locator("[data-test=template-step]")).to_have_text(["testpkg", "probe"])
    expect(row).to_contain_text("testpkg then probe")
    stored = call(suite, token, "/manage/template/get", {"template_list": ["base"]})["template_infos"][0]
    assert stored["template_content"] == {
        "step_list": {
            "testpkg": {"enable": True, "continue": False},
            "probe": {"enable": True, "continue": True},
        },
        "variables": {"testpkg": {"greeting": "yes", "fail_on": ["web-1"]}},
    }

    # Its steps and variables, and the step file it exports as.
    row.locator("[data-test=template-link]").click()
    view = page.locator("[data-test=template-view]")
    expect(view.locator("[data-test=template-steps] tbody tr.ant-table-row")).to_have_count(2)
    expect(view.locator("[data-test=template-variables]")).to_contain_text('["web-1"]')
    assert (
        yaml.safe_load(view.locator("[data-test=template-yaml]").inner_text()) == stored["template_content"]
    )
    shot(page, "template-view")
    page.keyboard.press("Escape")
    with page.expect_download() as download:
        row.locator("[data-test=template-export]").click()
    assert download.value.suggested_filename == "base.yml"
    exported = tmp_path / "exported" / "base-copy.yml"
    exported.parent.mkdir()
    download.value.save_as(exported)
    assert yaml.safe_load(exported.read_text()) == stored["template_content"]

    # The exported file imports back; so does a JSON step file.
    page.click("[data-test=template-import]")
    page.set_input_files("[data-test=template-file]", str(exported))
    page.click("[data-test=import-template-submit]")
    expect(page.get_by_text("Template base-copy imported")).to_be_visible()
    as_json = tmp_path / "from-json.json"
    as_json.write_text(json.dumps({"step_list": {"probe": {"enable": True}}}))
    page.click("[data-test=template-import]")
    page.set_input_files("[data-test=template-file]", str(as_json))
    page.click("[data-test=import-template-submit]")
    expect(page.get_by_text("Template from-json imported")).to_be_visible()
    expect(page.locator("[data-test=template-total]")).to_have_text("3 templates")
    copy = call(suite, token, "/manage/template/get", {"template_list": ["base-copy"]})["template_infos"][0]
    assert copy["template_content"] == stored["template_content"]

    # A bad file: every problem with the field the manager names, nothing stored.
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_STEP_FILE)
    page.click("[data-test=template-import]")
    page.set_input_files("[data-test=template-file]", str(bad))
    guard.expect(400, "/api/manage/template/import")
    page.click("[data-test=import-template-submit]")
    problems = page.locator("[data-test=template-problems]")
    expect(problems.locator("[data-test=problem-field]")).to_have_text(
        ["template_yaml.step_list.testpkg.enable"]
    )
    shot(page, "bad-template")
    # Once its step is a boolean, the unknown component and the bad variable are what is left.
    bad.write_text(BAD_STEP_FILE.replace('"yes"', "true"))
    page.set_input_files("[data-test=template-file]", str(bad))
    page.click("[data-test=import-template-submit]")
    expect(problems.locator("[data-test=problem-field]")).to_have_text(
        ["template_yaml.step_list.testpkgg", "template_yaml.variables.testpkg.slow"]
    )
    expect(problems.locator("[data-test=problem-error]").first).to_contain_text("did you mean testpkg?")
    # Text that is not YAML: the line and column.
    bad.write_text("step_list: [testpkg\n")
    page.set_input_files("[data-test=template-file]", str(bad))
    page.click("[data-test=import-template-submit]")
    expect(problems.locator("[data-test=problem-field]")).to_have_text(["template_yaml"])
    expect(problems.locator("[data-test=problem-error]")).to_contain_text("line 2")
    # A name that is taken: under the name.
    page.set_input_files("[data-test=template-file]", str(step_file))
    page.fill("[data-test=template-name]", "base")
    guard.expect(409, "/api/manage/template/import")
    page.click("[data-test=import-template-submit]")
    expect(field_error(page, "template-name")).to_be_visible()
    expect(problems).to_have_count(0)
    page.keyboard.press("Escape")
    assert call(suite, token, "/manage/template/get", {})["total_count"] == 3

    # Delete two of them.
    for name in ("base-copy", "from-json"):
        template_row(page, name).locator(".ant-checkbox-input").check()
    page.click("[data-test=template-delete]")
    page.locator(".ant-popconfirm:visible .ant-btn-primary").click()
    expect(page.locator("[data-test=batch-result]")).to_contain_text("2 templates deleted")
    expect(page.locator("[data-test=template-total]")).to_have_text("1 templates")
    shot(page, "templates-deleted")
    names = [t["template_name"] for t in call(suite, token, "/manage/template/get", {})["template_infos"]]
    assert names == ["base"]


def test_a_task_is_generated_executed_and_watched_to_the_end_then_run_in_check_mode(
    page: Page, nginx_stack: WebStack, clean: sshhosts.SshHosts, shot: Shots
) -> None:
    suite, hosts = nginx_stack.suite, clean
    token, a, b = user_with_hosts(page, nginx_stack, hosts, TASKS)
    body = {"template_name": "greet", "template_content": steps(hosts, greeting="bonjour")}
    call(suite, token, "/manage/template/import", body)

    # Generate: the template, both hosts; b gets testpkg only, a every enabled component.
    page.click("[data-test=task-generate]")
    page.fill("[data-test=task-name]", "greet hosts")
    choose(page, "task-templates", "greet", close="Tab")
    choose(page, "task-hosts", a.name, close="Tab")
    choose(page, "task-hosts", b.name, close="Tab")
    components = page.locator(f"[data-test=host-components][data-host={b.name}] .ant-select")
    choose(page, components, "testpkg", close="Tab")
    shot(page, "generate")
    page.click("[data-test=generate-task-submit]")
    expect(page.get_by_text("Task greet hosts generated")).to_be_visible()
    expect(task_row(page, "greet hosts").locator("[data-test=task-host]")).to_have_text(
        [f"{a.name}: testpkg, probe", f"{b.name}: testpkg"]
    )

    # Execute, confirmed: the run view follows the run to its end, every second.
    run_id = execute_ui(page, "greet hosts")
    reads = StatusReads(page, run_id)
    expect(step_card(page, "testpkg")).to_be_visible()
    shot(page, "run-live")
    run_status(page, "succeeded")
    shot(page, "run-succeeded")
    expect(host_state(page, "testpkg", a.name)).to_have_attribute("data-status", "changed")
    expect(host_state(page, "testpkg", b.name)).to_have_attribute("data-status", "changed")
    expect(host_state(page, "probe", a.name)).to_have_attribute("data-status", "ok")
    expect(host_row(page, "probe", b.name)).to_have_count(0)
    overview = page.locator("[data-test=run-overview] tbody tr.ant-table-row", has_text=b.name)
    expect(overview.locator("[data-test=state]")).to_have_count(2)
    expect(overview.locator("[data-test=state]").nth(1)).to_have_attribute("data-status", "")
    output = host_row(page, "probe", a.name).locator("[data-test=host-output]")
    output.locator("summary").click()
    expect(output).to_contain_text("ok: [")
    expect(page.locator("[data-test=run-check-mode]")).to_have_count(0)
    for host in hosts.hosts:
        assert conf_of(host).read_text() == "greeting=bonjour\n"
    # Ended: no more reads.
    assert reads.during(page, 2500) == 0

    # Check mode, with a new greeting: testpkg would change on both hosts, and changes nothing
    # (probe, which would read the new greeting back, is not enabled).
    call(suite, token, "/manage/template/delete", {"template_list": ["greet"]}, "DELETE")
    body = {"template_name": "greet", "template_content": steps(hosts, probe=False, greeting="hola")}
    call(suite, token, "/manage/template/import", body)
    page.click("[data-test=run-back]")
    expect(page).to_have_url(re.compile(r"/task/task-management\?runs=[0-9a-f]{32}$"))
    expect(page.locator("[data-test=run-history] tbody tr.ant-table-row")).to_have_count(1)
    page.keyboard.press("Escape")
    check_id = execute_ui(page, "greet hosts", check=True)
    expect(page.locator("[data-test=run-check-mode]")).to_contain_text("nothing is changed")
    run_status(page, "succeeded")
    expect(host_state(page, "testpkg", a.name)).to_have_attribute("data-status", "changed")
    expect(host_state(page, "testpkg", b.name)).to_have_attribute("data-status", "changed")
    expect(host_state(page, "probe", a.name)).to_have_attribute("data-status", "skipped")
    shot(page, "run-check-mode")
    for host in hosts.hosts:
        assert conf_of(host).read_text() == "greeting=bonjour\n"

    # The task's history, newest first: the check run (shown here), then the first, which opens.
    history = page.locator("[data-test=run-history] tbody tr.ant-table-row")
    expect(history).to_have_count(2)
    expect(history.nth(0).locator("[data-test=run-check]")).to_be_visible()
    expect(history.nth(0).locator("[data-test=open-run]")).to_have_count(0)
    history.nth(1).locator("[data-test=open-run]").click()
    expect(page).to_have_url(re.compile(f"/task/runs/{run_id}$"))
    run_status(page, "succeeded")
    expect(page.locator("[data-test=run-check-mode]")).to_have_count(0)
    expect(history.nth(0).locator("[data-test=open-run]")).to_be_visible()
    shot(page, "run-history")
    listed = call(suite, token, "/manage/task/status", {"task_id": task_id_of(suite, token, "greet hosts")})
    assert [r["run_id"] for r in listed["run_list"]] == [check_id, run_id]


def task_id_of(suite: Suite, token: str, name: str) -> str:
    tasks = call(suite, token, "/manage/task/get", {})["task_infos"]
    return str(next(t["task_id"] for t in tasks if t["task_name"] == name))


def test_a_failing_step_shows_its_task_and_message_and_a_run_is_cancelled(
    page: Page, nginx_stack: WebStack, clean: sshhosts.SshHosts, guard: PageGuard, shot: Shots
) -> None:
    suite, hosts = nginx_stack.suite, clean
    token, a, b = user_with_hosts(page, nginx_stack, hosts, TASKS)
    failing_id = generate(
        suite, token, [steps(hosts, fail_on=[a.name])], [(a, ["testpkg", "probe"]), (b, ["testpkg"])]
    )
    slow_id = generate(suite, token, [steps(hosts, slow=30)], [(a, ["testpkg"])])
    names = {t["task_id"]: t["task_name"] for t in call(suite, token, "/manage/task/get", {})["task_infos"]}
    failing, slow = names[failing_id], names[slow_id]
    # Another session's logout drops the user's vault key from the manager (as its restart does).
    username = page.evaluate("() => JSON.parse(localStorage.getItem('aops.session')).username")
    assert suite.call("POST", "/manage/account/logout", {}, suite.login(username, PASSWORD))[0] == 200
    page.reload()

    # Executing asks for the vault key first (1203), then starts the run with it.
    # testpkg fails on a (it does not continue): a's task and message, its output open; probe skipped.
    guard.expect(403, "/api/manage/task/execute")
    task_row(page, failing).locator("[data-test=task-execute]").click()
    page.locator(".ant-modal", has=page.locator("[data-test=execute-dialog]")).locator(
        ".ant-btn-primary"
    ).click()
    asked = page.locator(".ant-modal-content", has=page.locator("[data-test=vault-key]"))
    expect(asked.locator("[data-test=vault-key-reason]")).to_contain_text("The run logs in to the hosts")
    asked.locator("[data-test=vault-key]").fill(VAULT_KEY)
    asked.locator("[data-test=vault-key-submit]").click()
    expect(page).to_have_url(re.compile(r"/task/runs/[0-9a-f]{32}$"))
    run_status(page, "failed")
    expect(page.locator("[data-test=run-reason]")).to_have_text("failed steps: testpkg")
    expect(step_card(page, "testpkg").locator("[data-test=state]").first).to_have_attribute(
        "data-status", "failed"
    )
    failed = host_row(page, "testpkg", a.name)
    expect(failed.locator("[data-test=state]")).to_have_attribute("data-status", "failed")
    expect(failed.locator("[data-test=host-task]")).to_have_text("Start testpkg")
    expect(failed.locator("[data-test=host-message]")).to_have_text(f"testpkg did not start on {a.name}")
    expect(failed.locator("[data-test=host-output] pre")).to_be_visible()
    expect(failed.locator("[data-test=host-output]")).to_contain_text("fatal: [")
    expect(host_state(page, "testpkg", b.name)).to_have_attribute("data-status", "changed")
    expect(host_state(page, "probe", a.name)).to_have_attribute("data-status", "skipped")
    expect(host_row(page, "probe", a.name).locator("[data-test=host-message]")).to_have_text(
        "the step testpkg failed and does not continue"
    )
    shot(page, "run-failed")

    # A slow run: read every second while it runs, not at all once the page is left.
    page.click("[data-test=run-back]")
    page.keyboard.press("Escape")
    run_id = execute_ui(page, slow)
    reads = StatusReads(page, run_id)
    expect(host_state(page, "testpkg", a.name)).to_have_attribute(
        "data-status", "running", timeout=RUN_TIMEOUT
    )
    # About one a second (each waits for the previous answer, slower on a loaded machine).
    assert 2 <= reads.during(page, 4000) <= 6
    shot(page, "run-running")
    page.click("[data-test=run-back]")
    expect(page.locator("[data-test=run-history] tbody tr.ant-table-row")).to_have_count(1)
    assert reads.during(page, 2500) == 0

    # Back in the run from the task's history, cancelled: its running host ends cancelled.
    page.locator("[data-test=run-history] [data-test=open-run]").click()
    expect(host_state(page, "testpkg", a.name)).to_have_attribute("data-status", "running")
    page.click("[data-test=run-cancel]")
    page.locator(".ant-popconfirm:visible .ant-btn-primary").click()
    run_status(page, "cancelled")
    expect(host_state(page, "testpkg", a.name)).to_have_attribute("data-status", "cancelled")
    expect(page.locator("[data-test=run-cancel]")).to_have_count(0)
    shot(page, "run-cancelled")


def test_tasks_are_deleted_per_item_and_a_taken_name_is_refused_under_its_field(
    page: Page, nginx_stack: WebStack, guard: PageGuard, shot: Shots
) -> None:
    suite = nginx_stack.suite
    log_in(page, new_user(suite), path=TASKS)
    token = session_token(page)
    ids = {
        name: call(
            suite, token, "/manage/task/generate", {"task_name": name, "template_name": [], "host_list": []}
        )["task_id"]
        for name in ("t-one", "t-two", "t-three")
    }
    page.reload()
    expect(page.locator("[data-test=task-total]")).to_have_text("3 tasks")

    # A task without hosts cannot be executed: the dialog says so.
    task_row(page, "t-one").locator("[data-test=task-execute]").click()
    dialog = page.locator(".ant-modal", has=page.locator("[data-test=execute-dialog]"))
    expect(dialog).to_contain_text("This task has no hosts")
    expect(dialog.locator(".ant-btn-primary")).to_be_disabled()
    dialog.locator(".ant-modal-close").click()

    # A name the user has: refused under the name.
    page.click("[data-test=task-generate]")
    page.fill("[data-test=task-name]", "t-one")
    guard.expect(409, "/api/manage/task/generate")
    page.click("[data-test=generate-task-submit]")
    expect(field_error(page, "task-name")).to_contain_text("t-one")
    shot(page, "generate-taken-name")
    page.keyboard.press("Escape")

    # Delete two, one of which goes behind the browser's back: that one fails, by its name.
    for name in ("t-two", "t-three"):
        task_row(page, name).locator(".ant-checkbox-input").check()
    call(suite, token, "/manage/task/delete", {"task_list": [ids["t-three"]]}, "DELETE")
    page.click("[data-test=task-delete]")
    page.locator(".ant-popconfirm:visible .ant-btn-primary").click()
    result = page.locator("[data-test=batch-result]")
    expect(result).to_contain_text("1 tasks deleted")
    expect(result.locator("[data-test=batch-failed-item] strong")).to_have_text(["t-three"])
    expect(page.locator("[data-test=task-total]")).to_have_text("1 tasks")
    shot(page, "tasks-deleted")
    assert [t["task_id"] for t in call(suite, token, "/manage/task/get", {})["task_infos"]] == [ids["t-one"]]

    # A run that is not the user's (or went with its task): the run view says so.
    guard.expect(404, "/api/manage/task/status")
    page.goto(f"/task/runs/{'0' * 32}")
    expect(page.locator("[data-test=run-missing]")).to_contain_text("You have no run")
