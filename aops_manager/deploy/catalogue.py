"""The components a template may name, with their variables (the catalogue's interface)."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from typing import Any
from typing import Protocol

from pydantic import Field
from pydantic import TypeAdapter
from pydantic import ValidationError

from aops_utils.restful.validation import described

Port = Annotated[int, Field(ge=1, le=65535)]


class VariableSpec(Protocol):
    def problem(self, value: object) -> str | None:
        """Why `value` does not fit the variable, or None when it does."""
        ...


class ComponentSpec(Protocol):
    """A component as templates and tasks see it: its inventory group and its variables."""

    @property
    def name(self) -> str: ...

    @property
    def group(self) -> str: ...

    @property
    def variables(self) -> Mapping[str, VariableSpec]: ...


class Catalogue(Protocol):
    def names(self) -> Sequence[str]:
        """The known components, in the catalogue's order."""
        ...

    def get(self, name: str) -> ComponentSpec | None: ...


@dataclass(frozen=True, slots=True)
class MappingCatalogue:
    """A catalogue over components by name (in their order)."""

    components: Mapping[str, ComponentSpec]

    def names(self) -> Sequence[str]:
        return list(self.components)

    def get(self, name: str) -> ComponentSpec | None:
        return self.components.get(name)


@dataclass(frozen=True, slots=True)
class Typed:
    """A variable whose values are those of a type annotation (str, bool, list[str], Port...),
    checked strictly: "9092" is not a port, nor is true."""

    annotation: Any

    def problem(self, value: object) -> str | None:
        try:
            TypeAdapter(self.annotation).validate_python(value, strict=True)
        except ValidationError as exc:
            return str(described(exc)[0]["error"])
        return None


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    group: str
    variables: Mapping[str, VariableSpec]


def component(name: str, **variables: Any) -> Component:
    """A component of that name (its group `<name>_hosts`) with variables of those types."""
    return Component(name, f"{name}_hosts", {key: Typed(kind) for key, kind in variables.items()})


# Every component's playbook reads these too (the roles' common variables).
_COMMON = {"aops_root": str, "aops_start_mode": str, "aops_wait_timeout": int, "aops_firewall": bool}
_AOPS = {"aops_package": str, "aops_venv": str, "aops_python": str, "aops_pip_extra_args": str}

# The 21.09 components and their main variables (reference section 6.8), until the roles'
# catalogue (aops_manager/deploy/components.py) replaces this table: its components have the
# shape of ComponentSpec.
_COMPONENTS = (
    component("zookeeper", **_COMMON, user=str, group=str, install_dir=str, client_port=Port,
              leader_port=Port, vote_port=Port),
    component("kafka", **_COMMON, install_dir=str, zk_client_port=Port, kafka_port=Port),
    component("prometheus", **_COMMON, user=str, group=str, prometheus_listen_port=Port,
              node_exporter_listen_port=Port, prometheus_conf_dir=str, prometheus_scrape_interval=str),
    component("node_exporter", **_COMMON, user=str, group=str, node_exporter_listen_port=Port),
    component("mysql", **_COMMON),
    component("elasticsearch", **_COMMON, elasticsearch_listen_port=Port, elasticsearch_cluster_name=str),
    component("fluentd", **_COMMON, elasticsearch_host=str, elasticsearch_port=Port),
    component("adoctor_check_executor", **_COMMON, **_AOPS, kafka_server_list=str),
    component("adoctor_check_scheduler", **_COMMON, **_AOPS, kafka_server_list=str,
              check_scheduler_port=Port),
    component("adoctor_diag_executor", **_COMMON, **_AOPS, kafka_server_list=str),
    component("adoctor_diag_scheduler", **_COMMON, **_AOPS, kafka_server_list=str,
              diag_scheduler_port=Port),
    component("gala_gopher", **_COMMON, spider_kafka_host=str, gala_gopher_kafka_port=Port),
    component("gala_spider", **_COMMON, **_AOPS, gala_spider_port=Port),
    component("gala_ragdoll", **_COMMON, **_AOPS, gala_ragdoll_port=Port),
)  # fmt: skip

CATALOGUE = MappingCatalogue({spec.name: spec for spec in _COMPONENTS})
