"""Request models and the translation of validation failures into 1000 errors naming the field."""

from __future__ import annotations

import functools
import ipaddress
from typing import Annotated
from typing import Any
from typing import Literal
from typing import TypeVar

from pydantic import AfterValidator
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import RootModel
from pydantic import StringConstraints
from pydantic import ValidationError
from pydantic import model_validator

from aops_utils.errors import ParamError

_Model = TypeVar("_Model", bound=BaseModel)


class Body(BaseModel):
    """A request body: unknown fields are rejected, as marshmallow 3 did in 21.09."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def either(first: str, second: str, names: str = "") -> Any:
    """A body's validator (assign it to a name in the class): exactly one of two optional fields
    is given; `names` words them for the error, as "a or b" (default: the field names)."""

    def check(body: _Model) -> _Model:
        if (getattr(body, first) is None) == (getattr(body, second) is None):
            raise ValueError(f"give either {names or f'{first} or {second}'}")
        return body

    return model_validator(mode="after")(check)


def non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


# A body names the same addresses call after call (a check executor's 200 hosts in each of its
# /data/data/get): the parse (~5 µs) is kept. Bounded, and a failure is not kept (it raises).
@functools.lru_cache(maxsize=65536)
def _ip(value: str) -> str:
    try:
        # One spelling per address, so that uniqueness holds for IPv6 written two ways.
        return ipaddress.ip_address(value.strip()).compressed
    except ValueError:
        raise ValueError("is not a valid IPv4 or IPv6 address") from None


_NonBlank = AfterValidator(non_blank)
# The characters of a name (of a host, group, user, rule, tree...): no control characters, nor
# the Unicode line separators. Names are written into logs, listings and spreadsheets, where a
# newline would forge a line. A pattern, so that the OpenAPI document shows it.
NAME_CHARACTERS = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
Name40 = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=NAME_CHARACTERS), _NonBlank]
Name50 = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=NAME_CHARACTERS), _NonBlank]
Name64 = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NAME_CHARACTERS), _NonBlank]
Name128 = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NAME_CHARACTERS), _NonBlank]
Name256 = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=NAME_CHARACTERS), _NonBlank]
# A name as 21.09 took it (blank allowed), but for its characters: rule names, ids.
Name128Raw = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NAME_CHARACTERS)]
Id64 = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NAME_CHARACTERS)]
Text64 = Annotated[str, StringConstraints(max_length=64)]
Text256 = Annotated[str, StringConstraints(max_length=256)]
Text1024 = Annotated[str, StringConstraints(max_length=1024)]
Text64K = Annotated[str, StringConstraints(max_length=65536)]


IPAddress = Annotated[str, StringConstraints(max_length=64), AfterValidator(_ip)]
Port = Annotated[int, Field(ge=0, le=65535)]
Direction = Literal["asc", "desc"]


def field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def _describe(error: Any) -> str:
    kind, msg = str(error["type"]), str(error["msg"])
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "missing":
        return "is required"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == NAME_CHARACTERS:
        return "must not contain control characters (such as a newline or a tab)"
    return msg[0].lower() + msg[1:] if msg else kind


def parse(model: type[BaseModel], data: Any) -> BaseModel:
    """Validate a decoded JSON body; raise ParamError naming the first bad field."""
    if not isinstance(data, dict) and not issubclass(model, RootModel):
        raise ParamError("the request body must be a JSON object", field="body")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = described(exc)
        first = errors[0]
        raise ParamError(
            f"{first['field']}: {first['error']}", field=first["field"], payload={"errors": errors}
        ) from None


def described(exc: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[dict[str, str]]:
    """The first 20 failures of a validation as `{field, error}`, fields under `prefix`."""
    return [{"field": field_path((*prefix, *e["loc"])), "error": _describe(e)} for e in exc.errors()[:20]]


def refuse_duplicates(names: list[str], field: str, what: str) -> None:
    """400 naming `field.<i>` when a name repeats in one request.

    MySQL compares names ignoring trailing spaces, so "a" and "a " count as one name.
    """
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        key = name.rstrip(" ")
        if key in seen:
            raise ParamError(
                f"duplicate {what} {name!r} (also at index {seen[key]})", field=field.replace("*", str(index))
            )
        seen[key] = index
