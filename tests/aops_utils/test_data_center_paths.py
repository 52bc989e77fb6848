"""Data-center route paths are spelled only by the data center and its typed client."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The data center serves the routes and the client calls them; every other package goes through
# the client's methods.
ALLOWED = {ROOT / "aops_utils" / "data_center.py"}
PACKAGES = [
    "aops_utils",
    "aops_manager",
    "aops_cli",
    "adoctor_check_scheduler",
    "adoctor_check_executor",
    "adoctor_diag_scheduler",
    "adoctor_diag_executor",
]


def path_literals(source: str) -> list[tuple[int, str]]:
    """Every string (or f-string) of the module that begins with a data-center path."""
    # An f-string's leading text is a Constant node of its own, which the walk also visits.
    found = {
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/data/")
    }
    return sorted(found)


def test_no_service_package_spells_a_data_center_path_outside_the_client() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path not in ALLOWED
        for line, text in path_literals(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "call the data center through aops_utils.data_center.DataCenter:\n" + "\n".join(
        offenders
    )


def test_the_scan_finds_plain_and_formatted_path_literals_but_not_prose() -> None:
    source = 'a = "/data/host/get"\nb = f"/data/{name}"\n"""Calls `/data/data/get` once."""\n'
    assert path_literals(source) == [(1, "/data/host/get"), (2, "/data/")]


def test_the_client_itself_spells_the_paths_it_is_allowed_to() -> None:
    # Guards the scan against passing because it reads nothing.
    assert path_literals((ROOT / "aops_utils" / "data_center.py").read_text(encoding="utf-8"))
