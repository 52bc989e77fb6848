"""Templates: a 21.09 step list with its components' variables, read from JSON or YAML and checked
against the component catalogue before the data center stores it."""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from typing import Any

import yaml
from pydantic import StringConstraints
from pydantic import ValidationError

from aops_manager.app import Manager
from aops_manager.deploy.catalogue import Catalogue
from aops_manager.forwarding import write
from aops_utils import jsonio
from aops_utils.clients import reply_of
from aops_utils.contracts.data_center.deploy import MAX_TEMPLATE_BYTES
from aops_utils.contracts.data_center.deploy import AddTemplateBody
from aops_utils.contracts.data_center.deploy import TemplateContent
from aops_utils.contracts.data_center.deploy import TemplateName
from aops_utils.errors import ParamError
from aops_utils.restful import Principal
from aops_utils.restful import Reply
from aops_utils.restful.validation import Body
from aops_utils.restful.validation import Text1024
from aops_utils.restful.validation import described

# The YAML text in its JSON body, where JSON may escape each character as six (a \u escape).
IMPORT_MAX_BODY = 6 * MAX_TEMPLATE_BYTES + 64 * 1024
# Problems listed in one answer; the first is the answer's `field`.
_MAX_PROBLEMS = 20


class ImportTemplateBody(Body):
    """21.09's import, with the content as the object its web converted the YAML file to
    (`template_content`) or as the YAML text itself (`template_yaml`): one of the two."""

    template_name: TemplateName
    template_content: dict[str, Any] | None = None
    template_yaml: Annotated[str, StringConstraints(max_length=MAX_TEMPLATE_BYTES)] | None = None
    description: Text1024 = ""


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    error: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "error": self.error}


class _JsonYaml(yaml.SafeLoader):
    """A safe loader of what JSON can hold. Anchors and aliases are refused: a few lines of
    nested aliases expand to billions of nodes once written out as JSON."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a template", mark
            )
        return super().compose_node(parent, index)


def _refuse(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None,
        None,
        f"{node.tag.replace('tag:yaml.org,2002:', '!!')} values are not allowed in a template",
        node.start_mark,
    )


# A date stays text (JSON has no dates); binary data, sets and ordered pairs are refused.
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_JsonYaml.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _tag in ("binary", "set", "omap", "pairs", "timestamp"):
    _JsonYaml.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse)


def _not_json(document: Any) -> str | None:
    """Why a loaded document is not JSON (a key that is not a string, a value JSON has not), if so."""
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            key = next((k for k in value if not isinstance(k, str)), None)
            if key is not None:
                return f"keys must be strings, found {key!r}"
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, float) and not math.isfinite(value):
            return f"{value} is not a number JSON can hold"
    return None


def read_yaml(text: str, field: str = "template_yaml") -> Any:
    """The one document of `text` (a 21.09 step file); ParamError naming the line otherwise."""
    try:
        documents = list(yaml.load_all(text, Loader=_JsonYaml))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = exc.problem or exc.context or "invalid YAML"
        raise ParamError(f"{field}: is not valid YAML: {where}{reason}", field=field) from None
    except yaml.YAMLError as exc:
        raise ParamError(f"{field}: is not valid YAML: {exc}", field=field) from None
    except RecursionError:
        # PyYAML composes nested collections recursively.
        raise ParamError(f"{field}: is nested too deeply", field=field) from None
    if len(documents) != 1:
        raise ParamError(f"{field}: must hold one YAML document, found {len(documents)}", field=field)
    problem = _not_json(documents[0])
    if problem is not None:
        raise ParamError(f"{field}: {problem}", field=field)
    return documents[0]


def _suggestion(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean {close[0]}?" if close else f" (known: {', '.join(known)})"


def _variable_problems(content: TemplateContent, catalogue: Catalogue, at: str) -> list[Problem]:
    problems: list[Problem] = []
    for component, values in content.variables.items():
        spec = catalogue.get(component)
        where = f"{at}.variables.{component}"
        if spec is None:
            problems.append(Problem(where, "unknown component" + _suggestion(component, catalogue.names())))
            continue
        if component not in content.step_list:
            problems.append(Problem(where, f"{component} is not a step of this template's step_list"))
            continue
        for name, value in values.items():
            variable = spec.variables.get(name)
            if variable is None:
                known = sorted(spec.variables)
                problems.append(
                    Problem(
                        f"{where}.{name}", f"{component} has no variable {name}" + _suggestion(name, known)
                    )
                )
                continue
            error = variable.problem(value)
            if error is not None:
                problems.append(Problem(f"{where}.{name}", error))
    return problems


def content_problems(raw: Any, catalogue: Catalogue, at: str) -> tuple[TemplateContent | None, list[Problem]]:
    """The content as checked, or every problem of it, each naming its field under `at`."""
    if not isinstance(raw, dict):
        kind = "a list" if isinstance(raw, list) else type(raw).__name__
        return None, [Problem(at, f"must be a mapping with step_list (a 21.09 step file), not {kind}")]
    size = len(jsonio.encode(raw))
    if size > MAX_TEMPLATE_BYTES:
        return None, [Problem(at, f"is {size} bytes as JSON; at most {MAX_TEMPLATE_BYTES} are allowed")]
    try:
        content = TemplateContent.model_validate(raw)
    except ValidationError as exc:
        return None, [Problem(f"{at}.{p['field']}", p["error"]) for p in described(exc)]
    problems = [
        Problem(f"{at}.step_list.{name}", "unknown component" + _suggestion(name, catalogue.names()))
        for name in content.step_list
        if catalogue.get(name) is None
    ]
    problems += _variable_problems(content, catalogue, at)
    return (None if problems else content), problems


def checked_content(body: ImportTemplateBody, catalogue: Catalogue) -> TemplateContent:
    """The body's template content (object or YAML) checked against the catalogue; ParamError
    naming the first bad field, with every problem found under `errors`."""
    if (body.template_content is None) == (body.template_yaml is None):
        given = "not both" if body.template_yaml is not None else "one of them is required"
        field = "template_yaml" if body.template_yaml is not None else "template_content"
        raise ParamError(
            f"{field}: give template_content (an object) or template_yaml (its YAML text), {given}",
            field=field,
        )
    if body.template_yaml is not None:
        at, raw = "template_yaml", read_yaml(body.template_yaml)
    else:
        at, raw = "template_content", body.template_content
    content, problems = content_problems(raw, catalogue, at)
    if content is None:
        first = problems[0]
        raise ParamError(
            f"{first.field}: {first.error}",
            field=first.field,
            payload={"errors": [p.as_dict() for p in problems[:_MAX_PROBLEMS]]},
        )
    return content


def enabled_components(content: TemplateContent) -> list[str]:
    """The components whose steps run, in step order."""
    return [name for name, step in content.step_list.items() if step.enable]


def import_template(
    app: Manager, principal: Principal, body: ImportTemplateBody, catalogue: Catalogue
) -> Reply:
    """Check the template against the catalogue and store it; 1105 when the user has one of that
    name (delete it first to replace it)."""
    content = checked_content(body, catalogue)
    stored = AddTemplateBody(
        template_name=body.template_name, template_content=content, description=body.description
    )
    return reply_of(write(principal, lambda: app.data_center.add_template(stored, principal)))
