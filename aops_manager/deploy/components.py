"""The catalogue of deployable components: step names, inventory groups, variables and checks.

Its entries are in components.yml beside this module, read into the types below. It mirrors the
shipped roles (`ansible/roles/<component>/defaults/main.yml` hold the same names and defaults;
tests/aops_manager/test_roles.py keeps the two equal), so that a template can be validated
without running Ansible: an unknown component, an unknown variable or a value of the wrong type
is refused with the field named.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from pathlib import Path
from typing import Any
from typing import ClassVar
from typing import Literal

import yaml
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import TypeAdapter
from pydantic import ValidationError
from pydantic import field_validator

from aops_utils.contracts.data_center.deploy import Component as ComponentName
from aops_utils.contracts.data_center.deploy import Variable as VariableName
from aops_utils.errors import ConfigError
from aops_utils.restful.validation import described

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
    # components.yml's variables are validated into this class: a misspelt key is refused.
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

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


STR, INT, PORT, BOOL, CHOICE = VarType.STRING, VarType.INTEGER, VarType.PORT, VarType.BOOLEAN, VarType.CHOICE

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


class CatalogueError(ConfigError):
    """components.yml is unreadable or an entry is wrong; the message names the component and field."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Owner(_Entry):
    user: str
    made_by_package: bool = False


class _Repo(_Entry):
    name: str
    description: str
    base_url: str
    file: str
    gpgkey: str | None = None


class _Service(_Entry):
    name: str
    port: int | None = None


class _Steps(_Entry):
    install: VariableName
    config: VariableName
    start: VariableName


class _ComponentEntry(_Entry):
    """A component as components.yml writes it: owner, repo, service and package_file stand for
    variables that several components have alike (made by the functions under this class)."""

    description: str
    origin: Origin
    packages: dict[Literal["RedHat", "Debian"], tuple[str, ...]] = {}
    ports: tuple[str, ...] = ()
    reads_groups: tuple[str, ...] = ()
    steps: _Steps | None = None
    config_by_default: bool = True
    owner: _Owner | None = None
    repo: _Repo | None = None
    service: _Service | None = None
    package_file: bool = False
    variables: dict[VariableName, Variable] = {}

    @field_validator("variables", mode="before")
    @classmethod
    def _named(cls, value: Any) -> Any:
        """A variable is written under its name, which is a field of Variable."""
        if not isinstance(value, dict):
            return value
        return {key: {**spec, "name": key} if isinstance(spec, dict) else spec for key, spec in value.items()}


def _owner(owner: _Owner) -> tuple[Variable, ...]:
    doc = "owner of its directories"
    if owner.made_by_package:
        doc = "kept for 21.09 templates (the package makes the user)"
    return (_var("user", STR, owner.user, doc), _var("group", STR, owner.user, doc))


def _repo(repo: _Repo) -> tuple[Variable, ...]:
    """The openEuler dnf repository a distribution component's package comes from."""
    url_doc = "its base URL" if repo.base_url else "its base URL; empty: the system's repositories"
    return (
        _var("repo_name", STR, repo.name, "openEuler: the dnf repository's id"),
        _var("repo_description", STR, repo.description, "its description"),
        _var("repo_base_url", STR, repo.base_url, url_doc),
        *(() if repo.gpgkey is None else (_var("repo_gpgkey", STR, repo.gpgkey, "its signing key"),)),
        _var("repo_file", STR, repo.file, "its file name under /etc/yum.repos.d"),
    )


def _service(service: _Service) -> tuple[Variable, ...]:
    """An A-Ops service configured by `<name>.ini`; with a port, a web service listening on it."""
    stem = service.name
    listen = (
        ()
        if service.port is None
        else (
            _var(f"{stem}_ip", STR, "127.0.0.1", "the address it listens on"),
            _var(f"{stem}_port", PORT, service.port, "its port"),
        )
    )
    return (
        _var(f"{stem}_conf_dir", STR, "/etc/aops", f"directory of {stem}.ini"),
        _var("kafka_server_list", STR, "127.0.0.1:9092", "the Kafka brokers, comma-separated"),
        *listen,
    )


def _package_file(name: str) -> Variable:
    """Where no repository has the package: a package file on the controller."""
    return _var(f"{name}_package_file", STR, "", "a package file (Debian packages none)")


def _component(name: str, entry: _ComponentEntry) -> Component:
    """The catalogue's component of an entry; its step switches are `install_<name>`,
    `config_<name>` and `start_<name>` unless `steps` names them (21.09's zookeeper and kafka)."""
    steps = entry.steps or _Steps(install=f"install_{name}", config=f"config_{name}", start=f"start_{name}")
    own = [
        *(_owner(entry.owner) if entry.owner else ()),
        *(_repo(entry.repo) if entry.repo else ()),
        *(_service(entry.service) if entry.service else ()),
    ]
    own += entry.variables.values()
    if entry.package_file:
        own.append(_package_file(name))
    own += [
        _var(steps.install, BOOL, True, "run the install step"),
        _var(steps.config, BOOL, entry.config_by_default, "run the config step"),
        _var(steps.start, BOOL, True, "run the start step"),
    ]
    return Component(
        name=name,
        group=f"{name}_hosts",
        description=entry.description,
        origin=entry.origin,
        packages={family: entry.packages.get(family, ()) for family in ("RedHat", "Debian")},
        ports=entry.ports,
        install_flag=steps.install,
        config_flag=steps.config,
        start_flag=steps.start,
        own_variables=tuple(own),
        reads_groups=entry.reads_groups,
    )


def _problems(component: Component, groups: set[str]) -> Iterator[str]:
    """What is wrong with a component beyond its entry's types: fields that must agree."""
    name = component.name
    names = [variable.name for variable in component.own_variables]
    shared = {variable.name for variable in COMMON_VARIABLES + AOPS_PACKAGE_VARIABLES}
    for index, variable in enumerate(component.own_variables):
        where = f"{name}.variables.{variable.name}"
        if variable.name in names[:index] or variable.name in shared:
            yield f"{where}: is given twice (a key such as owner, repo or service gives it too)"
        elif variable.default is not None and (problem := variable.problem(variable.default)):
            yield f"{where}.default: {problem}"
    for port in component.ports:
        named = component.variables.get(port)
        if named is None or named.type is not VarType.PORT:
            yield f"{name}.ports: {port!r} is not a port variable of {name}"
    for group in component.reads_groups:
        if group not in groups:
            yield f"{name}.reads_groups: {group!r} is not a component's group"


class _UniqueKeys(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key written twice in one mapping (it keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is written twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


_NAME = TypeAdapter(ComponentName)


def load(path: Path) -> dict[str, Component]:
    """The components of a catalogue file, in its order; CatalogueError naming the component and
    the field when it is unreadable or an entry is wrong."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeys)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: not readable as YAML: {exc}") from None
    if not isinstance(document, dict) or not document:
        raise CatalogueError(f"{path}: must map component names to their entries")
    components = {}
    for name, entry in document.items():
        try:
            _NAME.validate_python(name)
            components[name] = _component(name, _ComponentEntry.model_validate(entry))
        except ValidationError as exc:
            first = described(exc, (str(name),))[0]
            raise CatalogueError(f"{path}: {first['field']}: {first['error']}") from None
    groups = {component.group for component in components.values()}
    for component in components.values():
        for problem in _problems(component, groups):
            raise CatalogueError(f"{path}: {problem}")
    return components


CATALOGUE_FILE = Path(__file__).with_name("components.yml")
# Read once, when the manager imports it: the file is part of the package like this module, and a
# bad entry stops the manager at start rather than at the first template that names it.
COMPONENTS: dict[str, Component] = load(CATALOGUE_FILE)


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
