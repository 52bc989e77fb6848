"""The component catalogue read from components.yml (pure logic: no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aops_manager.deploy import components
from aops_manager.deploy.components import CATALOGUE_FILE
from aops_manager.deploy.components import COMPONENTS
from aops_manager.deploy.components import CatalogueError
from aops_manager.deploy.components import Origin
from aops_manager.deploy.components import Scope
from aops_manager.deploy.components import Variable
from aops_manager.deploy.components import VarType


def test_the_shipped_file_reads_as_the_catalogue_the_code_held() -> None:
    kafka = COMPONENTS["kafka"]
    assert kafka.variables["kafka_port"] == Variable(
        "kafka_port", VarType.PORT, 9092, "the broker's port", Scope.HOST
    )
    assert kafka.variables["kafka_id"].default is None  # computed by the role
    assert (kafka.group, kafka.origin, kafka.reads_groups) == (
        "kafka_hosts",
        Origin.DISTRIBUTION,
        ("zookeeper_hosts",),
    )
    assert kafka.packages == {"RedHat": ("kafka",), "Debian": ()}
    assert kafka.variables["kafka_package_file"].doc == "a package file (Debian packages none)"

    zookeeper = COMPONENTS["zookeeper"]
    assert (zookeeper.install_flag, zookeeper.config_flag, zookeeper.start_flag) == (
        "install_zk", "config_zk", "start_service",
    )  # fmt: skip
    assert zookeeper.ports == ("client_port", "leader_port", "vote_port")
    assert zookeeper.variables["user"] == Variable(
        "user", VarType.STRING, "zookeeper", "owner of its directories"
    )

    node_exporter = COMPONENTS["node_exporter"]
    assert node_exporter.variables["config_node_exporter"].default is False
    assert node_exporter.variables["start_node_exporter"].default is True

    scheduler = COMPONENTS["adoctor_check_scheduler"]
    assert [variable.name for variable in scheduler.own_variables] == [
        "check_scheduler_conf_dir", "kafka_server_list", "check_scheduler_ip", "check_scheduler_port",
        "install_adoctor_check_scheduler", "config_adoctor_check_scheduler", "start_adoctor_check_scheduler",
    ]  # fmt: skip
    assert scheduler.variables["check_scheduler_port"].default == 11112
    assert "aops_package" in scheduler.variables

    probe = COMPONENTS["gala_gopher"].variables["probes_system_tcp"]
    assert (probe.type, probe.default, probe.choices) == (VarType.CHOICE, "off", ("on", "off", "auto"))
    assert COMPONENTS["elasticsearch"].variables["repo_gpgkey"].default == (
        "https://artifacts.elastic.co/GPG-KEY-elasticsearch"
    )
    assert COMPONENTS["fluentd"].variables["change_history_format_scripts"].default == [
        "zzz_openEuler_history.csh", "zzz_openEuler_history.sh",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("written", "rewritten", "error"),
    [
        ("default: 9092, doc: \"the broker's port\"", "default: 70000, doc: \"the broker's port\"",
         "kafka.variables.kafka_port.default: must be a port number (1-65535)"),
        ("\n    kafka_port: {type: port", "\n    kafka_port: {type: prot",
         "kafka.variables.kafka_port.type: input should be 'string', 'integer', 'port'"),
        ("\n    kafka_port: {type: port, default: 9092,", "\n    kafka_port: {type: port,",
         "kafka.variables.kafka_port.default: is required"),
        ('default: "off"', "default: off",
         "gala_gopher.variables.probes_example_switch.default: must be one of on, off, auto"),
        ("  reads_groups: [zookeeper_hosts]", "  read_groups: [zookeeper_hosts]",
         "kafka.read_groups: is not a known field"),
        ("ports: [kafka_port]", "ports: [kafka_log_path]",
         "kafka.ports: 'kafka_log_path' is not a port variable of kafka"),
        ("    kafka_log_path:", "    user:",
         "kafka.variables.user: is given twice (a key such as owner, repo or service gives it too)"),
        ("    kafka_log_path:", "    kafka_port:", "'kafka_port' is written twice"),
    ],
)  # fmt: skip
def test_a_bad_entry_is_refused_naming_the_component_and_the_field(
    tmp_path: Path, written: str, rewritten: str, error: str
) -> None:
    text = CATALOGUE_FILE.read_text()
    assert text.count(written) == 1
    bad = tmp_path / "components.yml"
    bad.write_text(text.replace(written, rewritten))
    with pytest.raises(CatalogueError) as refused:
        components.load(bad)
    assert str(refused.value).startswith(f"{bad}: ") and error in str(refused.value)


def test_a_file_that_is_not_a_catalogue_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "components.yml"
    bad.write_text("- zookeeper\n- kafka\n")
    with pytest.raises(CatalogueError, match="must map component names to their entries"):
        components.load(bad)
