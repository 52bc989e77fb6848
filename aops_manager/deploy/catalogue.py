"""The components a template may name, with their variables' types (the catalogue's interface)."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from typing import Any
from typing import Protocol

from pydantic import Field

Port = Annotated[int, Field(ge=1, le=65535)]


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """A component as templates see it: its inventory group and each variable's type, as an
    annotation pydantic checks a value against (str, int, bool, list[str], a bounded int...)."""

    name: str
    group: str
    variables: Mapping[str, Any]


class Catalogue(Protocol):
    """What template and task validation needs of the component catalogue."""

    def names(self) -> Sequence[str]:
        """The known components, in the catalogue's order."""
        ...

    def get(self, name: str) -> ComponentSpec | None: ...


@dataclass(frozen=True, slots=True)
class MappingCatalogue:
    components: Mapping[str, ComponentSpec]

    def names(self) -> Sequence[str]:
        return list(self.components)

    def get(self, name: str) -> ComponentSpec | None:
        return self.components.get(name)


def _spec(name: str, **variables: Any) -> ComponentSpec:
    # Every component's playbook reads these too (the roles' common variables).
    common = {"aops_root": str, "aops_start_mode": str, "aops_wait_timeout": int, "aops_firewall": bool}
    return ComponentSpec(name, f"{name}_hosts", {**common, **variables})


_AOPS = {"aops_package": str, "aops_venv": str, "aops_python": str, "aops_pip_extra_args": str}

# The 21.09 components and variables (reference section 6.8). The roles' own catalogue
# (aops_manager/deploy/components.py) replaces this table when it lands.
_COMPONENTS = (
    _spec("zookeeper", user=str, group=str, install_dir=str, zk_client_port=Port, zk_leader_port=Port,
          zk_vote_port=Port),
    _spec("kafka", install_dir=str, zk_client_port=Port, kafka_port=Port),
    _spec("prometheus", user=str, group=str, prometheus_listen_port=Port, node_exporter_listen_port=Port,
          prometheus_conf_dir=str, prometheus_scrape_interval=str),
    _spec("node_exporter", user=str, group=str, node_exporter_listen_port=Port),
    _spec("mysql"),
    _spec("elasticsearch", elasticsearch_port=Port, init_master=str),
    _spec("fluentd", elasticsearch_host=str, elasticsearch_port=Port),
    _spec("adoctor_check_executor", kafka_server_list=str, **_AOPS),
    _spec("adoctor_check_scheduler", check_scheduler_port=Port, **_AOPS),
    _spec("adoctor_diag_executor", kafka_server_list=str, **_AOPS),
    _spec("adoctor_diag_scheduler", diag_scheduler_port=Port, **_AOPS),
    _spec("gala_gopher", kafka_host=str, kafka_port=Port),
    _spec("gala_spider", gala_spider_port=Port, **_AOPS),
    _spec("gala_ragdoll", gala_ragdoll_port=Port, **_AOPS),
)  # fmt: skip

CATALOGUE = MappingCatalogue({spec.name: spec for spec in _COMPONENTS})
