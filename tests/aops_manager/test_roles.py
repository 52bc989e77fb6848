"""The shipped roles and playbooks: syntax, catalogue, templates, check mode and real runs on test hosts."""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from typing import TypeVar

import ansible_runner
import jinja2
import pytest
import yaml

from aops_manager.deploy import components
from aops_manager.deploy.components import COMPONENTS
from aops_manager.deploy.components import Origin
from aops_manager.deploy.components import Scope
from tests.sshhosts import SshHost
from tests.sshhosts import SshHosts
from tests.sshhosts import ansible_program
from tests.sshhosts import write_inventory

REPO = Path(__file__).parents[2]
PLAYBOOKS = components.PLAYBOOK_DIR
ROLES = components.ROLE_DIR
# Debian 12 packages none of these: their install steps refuse without a package file.
UNPACKAGED_ON_DEBIAN = ("kafka", "elasticsearch", "fluentd", "gala_gopher")
TestT = TypeVar("TestT", bound=Callable[..., None])


def runs_roles(test: TestT) -> TestT:
    """Marks a test that runs roles on the SSH test hosts: slow, and it takes minutes on a loaded
    2-core machine (every task is an SSH round trip)."""
    marked: TestT = pytest.mark.slow(pytest.mark.timeout(900)(test))
    return marked


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


# ------------------------------------------------------------------- without hosts


def test_every_playbook_passes_the_syntax_check(tmp_path: Path) -> None:
    playbooks = [component.playbook for component in COMPONENTS.values()] + [PLAYBOOKS / "site.yml"]
    result = subprocess.run(
        [ansible_program("ansible-playbook"), "--syntax-check", *map(str, playbooks)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    for playbook in playbooks:
        assert f"playbook: {playbook}" in result.stdout


def test_the_catalogue_names_every_shipped_playbook_and_role_and_nothing_else() -> None:
    assert list(COMPONENTS) == [
        "zookeeper", "kafka", "prometheus", "node_exporter", "mysql", "elasticsearch", "fluentd",
        "adoctor_check_executor", "adoctor_check_scheduler", "adoctor_diag_executor",
        "adoctor_diag_scheduler", "gala_gopher", "gala_spider", "gala_ragdoll",
    ]  # fmt: skip
    assert {path.stem for path in PLAYBOOKS.glob("*.yml")} == {*COMPONENTS, "site"}
    assert {path.name for path in ROLES.iterdir()} == {*COMPONENTS, "aops_common"}
    site = [entry["ansible.builtin.import_playbook"] for entry in load_yaml(PLAYBOOKS / "site.yml")]
    assert site == [f"{name}.yml" for name in COMPONENTS]


@pytest.mark.parametrize("name", list(COMPONENTS))
def test_the_catalogue_matches_the_playbook_and_the_role_defaults(name: str) -> None:
    component = COMPONENTS[name]
    (play,) = load_yaml(component.playbook)
    assert play["hosts"] == component.group
    assert play["roles"] == [{"role": f"../roles/{name}"}]
    defaults = load_yaml(component.role / "defaults" / "main.yml")
    assert set(defaults) == {variable.name for variable in component.own_variables}
    for variable in component.own_variables:
        if variable.default is None:  # computed per host by the role
            assert "{{" in defaults[variable.name], variable.name
        else:
            assert defaults[variable.name] == variable.default, variable.name
            assert variable.problem(variable.default) is None, variable.name
    main = (component.role / "tasks" / "main.yml").read_text()
    for step, flag in (("install", component.install_flag), ("config", component.config_flag),
                       ("start", component.start_flag)):  # fmt: skip
        assert f"include_tasks: {step}_{name}.yml\n  when: {flag} | bool" in main
    if component.origin is Origin.DISTRIBUTION:
        tables = load_yaml(component.role / "vars" / "main.yml")[f"{name}_os"]
        assert {family: tuple(table["packages"]) for family, table in tables.items()} == component.packages


def test_the_common_defaults_match_the_catalogue() -> None:
    defaults = load_yaml(ROLES / "aops_common" / "defaults" / "main.yml")
    shared = components.COMMON_VARIABLES + components.AOPS_PACKAGE_VARIABLES
    assert defaults == {variable.name: variable.default for variable in shared}
    for component in COMPONENTS.values():
        assert "- role: aops_common" in (component.role / "meta" / "main.yml").read_text()
        ours = component.origin is Origin.AOPS
        assert ("aops_package" in component.variables) == ours


def test_the_catalogue_refuses_an_unknown_component_and_bad_variables() -> None:
    with pytest.raises(components.UnknownComponentError, match="unknown component 'redis'"):
        components.check_variables("redis", {})
    problems = components.check_variables(
        "kafka",
        {"kafka_port": 70000, "install_kafka": "yes", "aops_start_mode": "cron", "colour": "red",
         "zk_client_port": 2181, "aops_package": "/tmp/aops.whl"},
    )  # fmt: skip
    assert [(problem.field, problem.message) for problem in problems] == [
        ("kafka.kafka_port", "must be a port number (1-65535)"),
        ("kafka.install_kafka", "must be true or false"),
        ("kafka.aops_start_mode", "must be one of systemd, command, none"),
        ("kafka.colour", "unknown variable of component kafka"),
        ("kafka.aops_package", "unknown variable of component kafka"),  # only our own services take it
    ]
    assert (
        components.check_variables("gala_spider", {"exclude_addr": ["10.0.0.1"], "gala_spider_port": 11115})
        == []
    )
    assert components.component("kafka").variables["kafka_id"].scope is Scope.HOST


def render(template: Path, variables: dict[str, Any]) -> str:
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return environment.from_string(template.read_text()).render(variables)


def role_defaults(name: str) -> dict[str, Any]:
    common = load_yaml(ROLES / "aops_common" / "defaults" / "main.yml")
    return common | load_yaml(ROLES / name / "defaults" / "main.yml") | {"ansible_managed": "managed"}


SERVICES = {
    "adoctor_check_executor": ("check_executor.ini", "adoctor-check-executor"),
    "adoctor_check_scheduler": ("check_scheduler.ini", "adoctor-check-scheduler"),
    "adoctor_diag_executor": ("diag_executor.ini", "adoctor-diag-executor"),
    "adoctor_diag_scheduler": ("diag_scheduler.ini", "adoctor-diag-scheduler"),
}


@pytest.mark.parametrize("name", list(SERVICES))
def test_a_service_role_with_its_defaults_writes_the_shipped_ini_file(name: str) -> None:
    ini, _ = SERVICES[name]
    rendered = render(ROLES / name / "templates" / f"{ini}.j2", role_defaults(name))
    assert rendered == "; managed\n" + (REPO / "conf" / ini).read_text()
    changed = render(
        ROLES / name / "templates" / f"{ini}.j2", role_defaults(name) | {"kafka_server_list": "k1:9092"}
    )
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",))
    parser.read_string(changed)
    brokers = [
        parser[section]["kafka_server_list"] for section in parser if "kafka_server_list" in parser[section]
    ]
    assert brokers and set(brokers) == {"k1:9092"}


@pytest.mark.parametrize("name", list(SERVICES))
def test_a_service_unit_is_the_shipped_one_started_from_the_virtual_environment(name: str) -> None:
    _, unit = SERVICES[name]
    variables = role_defaults(name) | {"aops_venv": "/usr"}  # the RPM's layout: /usr/bin/<script>
    rendered = render(ROLES / name / "templates" / f"{unit}.service.j2", variables).splitlines()
    conf_dir = next(value for key, value in variables.items() if key.endswith("_conf_dir"))
    assert rendered[0] == "# managed"
    assert rendered.pop(rendered.index(f"Environment=AOPS_CONF_DIR={conf_dir}")) and rendered[1:] == (
        (REPO / "systemd" / f"{unit}.service").read_text().splitlines()
    )


# ------------------------------------------------------------------- on SSH test hosts


@pytest.fixture(scope="module")
def aops_sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's sdist (built without network): what the roles of our services copy and pip-install."""
    directory = tmp_path_factory.mktemp("sdist")
    build = f"from setuptools import build_meta; print(build_meta.build_sdist({str(directory)!r}))"
    result = subprocess.run(
        [sys.executable, "-c", build], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    return directory / result.stdout.strip().splitlines()[-1]


def test_the_package_ships_every_role_and_playbook_and_the_catalogue(aops_sdist: Path) -> None:
    with tarfile.open(aops_sdist) as archive:
        shipped = {Path(*Path(name).parts[1:]) for name in archive.getnames()}
    tree = {path.relative_to(REPO) for path in components.ANSIBLE_DIR.rglob("*") if path.is_file()}
    assert len(tree) > 100 and tree <= shipped
    assert components.CATALOGUE_FILE.relative_to(REPO) in shipped


def inventory(
    hosts: SshHosts, groups: dict[str, list[SshHost]], host_vars: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Each group with its hosts; every host deploys into its own root directory."""
    extra = host_vars or {}
    return {
        group: {
            "hosts": {
                host.name: hosts.host_vars(host) | {"aops_root": str(host.root)} | extra.get(host.name, {})
                for host in members
            }
        }
        for group, members in groups.items()
    }


def run_playbooks(
    hosts: SshHosts, directory: Path, groups: dict[str, list[SshHost]], playbooks: list[str],
    extravars: dict[str, Any], *, check: bool = False, host_vars: dict[str, dict[str, Any]] | None = None,
) -> ansible_runner.Runner:  # fmt: skip
    """Runs the playbooks in one ansible-playbook (a play per playbook) through ansible-runner."""
    (directory / "runner").mkdir(parents=True)
    entry = directory / "entry.yml"
    entry.write_text(
        yaml.safe_dump([{"ansible.builtin.import_playbook": str(PLAYBOOKS / p)} for p in playbooks])
    )
    path = write_inventory(directory / "inventory.yml", inventory(hosts, groups, host_vars))
    settings = {
        key: value
        for key, value in hosts.ansible_env().items()
        if key.startswith("ANSIBLE_") or key == "PATH"
    }
    # One SSH connection per host for the whole run instead of one per task (a third of the
    # time: these runs have hundreds of tasks). The masters live in this run's own folder, so no
    # other test reuses them, and end 3 s after the run's last task. A short folder: a socket's
    # path (with the suffix ssh adds while it makes one) must fit in 108 bytes.
    settings["ANSIBLE_SSH_ARGS"] = (
        "-o ControlMaster=auto -o ControlPersist=3s -o UserKnownHostsFile=/dev/null"
    )
    settings["ANSIBLE_SSH_CONTROL_PATH_DIR"] = tempfile.mkdtemp(prefix="cp", dir=hosts.base)
    return ansible_runner.run(
        private_data_dir=str(directory / "runner"), playbook=str(entry), inventory=str(path),
        extravars=extravars, cmdline="--check --diff" if check else None, envvars=settings, quiet=True,
    )  # fmt: skip


def results(runner: ansible_runner.Runner, kind: str) -> Iterator[dict[str, Any]]:
    for event in runner.events:
        if event["event"] == f"runner_on_{kind}":
            yield event["event_data"]


def failures(runner: ansible_runner.Runner) -> list[str]:
    bad = [*results(runner, "failed"), *results(runner, "unreachable")]
    return [f"{data['play']} / {data['task']} on {data['host']}: {data['res'].get('msg')}" for data in bad]


def written(runner: ansible_runner.Runner, host: SshHost, task: str) -> str:
    """What a template or copy task would write on the host (its --diff; a new file's diff does
    not name the destination, so the task is named)."""
    for data in results(runner, "ok"):
        if data["host"] == host.name and data["task"] == task:
            diff = data["res"]["diff"]
            return str((diff[0] if isinstance(diff, list) else diff)["after"])
    raise AssertionError(f"task {task!r} wrote nothing on {host.name}")


@runs_roles
def test_every_role_runs_in_check_mode_on_the_test_hosts_and_changes_nothing(
    test_hosts: SshHosts, aops_sdist: Path, tmp_path: Path
) -> None:
    both = test_hosts.hosts
    # A fresh deploy root per host (other tests deploy into the hosts' roots): it must stay empty.
    roots = {host.name: host.root / f"check-{tmp_path.name}" for host in both}
    for root in roots.values():
        root.mkdir()
    extravars: dict[str, Any] = {"aops_start_mode": "command", "aops_package": str(aops_sdist)}
    extravars |= {COMPONENTS[name].install_flag: False for name in UNPACKAGED_ON_DEBIAN}
    # Two hosts where a role reads the group's other hosts; one elsewhere (every task costs).
    multi = {"zookeeper_hosts", "kafka_hosts", "node_exporter_hosts", "elasticsearch_hosts"}
    groups = {c.group: both if c.group in multi else [both[0]] for c in COMPONENTS.values()}
    started = time.monotonic()
    runner = run_playbooks(
        test_hosts, tmp_path / "check", groups, ["site.yml"], extravars, check=True,
        host_vars={name: {"aops_root": str(root)} for name, root in roots.items()},
    )  # fmt: skip
    assert failures(runner) == [] and runner.status == "successful", runner.stdout.read()
    plays = {data["play"] for data in results(runner, "ok")}
    assert plays == {f"Deploy {name}" for name in COMPONENTS}
    for root in roots.values():
        assert list(root.iterdir()) == [], "check mode wrote files"
    first, second = both
    assert written(runner, second, "Write zoo.cfg (every host of zookeeper_hosts is a server)").endswith(
        f"server.1={first.address}:2888:3888\nserver.2={second.address}:2888:3888\n"
    )
    assert written(runner, second, "Write this host's server id (myid)").strip() == "2"
    kafka = written(runner, first, "Write server.properties")
    assert "broker.id=1\n" in kafka and f"listeners=PLAINTEXT://{first.address}:9092\n" in kafka
    assert f"zookeeper.connect={first.address}:2181,{second.address}:2181\n" in kafka
    prometheus = yaml.safe_load(
        written(runner, first, "Write prometheus.yml (scrape every node_exporter host)")
    )
    targets = prometheus["scrape_configs"][1]["static_configs"][0]["targets"]
    assert targets == [f"{first.address}:9100", f"{second.address}:9100"]
    elasticsearch = yaml.safe_load(written(runner, second, "Write elasticsearch.yml"))
    assert elasticsearch["network.host"] == second.address and elasticsearch["node.name"] == second.name
    assert elasticsearch["discovery.seed_hosts"] == [first.address, second.address]
    assert elasticsearch["cluster.initial_master_nodes"] == [first.name]
    assert f"index_name {first.address}\n" in written(runner, first, "Write fluent.conf")
    assert 'kafka_broker = "127.0.0.1:9092";' in written(runner, first, "Write gala-gopher.conf")
    root = roots[first.name]
    assert f'git_dir = "{root}/home/confTraceTest"' in written(runner, first, "Write gala-ragdoll.conf")
    unit = written(runner, first, "Install adoctor-diag-scheduler.service")
    assert f"ExecStart={root}/opt/aops/venv/bin/adoctor-diag-scheduler serve\n" in unit
    print(f"check mode of 14 roles on 2 hosts: {time.monotonic() - started:.1f} s")


@runs_roles
def test_components_debian_does_not_package_fail_with_a_message_naming_the_package_file_variable(
    test_hosts: SshHosts, tmp_path: Path
) -> None:
    host, other = test_hosts.hosts
    # One inventory host per component (all the same machine): a failure ends only its own play.
    # A play whose every host failed ends the whole run, so each group also holds a host that
    # skips every step.
    aliases = {
        name: SshHost(f"{name}_host", host.address, host.namespace, host.root)
        for name in UNPACKAGED_ON_DEBIAN
    }
    bystander = SshHost("bystander", other.address, other.namespace, other.root)
    groups = {COMPONENTS[name].group: [alias, bystander] for name, alias in aliases.items()}
    flags = {flag: False for name in UNPACKAGED_ON_DEBIAN for flag in flags_of(name)}
    runner = run_playbooks(
        test_hosts, tmp_path / "unpackaged", groups, [f"{name}.yml" for name in UNPACKAGED_ON_DEBIAN],
        {"aops_start_mode": "none"}, check=True, host_vars={"bystander": flags},
    )  # fmt: skip
    failed = {data["host"]: (data["task"], data["res"]["msg"]) for data in results(runner, "failed")}
    assert set(failed) == {alias.name for alias in aliases.values()}
    for name, alias in aliases.items():
        task, message = failed[alias.name]
        assert task == f"Refuse {name} where no package provides it"
        assert f"{name} is not packaged for Debian" in message and f"set {name}_package_file" in message


def flags_of(name: str) -> tuple[str, str, str]:
    component = COMPONENTS[name]
    return component.install_flag, component.config_flag, component.start_flag


def scraped_targets(address: str) -> dict[str, str]:
    with urllib.request.urlopen(f"http://{address}:9090/api/v1/targets", timeout=5) as reply:
        body = yaml.safe_load(reply.read())
    return {target["labels"]["instance"]: target["health"] for target in body["data"]["activeTargets"]}


@runs_roles
def test_node_exporter_and_prometheus_really_deploy_and_a_second_run_changes_nothing(
    test_hosts: SshHosts, tmp_path: Path
) -> None:
    first, second = test_hosts.hosts
    groups = {"node_exporter_hosts": [first, second], "prometheus_hosts": [first]}
    extravars = {"aops_start_mode": "command", "prometheus_scrape_interval": "1s", "aops_wait_timeout": 20}
    for run in (1, 2):
        runner = run_playbooks(
            test_hosts, tmp_path / f"run{run}", groups, ["node_exporter.yml", "prometheus.yml"], extravars
        )
        assert failures(runner) == [] and runner.status == "successful", runner.stdout.read()
        changed = {
            (data["host"], data["task"]) for data in results(runner, "ok") if data["res"].get("changed")
        }
        if run == 1:
            # Debian's packages are on this machine already (scripts/install-deps.sh), so the
            # install steps find them installed; the config and start steps change.
            assert changed == {
                (first.name, "Start prometheus-node-exporter as a command"),
                (second.name, "Start prometheus-node-exporter as a command"),
                (first.name, "Make Prometheus's configuration directory"),
                (first.name, "Write prometheus.yml (scrape every node_exporter host)"),
                (first.name, "Start prometheus as a command"),
            }
        else:
            assert changed == set(), "the second run changed something"
    assert (first.root / "etc/prometheus/prometheus.yml").is_file()
    for host in (first, second):
        pid = int((host.root / "run/aops/prometheus-node-exporter.pid").read_text())
        inside = subprocess.run(
            ["ip", "netns", "pids", host.namespace], capture_output=True, text=True, check=True
        )
        assert str(pid) in inside.stdout.split(), "node_exporter does not run in its host's namespace"
    deadline = time.monotonic() + 15
    expected = {f"{first.address}:9100": "up", f"{second.address}:9100": "up", f"{first.address}:9090": "up"}
    while (seen := scraped_targets(first.address)) != expected:
        assert time.monotonic() < deadline, f"Prometheus on {first.name} scrapes {seen}, not {expected}"
        time.sleep(0.5)
    assert re.search(r"^node_uname_info\{", fetch(f"http://{second.address}:9100/metrics"), re.MULTILINE)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as reply:
        return str(reply.read().decode())
