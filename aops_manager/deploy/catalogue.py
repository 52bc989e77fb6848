"""The components a template may name, with their variables: the interface template and task checks
read, over the roles' catalogue (aops_manager.deploy.components) and custom components."""

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

from aops_manager.deploy.components import COMPONENTS
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
    """A component known by its variables' types only (a custom one, a test's)."""

    name: str
    group: str
    variables: Mapping[str, VariableSpec]


def component(name: str, **variables: Any) -> Component:
    """A component of that name (its group `<name>_hosts`) with variables of those types."""
    return Component(name, f"{name}_hosts", {key: Typed(kind) for key, kind in variables.items()})


# The shipped components (the roles' catalogue), in the order of the 21.09 default task's steps.
CATALOGUE = MappingCatalogue(COMPONENTS)
