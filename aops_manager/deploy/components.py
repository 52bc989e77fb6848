"""The catalogue of deployable components: step names, inventory groups, variables and checks.

It mirrors the shipped roles (`ansible/roles/<component>/defaults/main.yml` hold the same names
and defaults; tests/aops_manager/test_roles.py keeps the two equal), so that a template can be
validated without running Ansible: an unknown component, an unknown variable or a value of the
wrong type is refused with the field named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from pathlib import Path

ANSIBLE_DIR = Path(__file__).parent / "ansible"
PLAYBOOK_DIR = ANSIBLE_DIR / "playbooks"
ROLE_DIR = ANSIBLE_DIR / "roles"
MAX_PORT = 65535


class VarType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    PORT = "port"
    BOOLEAN = "boolean"
    STRING_LIST = "string_list"
    CHOICE = "choice"


class Scope(StrEnum):
    COMPONENT = "component"  # one value for every host of the step (a template variable)
    HOST = "host"  # may differ per host (an inventory host variable)


class Origin(StrEnum):
    DISTRIBUTION = "distribution"  # the OS's package repositories (or a package file)
    AOPS = "aops"  # this project's package, pip-installed into a virtual environment


@dataclass(frozen=True)
class Variable:
    name: str
    type: VarType
    # The role default; None: computed by the role (e.g. a broker id from the host's position).
    default: object
    doc: str
    scope: Scope = Scope.COMPONENT
    choices: tuple[str, ...] = ()

    def problem(self, value: object) -> str | None:
        """Why `value` does not fit this variable, or None when it does."""
        match self.type:
            case VarType.STRING:
                ok = isinstance(value, str)
                expected = "a string"
            case VarType.INTEGER:
                ok = isinstance(value, int) and not isinstance(value, bool)
                expected = "an integer"
            case VarType.PORT:
                ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_PORT
                expected = f"a port number (1-{MAX_PORT})"
            case VarType.BOOLEAN:
                ok = isinstance(value, bool)
                expected = "true or false"
            case VarType.STRING_LIST:
                ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
                expected = "a list of strings"
            case VarType.CHOICE:
                ok = value in self.choices
                expected = "one of " + ", ".join(self.choices)
        return None if ok else f"must be {expected}"


@dataclass(frozen=True)
class Component:
    name: str  # the 21.09 step name, also the playbook's and the role's
    group: str  # the inventory group whose hosts get it
    description: str
    origin: Origin
    packages: Mapping[str, tuple[str, ...]]  # OS family -> distribution packages (empty: none)
    ports: tuple[str, ...]  # the variables naming the ports it opens
    install_flag: str
    config_flag: str
    start_flag: str
    own_variables: tuple[Variable, ...]
    # Other groups whose hosts the role reads (Kafka's zookeeper.connect, Prometheus's targets).
    reads_groups: tuple[str, ...] = ()
    variables: Mapping[str, Variable] = field(init=False)

    def __post_init__(self) -> None:
        shared = COMMON_VARIABLES + (AOPS_PACKAGE_VARIABLES if self.origin is Origin.AOPS else ())
        object.__setattr__(self, "variables", {var.name: var for var in shared + self.own_variables})

    @property
    def playbook(self) -> Path:
        return PLAYBOOK_DIR / f"{self.name}.yml"

    @property
    def role(self) -> Path:
        return ROLE_DIR / self.name


@dataclass(frozen=True)
class VariableProblem:
    """One refused variable of a component: `field` names it as a template would (component.name)."""

    field: str
    message: str


class UnknownComponentError(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown component {self.name!r}; known: {', '.join(COMPONENTS)}"


def _var(
    name: str,
    type_: VarType,
    default: object,
    doc: str,
    *,
    scope: Scope = Scope.COMPONENT,
    choices: tuple[str, ...] = (),
) -> Variable:
    return Variable(name, type_, default, doc, scope, choices)


STR, INT, PORT, BOOL, LIST, CHOICE = (
    VarType.STRING,
    VarType.INTEGER,
    VarType.PORT,
    VarType.BOOLEAN,
    VarType.STRING_LIST,
    VarType.CHOICE,
)

COMMON_VARIABLES: tuple[Variable, ...] = (
    _var("aops_root", STR, "", "prefix of every deployed path: empty on real hosts"),
    _var(
        "aops_start_mode",
        CHOICE,
        "systemd",
        "how start steps start services",
        choices=("systemd", "command", "none"),
    ),
    _var("aops_wait_timeout", INT, 60, "seconds a start step waits for the service's port"),
    _var("aops_firewall", BOOL, True, "open the component's ports where firewalld is active"),
)
AOPS_PACKAGE_VARIABLES: tuple[Variable, ...] = (
    _var("aops_package", STR, "", "the aops wheel or sdist on the controller; required to install"),
    _var("aops_venv", STR, "/opt/aops/venv", "the virtual environment the package goes into"),
    _var("aops_python", STR, "/usr/bin/python3", "the Python that makes the virtual environment"),
    _var("aops_pip_extra_args", STR, "", "extra pip arguments, e.g. a local wheel directory"),
)


def _owner(user: str, doc: str = "owner of its directories") -> tuple[Variable, ...]:
    return (_var("user", STR, user, doc), _var("group", STR, user, doc))


def _repo(
    repo_id: str, description: str, base_url: str, file: str, *, gpgkey: str | None = None
) -> tuple[Variable, ...]:
    """The openEuler dnf repository a distribution component's package comes from."""
    url_doc = "its base URL" if base_url else "its base URL; empty: the system's repositories"
    return (
        _var("repo_name", STR, repo_id, "openEuler: the dnf repository's id"),
        _var("repo_description", STR, description, "its description"),
        _var("repo_base_url", STR, base_url, url_doc),
        *(() if gpgkey is None else (_var("repo_gpgkey", STR, gpgkey, "its signing key"),)),
        _var("repo_file", STR, file, "its file name under /etc/yum.repos.d"),
    )


def _package_file(name: str) -> Variable:
    """Where no repository has the package: a package file on the controller."""
    return _var(f"{name}_package_file", STR, "", "a package file (Debian packages none)")


def _service(stem: str, *, port: int | None = None, extra: tuple[Variable, ...] = ()) -> tuple[Variable, ...]:
    """An A-Ops service configured by `<stem>.ini`; with `port`, a web service listening on it."""
    listen = (
        ()
        if port is None
        else (
            _var(f"{stem}_ip", STR, "127.0.0.1", "the address it listens on"),
            _var(f"{stem}_port", PORT, port, "its port"),
        )
    )
    return (
        _var(f"{stem}_conf_dir", STR, "/etc/aops", f"directory of {stem}.ini"),
        _var("kafka_server_list", STR, "127.0.0.1:9092", "the Kafka brokers, comma-separated"),
        *listen,
        *extra,
    )


def _component(  # noqa: PLR0917 - one positional argument per column of the catalogue
    name: str,
    description: str,
    origin: Origin,
    packages: tuple[tuple[str, ...], tuple[str, ...]],
    ports: tuple[str, ...],
    variables: tuple[Variable, ...],
    *,
    reads_groups: tuple[str, ...] = (),
    steps: tuple[str, str, str] | None = None,
    config_default: bool = True,
) -> Component:
    """A catalogue entry; its step switches are `install_<name>`, `config_<name>` and
    `start_<name>` unless `steps` names them (21.09's zookeeper and kafka roles)."""
    redhat, debian = packages
    install, config, start = steps or (f"install_{name}", f"config_{name}", f"start_{name}")
    flags = (
        _var(install, BOOL, True, "run the install step"),
        _var(config, BOOL, config_default, "run the config step"),
        _var(start, BOOL, True, "run the start step"),
    )
    return Component(
        name=name,
        group=f"{name}_hosts",
        description=description,
        origin=origin,
        packages={"RedHat": redhat, "Debian": debian},
        ports=ports,
        install_flag=install,
        config_flag=config,
        start_flag=start,
        own_variables=variables + flags,
        reads_groups=reads_groups,
    )


DIST, AOPS = Origin.DISTRIBUTION, Origin.AOPS
NONE: tuple[str, ...] = ()
PACKAGED_USER = "kept for 21.09 templates (the package makes the user)"

_COMPONENTS = (
    _component(
        "zookeeper",
        "ZooKeeper, the coordination service Kafka needs",
        DIST,
        (("zookeeper",), ("zookeeperd",)),
        ("client_port", "leader_port", "vote_port"),
        (
            *_owner("zookeeper"),
            _var("data_dir", STR, "data", "data directory, under install_dir"),
            _var("zookeeper_log_path", STR, "log", "transaction log directory, under install_dir"),
            _var("install_dir", STR, "/opt/zookeeper", "ZooKeeper's directory"),
            _var("leader_port", PORT, 2888, "port followers reach the leader on"),
            _var("vote_port", PORT, 3888, "leader election port"),
            _var("client_port", PORT, 2181, "port clients (Kafka) connect to"),
        ),
        steps=("install_zk", "config_zk", "start_service"),
    ),
    _component(
        "kafka",
        "Kafka, the bus of the schedulers, executors and gala",
        DIST,
        (("kafka",), NONE),
        ("kafka_port",),
        (
            *_owner("kafka"),
            _var("kafka_log_path", STR, "log", "log (data) directory, under install_dir"),
            _var("install_dir", STR, "/opt/kafka", "Kafka's directory"),
            _var("zk_client_port", PORT, 2181, "ZooKeeper's client port on the zookeeper_hosts"),
            _var("kafka_repo_url", STR, "", "openEuler: a dnf repository holding kafka"),
            _package_file("kafka"),
            _var(
                "kafka_id", INT, None, "broker.id; default: position in kafka_hosts from 1", scope=Scope.HOST
            ),
            _var("kafka_port", PORT, 9092, "the broker's port", scope=Scope.HOST),
        ),
        reads_groups=("zookeeper_hosts",),
        steps=("install_kafka", "config_kafka", "start_service"),
    ),
    _component(
        "prometheus",
        "Prometheus, scraping every node_exporter host",
        DIST,
        (("prometheus2",), ("prometheus",)),
        ("prometheus_listen_port",),
        (
            *_owner("prometheus", PACKAGED_USER),
            _var("prometheus_listen_port", PORT, 9090, "Prometheus's port"),
            _var("node_exporter_listen_port", PORT, 9100, "the port scraped on every node_exporter host"),
            _var("prometheus_conf_dir", STR, "/etc/prometheus", "where prometheus.yml is written"),
            _var("prometheus_scrape_interval", STR, "15s", "scrape and evaluation interval"),
        ),
        reads_groups=("node_exporter_hosts",),
    ),
    _component(
        "node_exporter",
        "node_exporter, the host metrics Prometheus scrapes",
        DIST,
        (("node_exporter",), ("prometheus-node-exporter",)),
        ("node_exporter_listen_port",),
        (
            *_owner("node_exporter", PACKAGED_USER),
            _var("node_exporter_listen_port", PORT, 9100, "node_exporter's port"),
        ),
        config_default=False,
    ),
    _component(
        "mysql",
        "MySQL (MariaDB on Debian), the data center's relational store",
        DIST,
        (("mysql-server",), ("mariadb-server",)),
        (),
        _owner("mysql", PACKAGED_USER),
        config_default=False,
    ),
    _component(
        "elasticsearch",
        "Elasticsearch, the data center's document store",
        DIST,
        (("elasticsearch",), NONE),
        ("elasticsearch_listen_port",),
        (
            *_owner("elasticsearch"),
            *_repo(
                "Elasticsearch",
                "Elasticsearch repository for 7.x packages",
                "https://artifacts.elastic.co/packages/7.x/yum",
                "elasticsearch",
                gpgkey="https://artifacts.elastic.co/GPG-KEY-elasticsearch",
            ),
            _var("install_dir", STR, "/etc/elasticsearch/", "where elasticsearch.yml is written"),
            _var("elasticsearch_cluster_name", STR, "myApp", "cluster.name"),
            _var("elasticsearch_cluster_init_master", STR, "", "the bootstrap master; empty: the first host"),
            _var("elasticsearch_listen_port", PORT, 9200, "http.port"),
            _var("elasticsearch_data_path", STR, "/var/lib/elasticsearch", "path.data"),
            _var("elasticsearch_log_path", STR, "/var/log/elasticsearch", "path.logs"),
            _var("elasticsearch_network_host", STR, "", "network.host; empty: the host's own address"),
            _package_file("elasticsearch"),
            _var(
                "elasticsearch_id", STR, None, "node.name; default: the inventory host name", scope=Scope.HOST
            ),
        ),
    ),
    _component(
        "fluentd",
        "fluentd, shipping shell history and syslog to Elasticsearch",
        DIST,
        (("rubygem-fluentd", "rubygem-fluent-plugin-elasticsearch"), NONE),
        (),
        (
            _var("fluentd_config_dir", STR, "/etc/fluentd/", "where fluent.conf is written"),
            _var("change_history_format", BOOL, True, "install the timestamped shell-history scripts"),
            _var(
                "change_history_format_scripts",
                LIST,
                ["zzz_openEuler_history.csh", "zzz_openEuler_history.sh"],
                "the scripts, shipped with the role",
            ),
            _var("change_dmesg_format", BOOL, True, "forward syslog to fluentd"),
            _var("change_dmesg_format_scripts", STR, "fluentd_dmesg.sh", "kept for 21.09 templates"),
            _var("fluentd_demsg_port", PORT, 61122, "the syslog port fluentd listens on (127.0.0.1)"),
            _package_file("fluentd"),
            _var(
                "elasticsearch_host",
                STR,
                "127.0.0.1",
                "the Elasticsearch this host's logs go to",
                scope=Scope.HOST,
            ),
            _var("elasticsearch_port", PORT, 9200, "its port", scope=Scope.HOST),
        ),
    ),
    _component(
        "adoctor_check_executor",
        "the check executor",
        AOPS,
        (NONE, NONE),
        (),
        _service(
            "check_executor",
            extra=(
                _var("do_check_consumer_num", INT, 2, "check task consumers in the process"),
                _var("sample_period", INT, 15, "seconds between samples"),
            ),
        ),
    ),
    _component(
        "adoctor_check_scheduler",
        "the check scheduler",
        AOPS,
        (NONE, NONE),
        ("check_scheduler_port",),
        _service("check_scheduler", port=11112),
    ),
    _component(
        "adoctor_diag_executor", "the diagnosis executor", AOPS, (NONE, NONE), (), _service("diag_executor")
    ),
    _component(
        "adoctor_diag_scheduler",
        "the diagnosis scheduler",
        AOPS,
        (NONE, NONE),
        ("diag_scheduler_port",),
        _service("diag_scheduler", port=11113),
    ),
    _component(
        "gala_gopher",
        "gala-gopher, the probe on every host",
        DIST,
        (("gala-gopher",), NONE),
        ("gala_gopher_web_port",),
        (
            *_repo("gala_gopher", "gala gopher", "", "gala_gopher"),
            _var("install_dir", STR, "/opt/gala-gopher/", "where gala-gopher.conf is written"),
            _var("spider_kafka_host", STR, "127.0.0.1", "the Kafka broker the probe writes to"),
            _var("gala_gopher_kafka_port", PORT, 9092, "its port"),
            _var("gala_gopher_kafka_topic", STR, "gala_gopher", "the topic"),
            _var("gala_gopher_web_port", PORT, 8888, "the metrics port"),
            *(
                _var(name, CHOICE, "off", "probe switch", choices=("on", "off", "auto"))
                for name in (
                    "probes_example_switch",
                    "probes_system_meminfo",
                    "probes_system_vmstat",
                    "probes_system_tcp",
                    "probes_system_inode",
                    "extend_probes_redis",
                )
            ),
            _package_file("gala_gopher"),
        ),
    ),
    _component(
        "gala_spider",
        "gala-spider, the topology service",
        AOPS,
        (NONE, NONE),
        ("gala_spider_port",),
        (
            _var("log_path", STR, "/var/log/spider", "log directory"),
            _var("install_dir", STR, "/etc/spider", "where gala-spider.conf is written"),
            _var("gala_spider_kafka_host", STR, "127.0.0.1", "the Kafka broker with topic gala_gopher"),
            _var("gala_spider_listening_kafka_port", PORT, 9092, "its port"),
            _var("exclude_addr", LIST, ["1.2.3.4"], "addresses left out of the topology"),
            _var("base_table_name", LIST, ["tcp_link", "lvs_link"], "tables of the tcp temporary file"),
            _var(
                "other_table_name",
                LIST,
                ["nginx_link", "lvs_link", "haproxy_link", "dnsmasq_link"],
                "tables of the other temporary file",
            ),
            _var("gala_spider_port", PORT, 11115, "its port"),
        ),
    ),
    _component(
        "gala_ragdoll",
        "gala-ragdoll, configuration tracing",
        AOPS,
        (NONE, NONE),
        ("gala_ragdoll_port",),
        (
            _var("gala_ragdoll_port", PORT, 11114, "its port"),
            _var("gala_ragdoll_conf_dir", STR, "/etc/ragdoll", "where gala-ragdoll.conf is written"),
            _var(
                "gala_ragdoll_git_dir", STR, "/home/confTraceTest", "git work tree of expected configurations"
            ),
            _var("gala_ragdoll_git_user_name", STR, "aops", "git user.name of its commits"),
            _var("gala_ragdoll_git_user_email", STR, "aops@localhost", "git user.email of its commits"),
            _var(
                "gala_ragdoll_collect_address",
                STR,
                "http://127.0.0.1:11111",
                "the manager collecting configs",
            ),
            _var("gala_ragdoll_collect_api", STR, "/manage/config/collect", "the collection path"),
        ),
    ),
)

# In the order of the 21.09 default task's steps.
COMPONENTS: dict[str, Component] = {component.name: component for component in _COMPONENTS}


def component(name: str) -> Component:
    try:
        return COMPONENTS[name]
    except KeyError:
        raise UnknownComponentError(name) from None


def check_variables(name: str, values: Mapping[str, object]) -> list[VariableProblem]:
    """Every problem with a component's variables (empty: they fit); an unknown component raises."""
    known = component(name).variables
    problems = []
    for key, value in values.items():
        variable = known.get(key)
        if variable is None:
            problems.append(VariableProblem(f"{name}.{key}", f"unknown variable of component {name}"))
        elif (message := variable.problem(value)) is not None:
            problems.append(VariableProblem(f"{name}.{key}", message))
    return problems
