"""/diag/tree/workbook: the web's way to read a 21.09 `.xlsx` workbook (base64 in the JSON body)
into a tree, as `adoctor faultree --action add` reads a file; bad uploads are a 400 naming the
`workbook` field, and nothing is stored."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from adoctor_diag_scheduler.schemas import MAX_WORKBOOK_BYTES
from aops_utils.trees import tree_from_xlsx
from tests.adoctor_diag_scheduler.conftest import Diag
from tests.aops_utils.trees.test_excel import EXAMPLE_ROWS
from tests.aops_utils.trees.test_excel import workbook
from tests.aops_utils.trees.trees import EXAMPLE
from tests.aops_utils.trees.trees import ROOT
from tests.suite import Suite


@pytest.fixture
def token(suite: Suite) -> str:
    return suite.add_user()[1]


def encoded(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def test_a_workbook_is_read_into_its_tree_and_nothing_is_stored(
    diag: Diag, token: str, tmp_path: Path
) -> None:
    path = workbook(tmp_path, EXAMPLE_ROWS)
    status, reply = diag.call("/diag/tree/workbook", {"workbook": encoded(path)}, token)
    assert status == 200, reply
    assert reply["tree_name"] == ROOT
    assert reply["tree_content"] == EXAMPLE == tree_from_xlsx(path)[1]
    status, trees = diag.call("/diag/tree/get", {"tree_list": []}, token)
    assert (status, trees["trees"]) == (200, [])


def test_a_workbook_fault_names_its_cell(diag: Diag, token: str, tmp_path: Path) -> None:
    path = workbook(tmp_path, [(0, "A"), (2, "too deep|x")])
    status, reply = diag.call("/diag/tree/workbook", {"workbook": encoded(path)}, token)
    assert (status, reply["code"], reply["field"]) == (400, 1000, "workbook"), reply
    assert "diag!C4" in reply["detail"], reply


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"workbook": "not base64!"}, "not base64"),
        ({"workbook": "x\rK\u00e9e\u00fde"}, "not base64"),  # beyond ASCII: found by Schemathesis
        (
            {"workbook": base64.b64encode(b"plain text").decode()},
            "cannot read the upload as an .xlsx workbook",
        ),
        ({"workbook": ""}, "at least 1 character"),
        ({"workbook": "A" * ((MAX_WORKBOOK_BYTES + 2) // 3 * 4 + 4)}, "at most"),
        ({}, "is required"),
    ],
)
def test_bad_uploads_are_refused_naming_the_field(
    diag: Diag, token: str, body: dict[str, str], says: str
) -> None:
    status, reply = diag.call("/diag/tree/workbook", body, token)
    assert (status, reply["code"], reply["field"]) == (400, 1000, "workbook"), reply
    assert says in reply["detail"], reply
    assert "/tmp" not in reply["detail"], reply


def test_reading_a_workbook_needs_a_session(diag: Diag, tmp_path: Path) -> None:
    status, reply = diag.call(
        "/diag/tree/workbook", {"workbook": encoded(workbook(tmp_path, EXAMPLE_ROWS))}, ""
    )
    assert (status, reply["code"]) == (401, 1201), reply
