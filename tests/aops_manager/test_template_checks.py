"""Template contents checked against a component catalogue (pure logic: no server)."""

from __future__ import annotations

from typing import Any

import pytest

from aops_manager.deploy.catalogue import CATALOGUE
from aops_manager.deploy.catalogue import MappingCatalogue
from aops_manager.deploy.catalogue import Port
from aops_manager.deploy.catalogue import component
from aops_manager.deploy.templates import ImportTemplateBody
from aops_manager.deploy.templates import checked_content
from aops_manager.deploy.templates import content_problems
from aops_manager.deploy.templates import enabled_components
from aops_manager.deploy.templates import read_yaml
from aops_utils.errors import ParamError

SMALL = MappingCatalogue(
    {
        "zookeeper": component("zookeeper", zk_client_port=Port, install_dir=str),
        "kafka": component("kafka", kafka_port=Port, brokers=list[str], tls=bool),
    }
)


NOT_YAML = "template_yaml: is not valid YAML: "


def problems(raw: Any) -> list[tuple[str, str]]:
    return [(p.field, p.error) for p in content_problems(raw, SMALL, "template_content")[1]]


def test_a_21_09_step_file_reads_as_its_steps_in_order() -> None:
    text = "---\nstep_list:\n kafka:\n  enable: true\n  continue: true\n zookeeper:\n  enable: false\n"
    content, found = content_problems(read_yaml(text), SMALL, "template_yaml")
    assert found == [] and content is not None
    assert list(content.step_list) == ["kafka", "zookeeper"]
    assert content.step_list["kafka"].continue_ is True
    assert enabled_components(content) == ["kafka"]


def test_an_unknown_component_is_named_with_the_closest_known_one() -> None:
    assert problems({"step_list": {"zokeeper": {"enable": True}, "nginx": {}}}) == [
        ("template_content.step_list.zokeeper", "unknown component; did you mean zookeeper?"),
        ("template_content.step_list.nginx", "unknown component (known: zookeeper, kafka)"),
    ]


@pytest.mark.parametrize(
    ("variables", "field", "error"),
    [
        (
            {"kafka": {"kafka_prot": 1}},
            "kafka.kafka_prot",
            "kafka has no variable kafka_prot; did you mean kafka_port?",
        ),
        ({"kafka": {"kafka_port": "9092"}}, "kafka.kafka_port", "input should be a valid integer"),
        ({"kafka": {"kafka_port": True}}, "kafka.kafka_port", "input should be a valid integer"),
        ({"kafka": {"kafka_port": 70000}}, "kafka.kafka_port", "input should be less than or equal to 65535"),
        ({"kafka": {"brokers": "a,b"}}, "kafka.brokers", "input should be a valid list"),
        ({"kafka": {"tls": "yes"}}, "kafka.tls", "input should be a valid boolean"),
        (
            {"zookeeper": {"zk_client_port": 2181}},
            "zookeeper",
            "zookeeper is not a step of this template's step_list",
        ),
        ({"spark": {"x": 1}}, "spark", "unknown component (known: zookeeper, kafka)"),
    ],
)
def test_a_bad_variable_is_named_with_its_component(
    variables: dict[str, Any], field: str, error: str
) -> None:
    raw = {"step_list": {"kafka": {"enable": True}}, "variables": variables}
    assert problems(raw) == [(f"template_content.variables.{field}", error)]


def test_good_variables_pass_with_their_types() -> None:
    raw = {
        "step_list": {"kafka": {"enable": True}},
        "variables": {"kafka": {"kafka_port": 9093, "brokers": ["a:9092"], "tls": False}},
    }
    assert problems(raw) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            [{"hosts": "all"}],
            [("template_content", "must be a mapping with step_list (a 21.09 step file), not a list")],
        ),
        ("text", [("template_content", "must be a mapping with step_list (a 21.09 step file), not str")]),
        (
            {"steps": {}},
            [
                ("template_content.step_list", "is required"),
                ("template_content.steps", "is not a known field"),
            ],
        ),
        (
            {"step_list": {"kafka": None}},
            [("template_content.step_list.kafka", "input should be a valid dictionary or instance of Step")],
        ),
        (
            {"step_list": {"kafka": {"enable": 1}}},
            [("template_content.step_list.kafka.enable", "input should be a valid boolean")],
        ),
    ],
)
def test_another_shape_is_named_field_by_field(raw: Any, expected: list[tuple[str, str]]) -> None:
    assert problems(raw) == expected


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (
            "step_list: [a\n",
            NOT_YAML + "line 2, column 1: expected ',' or ']', but got '<stream end>'",
        ),
        (
            "a: &x [1]\nb: *x\n",
            NOT_YAML + "line 2, column 4: aliases (*name) are not allowed in a template",
        ),
        ("a: 1\n---\nb: 2\n", "template_yaml: must hold one YAML document, found 2"),
        (
            "step_list:\n\tkafka: {}\n",
            NOT_YAML + "line 2, column 1: found character '\\t' that cannot start any token",
        ),
    ],
)
def test_bad_yaml_is_refused_naming_the_line(text: str, detail: str) -> None:
    with pytest.raises(ParamError) as caught:
        read_yaml(text)
    assert (caught.value.field, caught.value.detail) == ("template_yaml", detail)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (
            "a: !!binary aGVsbG8=\n",
            NOT_YAML + "line 1, column 4: !!binary values are not allowed in a template",
        ),
        ("a: !!set {x}\n", NOT_YAML + "line 1, column 4: !!set values are not allowed in a template"),
        ("1: x\n", "template_yaml: keys must be strings, found 1"),
        ("a: [.inf]\n", "template_yaml: inf is not a number JSON can hold"),
        ("[" * 5000, "template_yaml: is nested too deeply"),
    ],
)
def test_yaml_beyond_what_json_holds_is_refused(text: str, detail: str) -> None:
    with pytest.raises(ParamError) as caught:
        read_yaml(text)
    assert caught.value.detail == detail


def test_a_yaml_date_stays_the_text_it_was() -> None:
    assert read_yaml("a: 2021-09-15\nb: [1, 2.5, true, null]\n") == {
        "a": "2021-09-15",
        "b": [1, 2.5, True, None],
    }


def test_an_import_names_its_first_problem_and_lists_them_all() -> None:
    body = ImportTemplateBody(
        template_name="t",
        template_yaml="step_list:\n  kafka: {enable: true}\nvariables:\n  kafka: {kafka_port: x, nope: 1}\n",
    )
    with pytest.raises(ParamError) as caught:
        checked_content(body, SMALL)
    assert caught.value.field == "template_yaml.variables.kafka.kafka_port"
    assert [e["field"] for e in caught.value.payload["errors"]] == [
        "template_yaml.variables.kafka.kafka_port",
        "template_yaml.variables.kafka.nope",
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [({}, "template_content"), ({"template_content": {}, "template_yaml": ""}, "template_yaml")],
)
def test_an_import_takes_the_object_or_the_yaml_text(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ParamError) as caught:
        checked_content(ImportTemplateBody(template_name="t", **fields), SMALL)
    assert caught.value.field == field


def test_the_catalogue_knows_the_manuals_14_components_in_its_order() -> None:
    assert CATALOGUE.names() == [
        "zookeeper", "kafka", "prometheus", "node_exporter", "mysql", "elasticsearch", "fluentd",
        "adoctor_check_executor", "adoctor_check_scheduler", "adoctor_diag_executor",
        "adoctor_diag_scheduler", "gala_gopher", "gala_spider", "gala_ragdoll",
    ]  # fmt: skip
