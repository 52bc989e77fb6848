"""Only the codes of 21.09 go out, each with its exact label (reference: aops-21.09-core.md 2.2)."""

from __future__ import annotations

from aops_utils.codes import Code
from aops_utils.errors import NotFoundError

# The table of section 2.2 of the 21.09 reference (aops_utils/restful/status.py of 21.09).
CODES_2109 = {
    200: "operation succeed",
    206: "partial succeed",
    500: "internal server error",
    1000: "request parameter error",
    1001: "restful connection error",
    1002: "unknown error",
    1101: "connect to database error",
    1102: "insert data into database fail",
    1103: "delete data from database fail",
    1104: "query data from database fail",
    1105: "data has existed",
    1106: "delete fail for it has dependency",
    1107: "update data in database fail",
    1200: "incorrect username or password",
    1201: "the session is invalid",
    1202: "user has logined, repeat login",
    1203: "missing or invalid vault password, please certificate the vault password",
    1204: "please change the default password or you can not use",
    1205: "the new password is same as old password, change fail",
    1206: "change password fail",
    1301: "Task execution failed.",
}


def test_every_code_is_a_21_09_code_with_its_exact_label() -> None:
    assert {int(code): code.label for code in Code} == CODES_2109


def test_not_found_is_1000_with_http_404() -> None:
    error = NotFoundError("check item x does not exist", field="check_item")
    assert (error.code, error.http_status) == (Code.PARAM_ERROR, 404)
    assert error.envelope()["code"] == 1000
