"""A task as the data center resolves it, plus the hosts' opened logins: the plan of a run.

The resolved task (docs/deployment.md) carries its templates in order, each with its
`step_list` (component -> {enable, continue}, in order) and `variables` (component -> {var:
value}), and its hosts with the components each is given. Steps of several templates run one
template after the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

from aops_manager.deploy.plan import Login
from aops_manager.deploy.plan import Plan
from aops_manager.deploy.plan import Step
from aops_manager.deploy.plan import Target
from aops_utils.errors import ParamError


def _content(template: Mapping[str, Any]) -> Mapping[str, Any]:
    inner = template.get("template_content")
    return inner if isinstance(inner, Mapping) else template


def _steps(step_list: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """A step list as 21.09 wrote it (an ordered mapping) or as a list of `{step, enable, continue}`."""
    if isinstance(step_list, Mapping):
        for name, flags in step_list.items():
            yield str(name), flags if isinstance(flags, Mapping) else {}
    elif isinstance(step_list, list):
        for item in step_list:
            if isinstance(item, Mapping):
                yield str(item.get("step") or item.get("name") or item.get("component")), item


def steps_of(templates: list[Mapping[str, Any]]) -> tuple[Step, ...]:
    steps: list[Step] = []
    for template in templates:
        content = _content(template)
        variables = content.get("variables") or {}
        for name, flags in _steps(content.get("step_list")):
            steps.append(
                Step(
                    position=len(steps),
                    name=name,
                    # 21.09's defaults: a step is off and stops the task unless told otherwise.
                    enable=bool(flags.get("enable", False)),
                    proceed=bool(flags.get("continue", False)),
                    template_name=str(template.get("template_name", "")),
                    variables=dict(variables.get(name) or {}) if isinstance(variables, Mapping) else {},
                )
            )
    return tuple(steps)


def targets_of(hosts: list[Mapping[str, Any]], logins: Mapping[str, Login]) -> tuple[Target, ...]:
    targets = []
    for index, host in enumerate(hosts):
        host_id = str(host["host_id"])
        login = logins.get(host_id)
        if login is None:
            raise ParamError(
                f"the host {host.get('host_name', host_id)} of the task no longer exists",
                field=f"host_list.{index}",
            )
        targets.append(Target.of_host(host, login, tuple(str(c) for c in host.get("components") or ())))
    return tuple(targets)


def plan_of(
    run_id: str, username: str, task: Mapping[str, Any], logins: Mapping[str, Login], *, check: bool
) -> Plan:
    templates = task.get("templates") or task.get("template_list") or []
    return Plan(
        run_id=run_id,
        username=username,
        task_id=str(task["task_id"]),
        task_name=str(task.get("task_name", "")),
        steps=steps_of(list(templates)),
        targets=targets_of(list(task.get("host_list") or []), logins),
        check=check,
    )
